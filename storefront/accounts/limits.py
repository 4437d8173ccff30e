"""Throttling of the sensitive account operations.

Two layers:

* **Counters that follow what is attacked** (:class:`Throttle`, settings in
  :class:`storefront.config.ThrottleSettings`): failed sign-ins per account (across ``/login``,
  ``/admin/login``, the 2FA step and both token endpoints, from any address) with a lock-out
  that expires; failed sign-ins per address across accounts (spraying); registrations per
  address and per store; reset and verification mails per account. Accounts are keyed by
  store, kind and the normalised email (hashed), whether or not the account exists, so a
  caller learns nothing from being throttled. Counters live in the ``limits`` library's
  storage: Redis when ``STOREFRONT_REDIS_URL`` is set (shared by every app server), memory
  otherwise.
* **Per-route request rates** (``@rate_limited`` of :mod:`storefront.ratelimit`, Flask config
  keys so tests and operators can tune them): ``ACCOUNTS_LIMIT_LOGIN`` (login and token calls,
  per address + email), ``ACCOUNTS_LIMIT_RESET``, ``ACCOUNTS_LIMIT_VERIFY`` and
  ``ACCOUNTS_LIMIT_OTP`` (per address); ``ACCOUNTS_LIMIT_SMS`` (registration SMS codes, per
  address + phone) and ``ACCOUNTS_LIMIT_SMS_IP`` (per address): a cheap first brake on bursts.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, current_app, request
from limits import RateLimitItem, RateLimitItemPerSecond, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from storefront.config import Settings, ThrottleSettings
from storefront.ratelimit import remote_address

DEFAULTS = {
    "ACCOUNTS_LIMIT_LOGIN": "10 per minute;50 per hour",
    "ACCOUNTS_LIMIT_RESET": "5 per minute;20 per hour",
    "ACCOUNTS_LIMIT_VERIFY": "20 per minute",
    "ACCOUNTS_LIMIT_OTP": "10 per minute",
    "ACCOUNTS_LIMIT_SMS": "1 per minute;5 per hour",
    "ACCOUNTS_LIMIT_SMS_IP": "5 per minute;20 per hour",
}
EXTENSION = "storefront.throttle"
log = logging.getLogger(__name__)
T = TypeVar("T")


def limit(name: str) -> Callable[[], str]:
    def value() -> str:
        configured: str = current_app.config.get(name) or DEFAULTS[name]
        return configured

    return value


def ip_and_email() -> str:
    """The caller's address plus the email it is trying (JSON body or form)."""
    if request.is_json:
        payload = request.get_json(silent=True)
        email = payload.get("email") if isinstance(payload, dict) else None
    else:
        email = request.form.get("email")
    return f"{remote_address()}|{str(email or '').strip().lower()}"


def ip_and_phone() -> str:
    """The caller's address plus the phone it wants a code for (JSON body or form)."""
    if request.is_json:
        payload = request.get_json(silent=True)
        phone = payload.get("phone") if isinstance(payload, dict) else None
    else:
        number = "".join(ch for ch in request.form.get("phone", "") if ch.isdigit())
        phone = f"{request.form.get('phone_code', '')}{number.lstrip('0')}"
    return f"{remote_address()}|{str(phone or '').strip()}"


def ip_only() -> str:
    return remote_address()


