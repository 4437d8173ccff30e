"""Console bridge settings: production needs the SAML signing pair while the bridge is on."""

from __future__ import annotations

import pytest

from storefront.config import ConfigError, load_settings

PROD = {
    "STOREFRONT_ENV": "production",
    "STOREFRONT_SECRET_KEY": "x" * 40,
    "STOREFRONT_ENCRYPTION_KEYS": "ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM=",
    "STOREFRONT_CLOUD": "huaweicloud",
    "STOREFRONT_CLOUD_AK": "ak",
    "STOREFRONT_CLOUD_SK": "sk",
    "STOREFRONT_CLOUD_DOMAIN_ID": "d",
    "STOREFRONT_PAYMENT_GATEWAY": "none",
}


def test_production_without_saml_keys_fails_clearly_only_when_enabled() -> None:
    with pytest.raises(ConfigError, match="STOREFRONT_SAML_KEY_FILE"):
        load_settings(environ=PROD)
    settings = load_settings(environ={**PROD, "STOREFRONT_CONSOLE_BRIDGE": "off"})
    assert settings.console is not None and not settings.console.enabled


def test_link_ttl_is_capped_at_60_seconds() -> None:
    with pytest.raises(ConfigError, match="CONSOLE_LINK_TTL_S"):
        load_settings(environ={"STOREFRONT_ENV": "testing", "STOREFRONT_CONSOLE_LINK_TTL_S": "600"})


def test_console_route_setting() -> None:
    with pytest.raises(ConfigError, match="STOREFRONT_CONSOLE_ROUTE"):
        load_settings(environ={"STOREFRONT_ENV": "testing", "STOREFRONT_CONSOLE_ROUTE": "oauth"})
    testing = load_settings(environ={"STOREFRONT_ENV": "testing"})
    assert testing.console is not None and testing.console.route == "saml"
    # the broker route needs no SAML signing pair, even in production
    broker = load_settings(environ={**PROD, "STOREFRONT_CONSOLE_ROUTE": "iam_broker"})
    assert broker.console is not None and broker.console.route == "iam_broker"
