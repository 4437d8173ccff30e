"""Server settings of the payment gateways (``STOREFRONT_…``), validated at start.

- ``PAYMENT_METHODS``: the gateways this server offers, comma-separated from ``alipay``,
  ``wechat`` (default both outside production, none in production); each store then picks
  among them (staff page *Online payment methods*).
- ``PAYMENT_EMULATORS``: ``on`` mounts the Alipay and WeChat Pay emulators at ``/_alipay/``
  and ``/_wechatpay/`` and points the adapters at them with generated test keys (default
  ``on`` outside production; refused in production).
- Alipay: ``ALIPAY_APP_ID``, ``ALIPAY_APP_PRIVATE_KEY_PATH`` (PEM, RSA2),
  ``ALIPAY_PUBLIC_KEY_PATH`` (Alipay's public key, PEM), ``ALIPAY_GATEWAY_URL``.
- WeChat Pay: ``WECHATPAY_MCH_ID``, ``WECHATPAY_APP_ID``, ``WECHATPAY_PRIVATE_KEY_PATH``
  (merchant API key, PEM), ``WECHATPAY_CERT_SERIAL_NO`` (its certificate's serial),
  ``WECHATPAY_APIV3_KEY`` (32 bytes), then either ``WECHATPAY_PUBLIC_KEY_PATH`` +
  ``WECHATPAY_PUBLIC_KEY_ID`` (WeChat Pay public key) or ``WECHATPAY_CERT_DIR`` (platform
  certificates, downloaded there when missing); ``WECHATPAY_API_URL``.
- ``PAYMENT_REFUND_WINDOW_DAYS`` (default 90): how long after payment a top-up can be refunded.

Keys and the APIv3 key are read from files / the environment once and never printed: the
settings' ``repr`` leaves them out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app

GATEWAYS = ("alipay", "wechat")
ALIPAY_URL = "https://openapi.alipay.com/gateway.do"
WECHATPAY_URL = "https://api.mch.weixin.qq.com"


@dataclass(frozen=True)
class AlipaySettings:
    app_id: str
    gateway_url: str
    app_private_key: str = field(repr=False)
    alipay_public_key: str = field(repr=False)


@dataclass(frozen=True)
class WechatSettings:
    mch_id: str
    app_id: str
    cert_serial_no: str
    api_url: str
    private_key: str = field(repr=False)
    apiv3_key: str = field(repr=False)
    public_key: str | None = field(default=None, repr=False)
    public_key_id: str | None = None
    cert_dir: str | None = None


@dataclass(frozen=True)
class PaymentSettings:
    methods: tuple[str, ...] = ()
    emulators: bool = False
    refund_window_days: int = 90
    alipay: AlipaySettings | None = None
    wechat: WechatSettings | None = None

    @classmethod
    def from_mapping(
        cls, env: Mapping[str, str], production: bool
    ) -> tuple[PaymentSettings, list[str]]:
        problems: list[str] = []

        def get(name: str, default: str = "") -> str:
            return (env.get("STOREFRONT_" + name) or "").strip() or default

        raw = get("PAYMENT_METHODS", "" if production else ",".join(GATEWAYS))
        methods = tuple(m.strip() for m in raw.split(",") if m.strip() and m.strip() != "none")
        for unknown in sorted(set(methods) - set(GATEWAYS)):
            problems.append(f"STOREFRONT_PAYMENT_METHODS: unknown gateway {unknown!r}")
        methods = tuple(m for m in GATEWAYS if m in methods)
        emulators = get("PAYMENT_EMULATORS", "off" if production else "on").lower()
        if emulators not in ("on", "off"):
            problems.append("STOREFRONT_PAYMENT_EMULATORS must be on or off")
        if emulators == "on" and production:
            problems.append("STOREFRONT_PAYMENT_EMULATORS=on is for development and testing")
        window = get("PAYMENT_REFUND_WINDOW_DAYS", "90")
        if not window.isdigit() or not 1 <= int(window) <= 365:
            problems.append("STOREFRONT_PAYMENT_REFUND_WINDOW_DAYS must be 1..365 days")
            window = "90"
        alipay = wechat = None
        if emulators != "on":
            if "alipay" in methods:
                alipay = _alipay(get, problems)
            if "wechat" in methods:
                wechat = _wechat(get, problems)
        return cls(methods, emulators == "on", int(window), alipay, wechat), problems


def _read(get: Any, name: str, problems: list[str]) -> str:
    path = get(name)
    if not path:
        problems.append(f"STOREFRONT_{name} is required")
        return ""
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError:
        problems.append(f"STOREFRONT_{name}: cannot read {path}")
        return ""


def _alipay(get: Any, problems: list[str]) -> AlipaySettings:
    app_id = get("ALIPAY_APP_ID")
    if not app_id:
        problems.append("STOREFRONT_ALIPAY_APP_ID is required")
    private = _read(get, "ALIPAY_APP_PRIVATE_KEY_PATH", problems)
    public = _read(get, "ALIPAY_PUBLIC_KEY_PATH", problems)
    for name, text in (
        ("ALIPAY_APP_PRIVATE_KEY_PATH", private),
        ("ALIPAY_PUBLIC_KEY_PATH", public),
    ):
        if text and "-----BEGIN" not in text:
            problems.append(f"STOREFRONT_{name} is not a PEM file")
    return AlipaySettings(app_id, get("ALIPAY_GATEWAY_URL", ALIPAY_URL), private, public)


def _wechat(get: Any, problems: list[str]) -> WechatSettings:
    for name in ("WECHATPAY_MCH_ID", "WECHATPAY_APP_ID", "WECHATPAY_CERT_SERIAL_NO"):
        if not get(name):
            problems.append(f"STOREFRONT_{name} is required")
    private = _read(get, "WECHATPAY_PRIVATE_KEY_PATH", problems)
    apiv3 = get("WECHATPAY_APIV3_KEY")
    if len(apiv3.encode()) != 32:
        problems.append("STOREFRONT_WECHATPAY_APIV3_KEY must be 32 bytes")
    public_key = public_key_id = cert_dir = None
    if get("WECHATPAY_PUBLIC_KEY_PATH") or get("WECHATPAY_PUBLIC_KEY_ID"):
        public_key = _read(get, "WECHATPAY_PUBLIC_KEY_PATH", problems)
        public_key_id = get("WECHATPAY_PUBLIC_KEY_ID")
        if not public_key_id:
            problems.append("STOREFRONT_WECHATPAY_PUBLIC_KEY_ID is required with the public key")
    else:
        cert_dir = get("WECHATPAY_CERT_DIR")
        if not cert_dir:
            problems.append(
                "STOREFRONT_WECHATPAY_PUBLIC_KEY_PATH or STOREFRONT_WECHATPAY_CERT_DIR is required"
            )
    return WechatSettings(
        get("WECHATPAY_MCH_ID"),
        get("WECHATPAY_APP_ID"),
        get("WECHATPAY_CERT_SERIAL_NO"),
        get("WECHATPAY_API_URL", WECHATPAY_URL),
        private,
        apiv3,
        public_key,
        public_key_id,
        cert_dir,
    )


def payment_settings(app: Any = None) -> PaymentSettings:
    found = getattr((app or current_app).config.get("SETTINGS"), "payments", None)
    return found if isinstance(found, PaymentSettings) else PaymentSettings()
