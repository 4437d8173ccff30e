"""Two-factor authentication: a TOTP secret (stored encrypted), its one-use codes (a replay
guard per principal) and the recovery codes (stored hashed, each spent once)."""

from __future__ import annotations

import hmac
import secrets

import pyotp
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from storefront.accounts import crypto
from storefront.accounts.common import Principal, principal_key, sha256_hex
from storefront.accounts.errors import AccountError
from storefront.accounts.models import RecoveryCode
from storefront.accounts.passwords import verify_password
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.stores.tenancy import current_store

RECOVERY_CODES = 10


def begin_totp(principal: Principal) -> str:
    """A new (not yet enabled) secret; returns the otpauth:// URI for the QR code."""
    if principal.totp_enabled:
        raise AccountError("otp_enabled", _l("Two-factor authentication is already on."))
    secret = pyotp.random_base32()
    principal.totp_secret_enc = crypto.encrypt(secret)
    db.session.flush()
    return totp_uri(principal)


def totp_uri(principal: Principal) -> str:
    secret = crypto.decrypt(principal.totp_secret_enc or "")
    issuer = current_store().name
    return pyotp.TOTP(secret).provisioning_uri(name=principal.email, issuer_name=issuer)


def _check_totp(principal: Principal, code: str) -> bool:
    if not principal.totp_secret_enc:
        return False
    totp = pyotp.TOTP(crypto.decrypt(principal.totp_secret_enc))
    step = int(utcnow().timestamp()) // totp.interval
    for offset in (0, -1, 1):
        candidate = step + offset
        if hmac.compare_digest(totp.at(candidate * totp.interval), code):
            if principal.totp_last_step is not None and candidate <= principal.totp_last_step:
                return False  # replayed
            principal.totp_last_step = candidate  # the replay guard: the caller commits it
            db.session.flush()
            return True
    return False


def confirm_totp(principal: Principal, code: str) -> list[str]:
    """Turn 2FA on after a correct code; returns the recovery codes (shown once)."""
    code = (code or "").strip().replace(" ", "")
    if principal.totp_enabled or not _check_totp(principal, code):
        raise AccountError("invalid_otp", _l("The code is wrong. Try the current one."))
    principal.totp_enabled = True
    codes = new_recovery_codes(principal)
    db.session.flush()
    return codes


def new_recovery_codes(principal: Principal) -> list[str]:
    key = principal_key(principal)
    db.session.execute(
        delete(RecoveryCode).where(
            RecoveryCode.principal == key, RecoveryCode.store_id == principal.store_id
        )
    )
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    for code in codes:
        db.session.add(
            RecoveryCode(store_id=principal.store_id, principal=key, code_hash=sha256_hex(code))
        )
    db.session.flush()
    return codes


def verify_second_factor(principal: Principal, code: str) -> bool:
    """A current TOTP code, or an unused recovery code (then spent)."""
    code = (code or "").strip().replace(" ", "").lower()
    if code.isdigit() and len(code) == 6:
        return _check_totp(principal, code)
    row = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.principal == principal_key(principal),
            RecoveryCode.store_id == principal.store_id,
            RecoveryCode.code_hash == sha256_hex(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = utcnow()
    db.session.flush()
    return True


def remaining_recovery_codes(principal: Principal) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.principal == principal_key(principal),
                RecoveryCode.store_id == principal.store_id,
                RecoveryCode.used_at.is_(None),
            )
        ).all()
    )


def disable_totp(principal: Principal, password: str) -> None:
    if not verify_password(principal.password_hash, password):
        raise AccountError(
            "invalid_credentials", _l("The password is wrong."), {"password": _l("Wrong password.")}
        )
    principal.totp_enabled = False
    principal.totp_secret_enc = None
    principal.totp_last_step = None
    db.session.execute(
        delete(RecoveryCode).where(
            RecoveryCode.principal == principal_key(principal),
            RecoveryCode.store_id == principal.store_id,
        )
    )
    db.session.flush()
