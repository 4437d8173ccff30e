"""Settings groups for rates, caps and timings: throttling, tuning, job leases.

Parsed by :func:`storefront.config.load_settings` like every other setting (each is
``STOREFRONT_<NAME>`` in the environment) and kept apart only to keep ``config.py`` short.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from limits import parse, parse_many

PREFIX = "STOREFRONT_"
Getter = Callable[..., str | None]


@dataclass(frozen=True)
class ThrottleSettings:
    """Throttling of sign-in, registration and account mails (``storefront.accounts.limits``).

    Rates are in the ``limits`` notation ("10 per 15 minutes", "3/hour"). Counters live in
    Redis when ``STOREFRONT_REDIS_URL`` is set, in the process's memory otherwise.
    """

    # STOREFRONT_LOGIN_ACCOUNT_LIMIT: failed sign-ins (password, token, 2FA code; customer and
    # staff routes alike) on one account, from any address, before the account locks
    login_account: str = "10 per 15 minutes"
    # STOREFRONT_LOGIN_LOCKOUT_S: how long a locked account refuses every sign-in
    login_lockout_s: int = 900
    # STOREFRONT_LOGIN_IP_LIMIT: failed sign-ins from one address across all accounts
    login_ip: str = "30 per 15 minutes"
    # STOREFRONT_REGISTER_IP_LIMIT / STOREFRONT_REGISTER_STORE_LIMIT: registrations
    register_ip: str = "10 per hour"
    register_store: str = "300 per hour"
    # STOREFRONT_ACCOUNT_MAIL_LIMIT: reset (and, separately, verification) mails per account
    account_mail: str = "3 per hour"


# API and page rate limits (the `limits` notation; ";" separates several) and their defaults
ACCOUNT_LIMIT_DEFAULTS = {
    "ACCOUNTS_LIMIT_LOGIN": "10 per minute;50 per hour",
    "ACCOUNTS_LIMIT_RESET": "5 per minute;20 per hour",
    "ACCOUNTS_LIMIT_VERIFY": "20 per minute",
    "ACCOUNTS_LIMIT_OTP": "10 per minute",
    "ACCOUNTS_LIMIT_SMS": "1 per minute;5 per hour",
    "ACCOUNTS_LIMIT_SMS_IP": "5 per minute;20 per hour",
}
# name: (default, lowest, highest); the default's type is the setting's type
_TUNING_NUMBERS: dict[str, tuple[float | int, float, float]] = {
    "CATALOG_CACHE_SECONDS": (30.0, 0, 86_400),
    "STORE_CACHE_SECONDS": (30.0, 0, 86_400),
    "SERVER_STATE_CACHE_SECONDS": (30.0, 0, 30),
    "SERVER_PAGE_POLL_SECONDS": (5.0, 1, 300),
    "BACKOFFICE_MAX_IMAGE_BYTES": (512 * 1024, 1024, 50 * 1024 * 1024),
    "ACCOUNTS_MAX_DOCUMENT_BYTES": (5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    "WEBHOOKS_MAX_ATTEMPTS": (8, 1, 20),
    "WEBHOOKS_DISABLE_AFTER": (20, 1, 1000),
    "WEBHOOKS_TIMEOUT_SECONDS": (10.0, 1, 60),
    "WEBHOOKS_ROTATION_HOURS": (24.0, 0, 720),
}


@dataclass(frozen=True)
class TuningSettings:
    """Cache ages, size caps and rate limits, each ``STOREFRONT_<NAME>`` in the environment.

    Flask's config carries them under ``<NAME>`` (see :meth:`Settings.flask_config`), where the
    code reads them.
    """

    # how long a process keeps its catalogue copy / store answers before re-reading them
    catalog_cache_seconds: float = 30.0
    # whether one builder process makes the catalogue copy and the workers read its file
    # (storefront/catalog/copy_builder.py); false: each process refreshes its own in a thread
    catalog_copy_shared: bool = True
    store_cache_seconds: float = 30.0
    # how long a resource's state read from the provider is shown before asking again (#17)
    server_state_cache_seconds: float = 30.0
    # the resource page asks again at the cache's pace, but never more often than this
    server_page_poll_seconds: float = 5.0
    # largest logo a store may upload; largest real-name document a customer may upload
    backoffice_max_image_bytes: int = 512 * 1024
    accounts_max_document_bytes: int = 5 * 1024 * 1024
    account_limits: dict[str, str] = field(default_factory=lambda: dict(ACCOUNT_LIMIT_DEFAULTS))
    # development payment gateway: deliver notifications over HTTP, or keep them in an outbox
    paysandbox_delivery: str = "http"
    # webhooks (#22): attempts per delivery (the job queue's back-off between them), failed
    # attempts in a row before an endpoint is disabled, the timeout of one post, how long a
    # rotated-out secret keeps signing; and whether endpoints may be private or loopback
    # addresses (always in development; refused in production)
    webhooks_max_attempts: int = 8
    webhooks_disable_after: int = 20
    webhooks_timeout_seconds: float = 10.0
    webhooks_rotation_hours: float = 24.0
    webhooks_allow_private: bool = False

    def flask_config(self) -> dict[str, Any]:
        return {
            "CATALOG_CACHE_SECONDS": self.catalog_cache_seconds,
            "CATALOG_COPY_SHARED": self.catalog_copy_shared,
            "STORE_CACHE_SECONDS": self.store_cache_seconds,
            "SERVER_STATE_CACHE_SECONDS": self.server_state_cache_seconds,
            "SERVER_PAGE_POLL_SECONDS": self.server_page_poll_seconds,
            "BACKOFFICE_MAX_IMAGE_BYTES": self.backoffice_max_image_bytes,
            "ACCOUNTS_MAX_DOCUMENT_BYTES": self.accounts_max_document_bytes,
            "PAYSANDBOX_DELIVERY": self.paysandbox_delivery,
            "WEBHOOKS_MAX_ATTEMPTS": self.webhooks_max_attempts,
            "WEBHOOKS_DISABLE_AFTER": self.webhooks_disable_after,
            "WEBHOOKS_TIMEOUT_SECONDS": self.webhooks_timeout_seconds,
            "WEBHOOKS_ROTATION_HOURS": self.webhooks_rotation_hours,
            "WEBHOOKS_ALLOW_PRIVATE": self.webhooks_allow_private,
            # the association terms' links; None: storefront.accounts.terms.DEFAULT_TERMS (an
            # embedding app or a test may pass its own mapping to create_app)
            "ACCOUNTS_TERMS": None,
            **self.account_limits,
        }


_THROTTLE_RATES = {
    "LOGIN_ACCOUNT_LIMIT": "login_account",
    "LOGIN_IP_LIMIT": "login_ip",
    "REGISTER_IP_LIMIT": "register_ip",
    "REGISTER_STORE_LIMIT": "register_store",
    "ACCOUNT_MAIL_LIMIT": "account_mail",
}


def throttle_settings(env: Mapping[str, str], problems: list[str]) -> ThrottleSettings:
    values: dict[str, Any] = {}
    for name, attr in _THROTTLE_RATES.items():
        raw = (env.get(PREFIX + name) or "").strip()
        if not raw:
            continue
        try:
            parse(raw)
        except ValueError:
            problems.append(f"{PREFIX}{name} must be a rate such as '10 per hour', not {raw!r}")
            continue
        values[attr] = raw
    lockout = (env.get(PREFIX + "LOGIN_LOCKOUT_S") or "").strip()
    if lockout:
        if lockout.isdigit() and int(lockout) >= 1:
            values["login_lockout_s"] = int(lockout)
        else:
            problems.append(f"{PREFIX}LOGIN_LOCKOUT_S must be a whole number of seconds (>= 1)")
    return ThrottleSettings(**values)


def tuning_settings(get: Getter, problems: list[str]) -> TuningSettings:
    """Cache ages, size caps, API rate limits and the payment sandbox's delivery."""
    values: dict[str, Any] = {}
    for name, (default, low, high) in _TUNING_NUMBERS.items():
        raw = (get(name) or "").strip()
        if not raw:
            continue
        try:
            number = float(raw)
        except ValueError:
            number = low - 1
        if not low <= number <= high:
            problems.append(f"STOREFRONT_{name} must be a number from {low} to {high}")
            continue
        values[name.lower()] = type(default)(number)
    limits = dict(ACCOUNT_LIMIT_DEFAULTS)
    for name in ACCOUNT_LIMIT_DEFAULTS:
        raw = (get(name) or "").strip()
        if raw:
            if _rate_ok(raw):
                limits[name] = raw
            else:
                problems.append(
                    f"STOREFRONT_{name} must be rates such as '10 per minute;50 per hour'"
                )
    delivery = get("PAYSANDBOX_DELIVERY", "http") or "http"
    if delivery not in ("http", "outbox"):
        problems.append("STOREFRONT_PAYSANDBOX_DELIVERY must be http or outbox")
        delivery = "http"
    private = (get("WEBHOOKS_ALLOW_PRIVATE") or "").strip().lower()
    if private not in ("", "0", "1", "true", "false", "yes", "no"):
        problems.append("STOREFRONT_WEBHOOKS_ALLOW_PRIVATE must be true or false")
    values["webhooks_allow_private"] = private in ("1", "true", "yes")
    shared = (get("CATALOG_COPY_SHARED") or "true").strip().lower()
    if shared not in ("0", "1", "true", "false", "yes", "no"):
        problems.append("STOREFRONT_CATALOG_COPY_SHARED must be true or false")
    values["catalog_copy_shared"] = shared not in ("0", "false", "no")
    return TuningSettings(**values, account_limits=limits, paysandbox_delivery=delivery)


def _rate_ok(raw: str) -> bool:
    try:
        return bool(parse_many(raw))
    except ValueError:
        return False


def job_lease_s(get: Callable[..., str | None], problems: list[str]) -> int:
    """``STOREFRONT_JOB_LEASE_S``: whole seconds from 2 to 3600 (default 60)."""
    raw = (get("JOB_LEASE_S", "60") or "60").strip()
    if raw.isdigit() and 2 <= int(raw) <= 3600:
        return int(raw)
    problems.append("STOREFRONT_JOB_LEASE_S must be a whole number of seconds from 2 to 3600")
    return 60
