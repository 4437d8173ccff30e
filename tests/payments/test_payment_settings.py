"""The gateways' server settings: validated at start, keys never printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from storefront.config import ConfigError, load_settings
from storefront.payments.emulators.keys import dev_keys

PRODUCTION = {
    "STOREFRONT_ENV": "production",
    "STOREFRONT_SECRET_KEY": "x" * 40,
    "STOREFRONT_ENCRYPTION_KEYS": "ZmFrZWZha2VmYWtlZmFrZWZha2VmYWtlZmFrZWZha2U=",
    "STOREFRONT_DATABASE_URL": "sqlite://",
}


def _load(tmp_path: Path, **env: str) -> object:
    return load_settings(environ={**PRODUCTION, **env}, instance_path=tmp_path)


def test_production_offers_no_gateway_unless_configured(tmp_path: Path) -> None:
    settings = _load(tmp_path)
    payments = settings.payments  # type: ignore[attr-defined]
    assert payments.methods == () and not payments.emulators
    with pytest.raises(ConfigError) as found:
        _load(tmp_path, STOREFRONT_PAYMENT_METHODS="alipay,wechat,paypal",
              STOREFRONT_PAYMENT_EMULATORS="on")
    text = str(found.value)
    assert "unknown gateway 'paypal'" in text and "EMULATORS=on is for development" in text
    with pytest.raises(ConfigError) as found:
        _load(tmp_path, STOREFRONT_PAYMENT_METHODS="alipay,wechat")
    for expected in ("STOREFRONT_ALIPAY_APP_ID is required", "STOREFRONT_WECHATPAY_APIV3_KEY",
                     "STOREFRONT_ALIPAY_APP_PRIVATE_KEY_PATH is required"):
        assert expected in str(found.value)


def test_configured_gateways_load_and_never_print_their_keys(tmp_path: Path) -> None:
    keys = dev_keys(tmp_path / "k")
    files = {}
    for name, text in (("app.pem", keys.alipay_app_private), ("ali.pem", keys.alipay_public),
                       ("mch.pem", keys.wechat_merchant_private),
                       ("wxpub.pem", keys.wechat_merchant_public)):
        files[name] = tmp_path / name
        files[name].write_text(text)
    settings = _load(
        tmp_path,
        STOREFRONT_PAYMENT_METHODS="alipay,wechat",
        STOREFRONT_ALIPAY_APP_ID="2021000000000001",
        STOREFRONT_ALIPAY_APP_PRIVATE_KEY_PATH=str(files["app.pem"]),
        STOREFRONT_ALIPAY_PUBLIC_KEY_PATH=str(files["ali.pem"]),
        STOREFRONT_WECHATPAY_MCH_ID="1900000109",
        STOREFRONT_WECHATPAY_APP_ID="wxd678efh567hg6787",
        STOREFRONT_WECHATPAY_CERT_SERIAL_NO="444F4864EA9B34415",
        STOREFRONT_WECHATPAY_PRIVATE_KEY_PATH=str(files["mch.pem"]),
        STOREFRONT_WECHATPAY_APIV3_KEY="a" * 32,
        STOREFRONT_WECHATPAY_PUBLIC_KEY_PATH=str(files["wxpub.pem"]),
        STOREFRONT_WECHATPAY_PUBLIC_KEY_ID="PUB_KEY_ID_0114",
    )
    payments = settings.payments  # type: ignore[attr-defined]
    assert payments.methods == ("alipay", "wechat")
    assert payments.alipay.gateway_url == "https://openapi.alipay.com/gateway.do"
    printed = repr(settings)
    assert "PRIVATE KEY" not in printed and "a" * 32 not in printed
    with pytest.raises(ConfigError, match="cannot read"):
        _load(tmp_path, STOREFRONT_PAYMENT_METHODS="alipay", STOREFRONT_ALIPAY_APP_ID="1",
              STOREFRONT_ALIPAY_APP_PRIVATE_KEY_PATH="/nonexistent.pem",
              STOREFRONT_ALIPAY_PUBLIC_KEY_PATH=str(files["ali.pem"]))
