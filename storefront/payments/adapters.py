"""Which gateway adapters this server offers, and their settings (real, or the emulators').

Apart from :mod:`storefront.payments.gateway` (the interface the adapters implement), so the
adapters can import the interface and this module can import the adapters.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from storefront.payments.alipay import AlipayGateway
from storefront.payments.emulators import keys
from storefront.payments.gateway import ALIPAY, WECHAT, Gateway
from storefront.payments.settings import AlipaySettings, WechatSettings, payment_settings
from storefront.payments.wechat import WechatGateway


def alipay_settings(app: Any = None) -> AlipaySettings | None:
    app = app or current_app
    settings = payment_settings(app)
    if ALIPAY not in settings.methods:
        return None
    if not settings.emulators:
        return settings.alipay
    dev = keys.dev_keys(app.instance_path)
    base = app.config["SETTINGS"].public_url
    return AlipaySettings(
        keys.ALIPAY_APP_ID, f"{base}/_alipay/gateway.do", dev.alipay_app_private, dev.alipay_public
    )


def wechat_settings(app: Any = None) -> WechatSettings | None:
    app = app or current_app
    settings = payment_settings(app)
    if WECHAT not in settings.methods:
        return None
    if not settings.emulators:
        return settings.wechat
    dev = keys.dev_keys(app.instance_path)
    base = app.config["SETTINGS"].public_url
    # platform certificates (downloaded from /v3/certificates), like an older merchant account
    return WechatSettings(
        keys.WECHAT_MCH_ID,
        keys.WECHAT_APP_ID,
        dev.wechat_merchant_serial,
        f"{base}/_wechatpay",
        dev.wechat_merchant_private,
        dev.wechat_apiv3_key,
    )


def adapter(name: str) -> Gateway | None:
    """The adapter for ``name`` if this server offers it, else ``None``."""
    if name == ALIPAY:
        found = alipay_settings()
        if found is not None:
            return AlipayGateway(found)
    if name == WECHAT:
        wechat = wechat_settings()
        if wechat is not None:
            return WechatGateway.cached(wechat)
    return None