def client_network(ip: str | None) -> str | None:
    """What an address counter counts: the IPv4 address, or the /64 network of an IPv6 one
    (one subscriber holds a whole /64 and can rotate through it)."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _digest(value: str) -> str:
    """Emails never appear in the counter store, only a digest of them."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def _fail_open(default: Any) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """The counter store unreachable (Redis down): log it and let the request through, as
    the per-route rates do with ``RATELIMIT_SWALLOW_ERRORS``; never a 500 on sign-in."""

    def decorator(method: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(method)
        def wrapper(self: Throttle, *args: Any, **kwargs: Any) -> T:
            try:
                return method(self, *args, **kwargs)
            except Exception as exc:
                if not isinstance(exc, self.storage.base_exceptions):
                    raise  # a bug, not an outage
                log.warning("throttling skipped, counter store unavailable: %s", exc)
                result: T = default
                return result

        return wrapper

    return decorator


@dataclass(frozen=True)
class _Items:
    login_account: RateLimitItem
    lockout: RateLimitItem
    login_ip: RateLimitItem
    register_ip: RateLimitItem
    register_store: RateLimitItem
    account_mail: RateLimitItem

    @classmethod
    def from_settings(cls, settings: ThrottleSettings) -> _Items:
        return cls(
            login_account=parse(settings.login_account),
            lockout=RateLimitItemPerSecond(1, settings.login_lockout_s),
            login_ip=parse(settings.login_ip),
            register_ip=parse(settings.register_ip),
            register_store=parse(settings.register_store),
            account_mail=parse(settings.account_mail),
        )


class Throttle:
    """The app's counters (one per app, see :func:`throttle`)."""

    def __init__(self, storage: Storage, settings: ThrottleSettings) -> None:
        self.storage = storage
        self.items = _Items.from_settings(settings)
        self.moving = MovingWindowRateLimiter(storage)
        self.fixed = FixedWindowRateLimiter(storage)

    # -- helpers

    def _wait(
        self,
        limiter: FixedWindowRateLimiter | MovingWindowRateLimiter,
        item: RateLimitItem,
        *key: str,
    ) -> int:
        """Seconds until ``item`` admits one more hit for ``key`` (at least 1)."""
        reset = limiter.get_window_stats(item, *key).reset_time
        return max(1, math.ceil(reset - time.time()))

    # -- sign-in

    @_fail_open(None)
    def login_wait(self, store_id: int, kind: str, email: str, ip: str | None) -> int | None:
        """Seconds the caller must wait (the account is locked, or the address has failed too
        often), or None: the attempt may proceed."""
        account = ("lock", str(store_id), kind, _digest(email))
        ip = client_network(ip)
        if not self.fixed.test(self.items.lockout, *account):
            return self._wait(self.fixed, self.items.lockout, *account)
        if ip and not self.moving.test(self.items.login_ip, "login-ip", ip):
            return self._wait(self.moving, self.items.login_ip, "login-ip", ip)
        return None

    @_fail_open(False)
    def login_failed(self, store_id: int, kind: str, email: str, ip: str | None) -> bool:
        """Count one failed attempt; True when it locked the account (it was not before)."""
        ip = client_network(ip)
        if ip:
            self.moving.hit(self.items.login_ip, "login-ip", ip)
        digest = _digest(email)
        failures = ("login-fail", str(store_id), kind, digest)
        self.moving.hit(self.items.login_account, *failures)
        if self.moving.get_window_stats(self.items.login_account, *failures).remaining > 0:
            return False
        return self.fixed.hit(self.items.lockout, "lock", str(store_id), kind, digest)

    # -- registration and mails

    @_fail_open(None)
    def registration_wait(self, store_id: int, ip: str | None) -> int | None:
        """Count one registration; seconds to wait when the address or the store is over its
        limit, else None."""
        ip = client_network(ip)
        keys: list[tuple[RateLimitItem, tuple[str, ...]]] = [
            (self.items.register_store, ("register-store", str(store_id)))
        ]
        if ip:
            keys.insert(0, (self.items.register_ip, ("register-ip", str(store_id), ip)))
        for item, key in keys:
            if not self.moving.hit(item, *key):
                return self._wait(self.moving, item, *key)
        return None

    @_fail_open(True)
    def mail_allowed(self, what: str, store_id: int, account: str) -> bool:
        """Count one ``what`` mail (reset, verify) to this account (its email, or for an
        existing account its id); False when over the limit."""
        key = ("mail", what, str(store_id), _digest(account))
        return self.moving.hit(self.items.account_mail, *key)


def make_throttle(app: Flask) -> Throttle:
    settings: Settings = app.config["SETTINGS"]
    storage = storage_from_string(settings.redis_url or "memory://")
    assert isinstance(storage, Storage)  # a synchronous storage for these URLs
    return Throttle(storage, settings.throttle)


def throttle() -> Throttle:
    """The current app's :class:`Throttle`, made on first use."""
    found = current_app.extensions.get(EXTENSION)
    if found is None:
        found = current_app.extensions.setdefault(EXTENSION, make_throttle(current_app))
    assert isinstance(found, Throttle)
    return found
