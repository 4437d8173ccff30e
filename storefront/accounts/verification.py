"""The email address: the confirmation mail and link, changing the address, and whether the
customer may buy (a confirmed address among the conditions)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired
from sqlalchemy import select

from storefront.accounts import mails
from storefront.accounts.common import normalise_email
from storefront.accounts.errors import AccountError
from storefront.accounts.limits import throttle
from storefront.accounts.mail_tokens import VERIFY_MAX_AGE, VERIFY_SALT, serializer
from storefront.accounts.models import Customer, CustomerStatus, RealnameStatus
from storefront.accounts.passwords import verify_password
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.stores.freeze import freeze_state


def send_verification(customer: Customer) -> None:
    """Queue the confirmation mail (sent by the worker after commit; see ``accounts.mails``),
    at most ``STOREFRONT_ACCOUNT_MAIL_LIMIT`` per account."""
    store_id = customer.store_id
    if throttle().mail_allowed("verify", store_id, f"customer:{customer.id}"):
        mails.queue("verify", store_id, customer=customer.id, email=customer.email)


def verify_email(token: str) -> Customer:
    try:
        data = serializer(VERIFY_SALT).loads(token or "", max_age=VERIFY_MAX_AGE)
    except (BadSignature, SignatureExpired):
        raise AccountError("invalid_token", _l("This link is invalid or has expired.")) from None
    customer = db.session.get(Customer, int(data.get("c", 0))) if isinstance(data, dict) else None
    if customer is None or customer.email != data.get("e"):
        raise AccountError("invalid_token", _l("This link is invalid or has expired."))
    if customer.status == CustomerStatus.PENDING_EMAIL:
        customer.status = CustomerStatus.ACTIVE
    if customer.email_verified_at is None:
        customer.email_verified_at = utcnow()
    db.session.flush()
    return customer


def can_buy(customer: Customer) -> bool:
    """Verified email, not frozen or closed, real-name verified, and the store not frozen."""
    return (
        customer.status == CustomerStatus.ACTIVE
        and customer.realname_status == RealnameStatus.VERIFIED
        and freeze_state(customer.store_id) is None
    )


def change_email(customer: Customer, new_email: str, password: str) -> None:
    if not verify_password(customer.password_hash, password):
        raise AccountError(
            "invalid_credentials", _l("The password is wrong."), {"password": _l("Wrong password.")}
        )
    email = normalise_email(new_email)
    if not email or "@" not in email.strip("@"):
        raise AccountError(
            "invalid_input", _l("Enter a valid email address."), {"email": _l("Invalid email.")}
        )
    if email == customer.email:
        return
    if db.session.scalar(select(Customer.id).where(Customer.email == email)) is not None:
        raise AccountError("email_taken", _l("An account with this email already exists."))
    customer.email = email
    customer.email_verified_at = None
    if customer.status == CustomerStatus.ACTIVE:
        customer.status = CustomerStatus.PENDING_EMAIL
    send_verification(customer)
    db.session.flush()
