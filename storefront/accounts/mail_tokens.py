"""The signed, expiring tokens in account mails' links (email verification, password reset):
made when the mail is written, checked when the link is opened, never stored."""

from __future__ import annotations

from flask import current_app
from itsdangerous import URLSafeTimedSerializer

from storefront.accounts.common import sha256_hex
from storefront.accounts.models import Customer

VERIFY_SALT = "accounts.verify-email"
RESET_SALT = "accounts.reset-password"
VERIFY_MAX_AGE = 3 * 24 * 3600
RESET_MAX_AGE = 3600


def serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=salt)


def verification_token(customer: Customer) -> str:
    return str(serializer(VERIFY_SALT).dumps({"c": customer.id, "e": customer.email}))


def reset_fingerprint(customer: Customer) -> str:
    return sha256_hex(customer.password_hash)[:16]


def reset_token(customer: Customer) -> str:
    data = {"c": customer.id, "h": reset_fingerprint(customer)}
    return str(serializer(RESET_SALT).dumps(data))
