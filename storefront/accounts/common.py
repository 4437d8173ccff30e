"""What every part of the account rules shares: the principal type and its key, email
normalisation, the password rules' messages, finding a principal by email."""

from __future__ import annotations

import hashlib
from typing import cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront.accounts.models import Customer, CustomerStatus, Staff
from storefront.extensions import db

Principal = Customer | Staff


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def principal_key(principal: Principal) -> str:
    return principal.get_id()


PASSWORD_MESSAGES = {
    "too_short": _l("Use at least 10 characters."),
    "too_long": _l("Use at most 64 characters."),
    "letters_and_digits": _l("Use both letters and digits."),
    "same_as_name": _l("The password must not be your account name."),
    "same_as_email": _l("The password must not be your email address."),
}


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_principal(kind: type[Principal], email: str) -> Principal | None:
    principal = db.session.scalar(select(kind).where(kind.email == normalise_email(email)))
    return cast("Principal | None", principal)


def usable(principal: Principal) -> bool:
    if isinstance(principal, Staff):
        return bool(principal.is_active)
    return principal.status != CustomerStatus.CLOSED
