"""Signing in and out: passwords (throttled, with the lock-out mail), the second step, the
store's staff 2FA rule, ending every session, changing and resetting the password."""

from __future__ import annotations

import hmac

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired
from sqlalchemy import update

from storefront.accounts import mails, validators
from storefront.accounts.common import (
    PASSWORD_MESSAGES,
    Principal,
    find_principal,
    normalise_email,
    principal_key,
    usable,
)
from storefront.accounts.errors import AccountError, TooManyAttempts
from storefront.accounts.limits import throttle
from storefront.accounts.mail_tokens import RESET_MAX_AGE, RESET_SALT, reset_fingerprint, serializer
from storefront.accounts.models import ApiToken, Customer, Staff, StoreSecurityPolicy
from storefront.accounts.passwords import hash_password, needs_rehash, verify_password
from storefront.accounts.two_factor import verify_second_factor
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.stores.tenancy import current_store_id
from storefront.transactions import commit_step


def staff_2fa_required(store_id: int) -> bool:
    policy = db.session.get(StoreSecurityPolicy, store_id)
    return bool(policy and policy.staff_2fa_required)


def set_staff_2fa_required(store_id: int, required: bool) -> None:
    policy = db.session.get(StoreSecurityPolicy, store_id)
    if policy is None:
        policy = StoreSecurityPolicy(store_id=store_id)
        db.session.add(policy)
    policy.staff_2fa_required = required
    db.session.flush()


def _kind_key(kind: type[Principal]) -> str:
    return "s" if kind is Staff else "c"


def _login_failed(kind: type[Principal], email: str, ip: str | None) -> None:
    """Count a failed sign-in; when it locks the account, queue a mail to its owner."""
    store_id = current_store_id() or 0
    if throttle().login_failed(store_id, _kind_key(kind), email, ip):
        seconds = current_app.config["SETTINGS"].throttle.login_lockout_s
        mails.queue(
            "locked", store_id, kind=_kind_key(kind), email=normalise_email(email), seconds=seconds
        )
        # Committed here, not by the caller: the sign-in fails next (nothing else commits), and
        # the owner must still hear of the lock-out.
        commit_step("kept although an error follows: the lock-out mail")


def _guard_login(kind: type[Principal], email: str, ip: str | None) -> None:
    wait = throttle().login_wait(current_store_id() or 0, _kind_key(kind), email, ip)
    if wait is not None:
        raise TooManyAttempts(wait)


def check_password(
    kind: type[Principal], email: str, password: str, ip: str | None = None
) -> Principal:
    """The principal for these credentials; the same error for unknown email and bad password.

    Throttled per account and per address (:class:`TooManyAttempts`); a hash made with older
    argon2 parameters is replaced by a new one (flushed; the caller commits)."""
    _guard_login(kind, email, ip)
    principal = find_principal(kind, email)
    ok = verify_password(principal.password_hash if principal else None, password or "")
    if principal is None or not ok or not usable(principal):
        _login_failed(kind, email, ip)
        raise AccountError("invalid_credentials", _l("The email or password is wrong."))
    if needs_rehash(principal.password_hash):
        principal.password_hash = hash_password(password)
        db.session.flush()
    return principal


def second_factor(principal: Principal, code: str, ip: str | None = None) -> bool:
    """The sign-in's second step, on the same counters as the password."""
    kind = type(principal)
    _guard_login(kind, principal.email, ip)
    if verify_second_factor(principal, code):
        return True
    _login_failed(kind, principal.email, ip)
    return False


def authenticate(
    kind: type[Principal],
    email: str,
    password: str,
    otp: str | None = None,
    ip: str | None = None,
) -> Principal:
    """Password, then the second factor when enrolled."""
    principal = check_password(kind, email, password, ip)
    if principal.totp_enabled:
        if not otp:
            raise AccountError("otp_required", _l("Enter the code from your authenticator app."))
        if not second_factor(principal, otp, ip):
            raise AccountError("invalid_otp", _l("The code is wrong or was already used."))
    return principal


def log_out_everywhere(principal: Principal) -> None:
    """End every session (the session version moves on) and revoke every API token."""
    principal.session_version = (principal.session_version or 0) + 1
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.principal == principal_key(principal), ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.flush()


def change_password(principal: Principal, current: str, new: str) -> None:
    if not verify_password(principal.password_hash, current):
        raise AccountError(
            "invalid_credentials",
            _l("The current password is wrong."),
            {"current_password": _l("Wrong password.")},
        )
    problem = validators.password_problem(new, email=principal.email, name=principal.name)
    if problem:
        raise AccountError(
            "invalid_input", PASSWORD_MESSAGES[problem], {"password": PASSWORD_MESSAGES[problem]}
        )
    principal.password_hash = hash_password(new)
    log_out_everywhere(principal)


def request_password_reset(email: str) -> None:
    """Queue a reset mail for this address (at most ``STOREFRONT_ACCOUNT_MAIL_LIMIT`` per
    hour); the worker sends it when the account exists. Does the same whether or not it
    does: the caller's answer and timing say nothing. The caller commits."""
    email = normalise_email(email)
    store_id = current_store_id() or 0
    if email and throttle().mail_allowed("reset", store_id, email):
        mails.queue("reset", store_id, email=email)


def reset_password(token: str, new_password: str) -> Customer:
    """Single use: the token names the old password's fingerprint, which the reset changes."""
    try:
        data = serializer(RESET_SALT).loads(token or "", max_age=RESET_MAX_AGE)
    except (BadSignature, SignatureExpired):
        raise AccountError("invalid_token", _l("This link is invalid or has expired.")) from None
    customer = db.session.get(Customer, int(data.get("c", 0))) if isinstance(data, dict) else None
    if customer is None or not hmac.compare_digest(reset_fingerprint(customer), str(data.get("h"))):
        raise AccountError("invalid_token", _l("This link is invalid or has expired."))
    problem = validators.password_problem(new_password, email=customer.email, name=customer.name)
    if problem:
        raise AccountError(
            "invalid_input", PASSWORD_MESSAGES[problem], {"password": PASSWORD_MESSAGES[problem]}
        )
    customer.password_hash = hash_password(new_password)
    log_out_everywhere(customer)
    return customer
