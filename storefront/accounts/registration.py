"""Registration: a customer here, a sub-customer at the provider.

``name`` is the person's display name (any script, 1-64 characters, not unique). The provider
login name is ``account_name``: optional (the provider generates one when it is absent), with
the provider's rules (``validators.account_name_problem``) and checked with
``check_user_identity``. A mainland China mobile (``+86 1XXXXXXXXXX``) goes upstream only with
the SMS code ``send_verification_code`` sent to it; any other number is kept here only (the
provider takes mainland mobiles only) and needs no code.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from babel import Locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storefront.accounts import validators
from storefront.accounts.common import PASSWORD_MESSAGES, normalise_email
from storefront.accounts.errors import AccountError, TooManyAttempts
from storefront.accounts.limits import throttle
from storefront.accounts.models import ConsentRecord, Customer, CustomerStatus, ProviderLink
from storefront.accounts.passwords import hash_password
from storefront.accounts.terms import current_terms
from storefront.accounts.verification import send_verification
from storefront.clock import utcnow
from storefront.cloud.interface import (
    CloudProvider,
    IdentityKind,
    SubCustomer,
    UpstreamRejected,
    UpstreamUnavailable,
)
from storefront.extensions import cloud_provider, db
from storefront.stores.tenancy import current_store_id
from storefront.transactions import commit_step
from storefront.webhooks import emit, payloads

log = logging.getLogger(__name__)

CODE_RE = re.compile(r"^\d{6}$")  # the provider's codes: 6 digits (create customer, [6])
SCAN_PAGES = 20  # pages of 100 searched for a customer whose account name the provider made up
SCENE_REGISTER = 29

NAME_MESSAGES = {
    "empty": _l("Enter your name."),
    "too_long": _l("Use at most 64 characters."),
    "control": _l("The name contains control characters."),
}
ACCOUNT_NAME_MESSAGES = {
    "length": _l("Use 5-32 characters."),
    "characters": _l("Use letters, digits, _ or -, starting with a letter, _ or -."),
    "reserved": _l("Account names starting with op_ or shadow_ are reserved."),
    "digits": _l("An account name cannot be only digits."),
}
PHONE_FORMAT = _l("Enter the number with its country code, like +8613800138000.")
CODE_NEEDED = _l("Send a verification code to this number and enter it.")
CODE_FORMAT = _l("Enter the 6-digit code from the SMS.")
CODE_WRONG = _l("The verification code is wrong or has expired. Send a new one.")
CODE_NOT_NEEDED = _l(
    "Only Chinese mainland mobile numbers (+86) get a code. Other numbers need none: they are "
    "kept with your account here and not sent to the cloud provider."
)
NAME_TAKEN = _l("This account name is already taken at the cloud provider.")
MOBILE_USED_UP = _l("This mobile number cannot register more accounts at the cloud provider.")

# create_sub_customer's documented error codes (API reference, "create a customer": status
# codes), mapped to the field they are about.
PROVIDER_FIELDS = {
    "CBC.99000031": "account_name",  # account name format
    "CBC.99000038": "account_name",  # account name exists
    "CBC.5017": "phone",  # mobile format
    "CBC.99000029": "phone",  # mobile exists
    "CBC.99000030": "phone",  # mobile registered too many customers
    "CBC.99000051": "phone",  # mobile/email reported by Huawei
    "CBC.99000036": "password",
    "CBC.99004008": "verification_code",  # expired
    "CBC.99004009": "verification_code",  # more than 3 wrong tries
    "CBC.99004010": "verification_code",  # wrong
}
XACCOUNT_EXISTS = "CBC.99000039"
TOO_MANY_CODES = "CBC.99004015"


@dataclass
class Registration:
    email: str
    password: str
    name: str
    country: str
    account_name: str | None = None
    phone: str | None = None
    verification_code: str | None = None
    accept_terms: Any = False
    consent_personal_info: Any = False
    ip: str | None = None
    user_agent: str | None = None
    locale: str | None = None


def _countries() -> set[str]:
    return {
        code
        for code in Locale("en").territories
        if isinstance(code, str) and len(code) == 2 and code.isalpha() and code != "ZZ"
    }


def upstream_mobile(phone: str | None) -> str | None:
    """The number the provider gets (``13XXXXXXXXX``), or None: not a mainland mobile."""
    return validators.provider_mobile(phone) if phone else None


def validate_registration(reg: Registration) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    email = normalise_email(reg.email)
    if not email or len(email) > 254 or "@" not in email.strip("@") or " " in email:
        fields["email"] = _l("Enter a valid email address.")
    name_problem = validators.display_name_problem(validators.display_name(reg.name))
    if name_problem:
        fields["name"] = NAME_MESSAGES[name_problem]
    account_name = (reg.account_name or "").strip()
    account_problem = validators.account_name_problem(account_name) if account_name else None
    if account_problem:
        fields["account_name"] = ACCOUNT_NAME_MESSAGES[account_problem]
    problem = validators.password_problem(reg.password or "", email=email, name=account_name)
    if problem:
        fields["password"] = PASSWORD_MESSAGES[problem]
    if reg.phone and not validators.valid_phone(reg.phone):
        fields["phone"] = PHONE_FORMAT
    elif upstream_mobile(reg.phone):
        code = (reg.verification_code or "").strip()
        if not code:
            fields["verification_code"] = CODE_NEEDED
        elif not CODE_RE.match(code):
            fields["verification_code"] = CODE_FORMAT
    if (reg.country or "").upper() not in _countries():
        fields["country"] = _l("Choose a country or region.")
    return fields


def _create_customer(reg: Registration, email: str, account_name: str | None) -> Customer:
    """The local customer and its consent record, flushed (``email_taken`` if a concurrent
    registration got the address first)."""
    customer = Customer(
        email=email,
        password_hash=hash_password(reg.password),
        name=validators.display_name(reg.name),
        account_name=account_name,
        phone=reg.phone or None,
        country=reg.country.upper(),
        locale=reg.locale,
        status=CustomerStatus.PENDING_EMAIL,
        provider_link=ProviderLink.LINKING,
        provider_xaccount_id=uuid.uuid4().hex,
    )
    db.session.add(customer)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise AccountError(
            "email_taken", _l("An account with this email already exists.")
        ) from None
    db.session.add(
        ConsentRecord(
            customer_id=customer.id,
            terms=current_terms(),
            personal_info_consent=True,
            accepted_at=utcnow(),
            ip=reg.ip,
            user_agent=(reg.user_agent or "")[:255] or None,
        )
    )
    db.session.flush()
    return customer


def register_customer(reg: Registration) -> Customer:
    """Create the customer locally and under the partner at the provider (the caller commits).

    No consent: nothing happens. The provider refusing the account name, mobile or code: no
    account. The provider unreachable: the account stays, ``provider_link`` failed, to be
    retried by ``flask storefront link-customers`` (without the mobile: its code is single-use).
    """
    if reg.accept_terms is not True or reg.consent_personal_info is not True:
        raise AccountError(
            "consent_required",
            _l("Please accept the agreements and the personal information consent."),
        )
    fields = validate_registration(reg)
    if fields:
        raise AccountError("invalid_input", _l("Please correct the marked fields."), fields)
    wait = throttle().registration_wait(current_store_id() or 0, reg.ip)
    if wait is not None:
        raise TooManyAttempts(wait)
    email = normalise_email(reg.email)
    if db.session.scalar(select(Customer.id).where(Customer.email == email)) is not None:
        raise AccountError("email_taken", _l("An account with this email already exists."))

    account_name = (reg.account_name or "").strip() or None
    mobile = upstream_mobile(reg.phone)
    upstream_down = False
    try:
        _check_identity(account_name, mobile)
    except UpstreamUnavailable as exc:
        log.warning("provider identity check unavailable: %s", exc)
        upstream_down = True

    customer = _create_customer(reg, email, account_name)
    # Committed before the provider is asked (the caller commits the rest): a sub-customer the
    # provider creates must find its local row, with its xaccount id, even if this request dies
    # before the answer arrives.
    commit_step("durable first: the customer before the provider creates its sub-customer")

    if upstream_down:
        customer.provider_link = ProviderLink.FAILED
        customer.provider_error = "provider unavailable"
    else:
        code = (reg.verification_code or "").strip() if mobile else None
        try:
            link_customer(customer, verification_code=code, first_attempt=True)
        except UpstreamRejected as exc:
            # the provider refused the account: the committed row goes again, here, as the
            # error that follows commits nothing
            db.session.delete(customer)
            commit_step("kept although an error follows: the committed customer goes again")
            raise _rejection(exc) from exc
    send_verification(customer)
    emit(
        "customer.registered",
        customer.store_id,
        payloads.customer(customer),
        key=f"customer:{customer.id}",
    )
    db.session.flush()
    return customer


def _rejection(exc: UpstreamRejected) -> AccountError:
    field_name = PROVIDER_FIELDS.get(exc.code)
    messages = {
        "account_name": NAME_TAKEN
        if exc.code == "CBC.99000038"
        else ACCOUNT_NAME_MESSAGES["characters"],
        "phone": MOBILE_USED_UP,
        "password": _l("The cloud provider does not accept this password."),
        "verification_code": CODE_WRONG,
    }
    fields = {field_name: messages[field_name]} if field_name else {}
    return AccountError("invalid_input", _l("The cloud provider refused the registration."), fields)


def _check_identity(account_name: str | None, mobile: str | None) -> None:
    provider = cloud_provider()
    field_name = "account_name"
    try:
        # check_user_identity takes names starting with a letter or '-' only; a name starting
        # with '_' is left to create_sub_customer's answer.
        if (
            account_name
            and validators.IDENTITY_NAME_RE.match(account_name)
            and not provider.check_user_identity(
                kind=IdentityKind.NAME, value=account_name
            ).available
        ):
            raise AccountError(
                "invalid_input", _l("Please correct the marked fields."), {field_name: NAME_TAKEN}
            )
        if mobile:
            field_name = "phone"
            _check_mobile(provider, mobile)
    except UpstreamRejected as exc:
        raise AccountError(
            "invalid_input", _l("Please correct the marked fields."), {field_name: str(exc.message)}
        ) from exc


def _check_mobile(provider: CloudProvider, mobile: str) -> None:
    check = provider.check_user_identity(kind=IdentityKind.MOBILE, value=f"0086-{mobile}")
    if not check.available or check.mobile_remaining == 0:
        raise AccountError(
            "invalid_input", _l("Please correct the marked fields."), {"phone": MOBILE_USED_UP}
        )


def send_sms_code(
    send: Callable[[str], None], *, field: str, bad_number: Any, locale: str | None
) -> None:
    """Ask the provider to SMS a verification code (``send(lang)``); its refusals become field
    errors on ``field`` (too many codes to this number, or ``bad_number``'s message)."""
    try:
        send("zh-cn" if (locale or "").lower().startswith("zh") else "en-us")
    except UpstreamRejected as exc:
        if exc.code == TOO_MANY_CODES:
            message = _l("Too many codes were sent to this number. Try again in an hour.")
            raise AccountError("too_many_codes", message, {field: message}) from exc
        raise AccountError("invalid_input", bad_number, {field: str(exc.message)}) from exc
    except UpstreamUnavailable as exc:
        raise AccountError(
            "upstream_unavailable",
            _l("The cloud provider cannot be reached. Try again in a minute."),
        ) from exc


def send_registration_code(phone: str | None, *, locale: str | None = None) -> None:
    """SMS the provider's registration code to a mainland mobile that may still register."""
    phone = (phone or "").strip()
    if not validators.valid_phone(phone):
        raise AccountError("invalid_input", PHONE_FORMAT, {"phone": PHONE_FORMAT})
    mobile = upstream_mobile(phone)
    if mobile is None:
        raise AccountError("code_not_needed", CODE_NOT_NEEDED, {"phone": CODE_NOT_NEEDED})
    provider = cloud_provider()

    def send(lang: str) -> None:
        _check_mobile(provider, mobile)
        provider.send_verification_code(mobile=mobile, lang=lang, scene=SCENE_REGISTER)

    send_sms_code(send, field="phone", bad_number=PHONE_FORMAT, locale=locale)


# --------------------------------------------------------------------------- provider link


def _find_existing(provider: CloudProvider, customer: Customer) -> SubCustomer | None:
    """A sub-customer an earlier attempt created (its answer lost): ours by xaccount_id."""
    if customer.account_name:
        found = provider.list_sub_customers(account_name=customer.account_name, limit=100)
        return next(
            (c for c in found.items if c.xaccount_id == customer.provider_xaccount_id), None
        )
    for page_no in range(SCAN_PAGES):
        page = provider.list_sub_customers(offset=page_no * 100, limit=100)
        mine = next((c for c in page.items if c.xaccount_id == customer.provider_xaccount_id), None)
        if mine is not None or len(page.items) < 100:
            return mine
    return None


def link_customer(
    customer: Customer, *, verification_code: str | None = None, first_attempt: bool = False
) -> ProviderLink:
    """Create the sub-customer at the provider (or find it), then confirm the association.

    The mobile goes upstream only with its ``verification_code`` (at registration). Raises
    :class:`UpstreamRejected` (the caller decides); an outage marks the link failed (the
    caller commits).
    """
    provider = cloud_provider()
    try:
        if not customer.provider_customer_id:
            found = None if first_attempt else _find_existing(provider, customer)
            if found is None:
                mobile = upstream_mobile(customer.phone) if verification_code else None
                created = provider.create_sub_customer(
                    xaccount_id=customer.provider_xaccount_id or uuid.uuid4().hex,
                    account_name=customer.account_name,
                    mobile=mobile,
                    verification_code=verification_code if mobile else None,
                )
                customer.provider_customer_id = created.customer_id
                customer.account_name = created.account_name or customer.account_name
            else:
                customer.provider_customer_id = found.customer_id
                customer.account_name = found.account_name or customer.account_name
            customer.provider_link = ProviderLink.LINKING
            # committed before the next provider call: the provider's id for this customer
            # must not be lost if that call (or this process) fails
            commit_step("durable first: the provider's id for the customer before the next call")
        page = provider.list_sub_customers(customer_id=customer.provider_customer_id)
        if page.items:
            customer.provider_link = ProviderLink.LINKED
            customer.provider_error = None
            customer.account_name = page.items[0].account_name or customer.account_name
    except UpstreamUnavailable as exc:
        customer.provider_link = ProviderLink.FAILED
        customer.provider_error = str(exc)[:255]
        log.warning("linking customer %s failed: %s", customer.id, exc)
    except UpstreamRejected as exc:
        if exc.code != XACCOUNT_EXISTS or first_attempt:
            raise
        # Created by an attempt whose answer was lost, still associating: found later.
        customer.provider_link = ProviderLink.LINKING
        customer.provider_error = f"{exc.code}: {exc.message}"[:255]
    db.session.flush()
    return customer.provider_link


def reconcile_links() -> dict[str, int]:
    """Retry or confirm every customer whose provider link is not made yet."""
    counts = {"linked": 0, "linking": 0, "failed": 0, "rejected": 0}
    pending = db.session.scalars(
        select(Customer).where(
            Customer.provider_link.in_([ProviderLink.LINKING, ProviderLink.FAILED])
        )
    ).all()
    for customer in pending:
        try:
            state = link_customer(customer)
        except UpstreamRejected as exc:
            customer.provider_link = ProviderLink.FAILED
            customer.provider_error = f"{exc.code}: {exc.message}"[:255]
            counts["rejected"] += 1
        else:
            counts[str(state)] = counts.get(str(state), 0) + 1
        # each customer's outcome is kept before the next one's provider calls, as
        # link_customer's own commit does: a batch that stops half-way keeps what it learned
        commit_step("per item: each customer's outcome before the next one's provider calls")
    return counts
