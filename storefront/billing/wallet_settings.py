"""Online top-up settings (``WalletSettings``: the gateway, the notify secret and age, the
voucher quota, the top-up expiry), read at start by :mod:`storefront.config`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

GATEWAYS = ("sandbox", "none")
DEV_NOTIFY_SECRET = "dev-only-payment-notify-secret"  # noqa: S105 - refused in production


@dataclass(frozen=True)
class WalletSettings:
    """``STOREFRONT_PAYMENT_GATEWAY`` (``sandbox`` | ``none``; default ``sandbox`` outside
    production, ``none`` in production, where ``sandbox`` is refused),
    ``STOREFRONT_PAYMENT_NOTIFY_SECRET`` (HMAC key shared with the gateway; required in
    production with a gateway), ``STOREFRONT_PAYMENT_NOTIFY_MAX_AGE_S`` (default 300) and
    ``STOREFRONT_VOUCHER_QUOTA_ID`` (the partner's coupon quota at the provider that mirrored
    vouchers draw on; unset = vouchers stay local)."""

    gateway: str = "sandbox"
    notify_secret: str = DEV_NOTIFY_SECRET
    notify_max_age_s: int = 300
    voucher_quota_id: str | None = None
    # STOREFRONT_TOPUP_EXPIRY_MINUTES: an online top-up not paid within this time is cancelled
    topup_expiry_minutes: int = 30

    @classmethod
    def from_mapping(
        cls, env: Mapping[str, str], production: bool, cloud_is_sandbox: bool
    ) -> tuple[WalletSettings, list[str]]:
        problems: list[str] = []

        def get(name: str) -> str | None:
            value = env.get(f"STOREFRONT_{name}")
            return None if value is None or value.strip() == "" else value.strip()

        gateway = get("PAYMENT_GATEWAY") or ("none" if production else "sandbox")
        if gateway not in GATEWAYS:
            problems.append(f"STOREFRONT_PAYMENT_GATEWAY must be one of {', '.join(GATEWAYS)}")
            gateway = "none"
        if gateway == "sandbox" and production:
            problems.append("STOREFRONT_PAYMENT_GATEWAY=sandbox is for development and testing")
        secret = get("PAYMENT_NOTIFY_SECRET")
        if secret is None:
            if production and gateway != "none":
                problems.append("STOREFRONT_PAYMENT_NOTIFY_SECRET is required in production")
            secret = DEV_NOTIFY_SECRET
        elif production and len(secret) < 32:
            problems.append("STOREFRONT_PAYMENT_NOTIFY_SECRET must be at least 32 characters")
        max_age_raw = get("PAYMENT_NOTIFY_MAX_AGE_S") or "300"
        try:
            max_age = int(max_age_raw)
            if not 10 <= max_age <= 86400:
                raise ValueError
        except ValueError:
            problems.append("STOREFRONT_PAYMENT_NOTIFY_MAX_AGE_S must be 10..86400 seconds")
            max_age = 300
        quota = get("VOUCHER_QUOTA_ID") or (SANDBOX_QUOTA_ID if cloud_is_sandbox else None)
        expiry_raw = get("TOPUP_EXPIRY_MINUTES") or "30"
        try:
            expiry = int(expiry_raw)
            if not 5 <= expiry <= 10080:
                raise ValueError
        except ValueError:
            problems.append("STOREFRONT_TOPUP_EXPIRY_MINUTES must be 5..10080 minutes")
            expiry = 30
        return cls(gateway, secret, max_age, quota, expiry), problems


SANDBOX_QUOTA_ID = "sandbox-coupon-quota"
# the hosted payment page of the sandbox gateway (storefront.billing.payments_sandbox)
SANDBOX_CHECKOUT_PATH = "/_paysandbox/checkout"


def wallet_settings(app: Any = None) -> WalletSettings:
    found = getattr((app or current_app).config.get("SETTINGS"), "wallet", None)
    return found if isinstance(found, WalletSettings) else WalletSettings()
