"""Every setting the code reads is declared and validated in ``storefront.config`` (issue #15)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from storefront.config import ConfigError, load_settings

PACKAGE = Path(__file__).resolve().parent.parent / "storefront"
# Keys Flask and its extensions define themselves (read here, set by them or by flask_config).
FRAMEWORK_KEYS = {"SESSION_COOKIE_NAME", "REMEMBER_COOKIE_NAME", "SESSION_COOKIE_SAMESITE"}
READ = re.compile(r"""config(?:\.get)?[\[(]\s*["']([A-Z][A-Z0-9_]+)["']""")
LIMIT_NAME = re.compile(r"""\blimit\(\s*["']([A-Z][A-Z0-9_]+)["']""")


def keys_read() -> set[str]:
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        if "sandbox" in path.parts:  # the provider's emulator is a separate service
            continue
        text = path.read_text(encoding="utf-8")
        found.update(READ.findall(text), LIMIT_NAME.findall(text))
    return found


def test_every_config_key_the_code_reads_is_declared(tmp_path: Path) -> None:
    declared = load_settings({"STOREFRONT_ENV": "testing"}, environ={}, instance_path=tmp_path)
    provided = set(declared.flask_config()) | FRAMEWORK_KEYS
    assert sorted(keys_read() - provided) == []


def test_tuning_settings_come_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(
        environ={
            "STOREFRONT_ENV": "testing",
            "STOREFRONT_CATALOG_CACHE_SECONDS": "5",
            "STOREFRONT_ACCOUNTS_LIMIT_LOGIN": "3 per minute",
            "STOREFRONT_SECRET_KEY_FALLBACKS": "old-one, older-one",
        },
        instance_path=tmp_path,
    )
    config = settings.flask_config()
    assert config["CATALOG_CACHE_SECONDS"] == 5.0
    assert config["STORE_CACHE_SECONDS"] == 30.0
    assert config["ACCOUNTS_LIMIT_LOGIN"] == "3 per minute"
    assert config["ACCOUNTS_LIMIT_RESET"] == "5 per minute;20 per hour"
    assert config["SECRET_KEY_FALLBACKS"] == ["old-one", "older-one"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STOREFRONT_CATALOG_CACHE_SECONDS", "soon"),
        ("STOREFRONT_STORE_CACHE_SECONDS", "-1"),
        ("STOREFRONT_SERVER_PAGE_POLL_SECONDS", "0.5"),
        ("STOREFRONT_BACKOFFICE_MAX_IMAGE_BYTES", "12"),
        ("STOREFRONT_ACCOUNTS_LIMIT_OTP", "lots"),
        ("STOREFRONT_PAYSANDBOX_DELIVERY", "pigeon"),
    ],
)
def test_bad_values_stop_the_start_with_the_setting_named(
    tmp_path: Path, name: str, value: str
) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings(environ={"STOREFRONT_ENV": "testing", name: value}, instance_path=tmp_path)
