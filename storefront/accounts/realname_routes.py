"""The real-name routes the provider documents for an individual (``../shared/PROVIDER.md``,
"Real-name verification"; partner API mc_00017 and the BSS SDK's model docs).

- A mainland resident id goes the bank-card route (``identify_type`` 4): the name, the id
  number, a bank card, the mobile the bank has on file and the SMS code the provider sent to that
  mobile for scene 18 (:func:`send_realname_code`).
- Any other document (passport, Hong Kong/Macao or Taiwan permits and residence permits) goes the
  identity-document route (``identify_type`` 0) with its three images, in the documented order.

Attachments go to the partner's OBS bucket (``download/realname/<customer>/<file>``) and also
stay in the local encrypted store.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import request
from flask_babel import lazy_gettext as _l

from storefront.accounts import validators
from storefront.accounts.documents import store_document
from storefront.accounts.errors import AccountError
from storefront.accounts.models import Customer
from storefront.accounts.registration import send_sms_code
from storefront.cloud.interface import (
    BankCard,
    CloudConfigError,
    CloudProvider,
    IdentityDocument,
    UpstreamRejected,
    UpstreamUnavailable,
)
from storefront.extensions import cloud_provider
from storefront.ratelimit import remote_address

if TYPE_CHECKING:  # the input type only; realname imports this module
    from storefront.accounts.realname import RealnameInput

log = logging.getLogger(__name__)

RESIDENT_ID = "resident_id"
SCENE_BANK_CARD = 18  # send_verification_code's scene for bank-card real-name
DOCUMENTS: dict[str, IdentityDocument] = {
    "passport": IdentityDocument.PASSPORT,
    "hk_macao_permit": IdentityDocument.HK_MACAO_PERMIT,
    "taiwan_permit": IdentityDocument.TAIWAN_PERMIT,
    "hk_macao_residence": IdentityDocument.HK_MACAO_RESIDENCE,
    "taiwan_residence": IdentityDocument.TAIWAN_RESIDENCE,
}
DOCUMENT_LABELS = {
    RESIDENT_ID: _l("Mainland China resident ID card (bank card verification)"),
    "passport": _l("Passport"),
    "hk_macao_permit": _l("Mainland travel permit for Hong Kong and Macao residents"),
    "taiwan_permit": _l("Mainland travel permit for Taiwan residents"),
    "hk_macao_residence": _l("Residence permit for Hong Kong and Macao residents"),
    "taiwan_residence": _l("Residence permit for Taiwan residents"),
}
IMAGES_NEEDED = 3
_BANK_ACCOUNT = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{7,31}$")
_DOCUMENT_NUMBER = re.compile(r"^[0-9A-Za-z()-]{5,32}$")
_CODE = re.compile(r"^\d{6}$")

CODE_WRONG = _l("The verification code is wrong or has expired. Send a new one.")
MOBILE_FORMAT = _l("Enter a Chinese mainland mobile number, like 13800138000.")
# create_personal_realname_auth's documented error codes, mapped to the field they are about.
PROVIDER_FIELDS: dict[str, tuple[str, Any]] = {
    "CBC.99000027": ("verification_code", CODE_WRONG),
    "CBC.99004008": ("verification_code", CODE_WRONG),
    "CBC.99004009": ("verification_code", CODE_WRONG),
    "CBC.99004010": ("verification_code", CODE_WRONG),
    "CBC.99007255": (
        "bank_account",
        _l("The bank says the card holder's name, ID number or mobile number does not match."),
    ),
    "CBC.99007258": ("bank_account", _l("This bank card is frozen or expired.")),
    "CBC.99007261": ("bank_account", _l("This bank card is not supported. Try another one.")),
    "CBC.99000099": ("documents", _l("A file is too large for the cloud provider.")),
    "CBC.99000100": ("documents", _l("The cloud provider does not accept this file format.")),
}


@dataclass(frozen=True, slots=True)
class IndividualRoute:
    """Exactly one of the two: the bank-card route or an identity document."""

    bank_card: BankCard | None = None
    document: IdentityDocument | None = None


def mainland_mobile(raw: str | None) -> str | None:
    """``13800138000`` from what a person types (spaces, dashes, +86 / 0086 allowed)."""
    digits = re.sub(r"[\s-]", "", raw or "")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return digits if re.fullmatch(r"1\d{10}", digits) else None


def _invalid(fields: dict[str, Any]) -> AccountError:
    return AccountError("invalid_input", _l("Please correct the marked fields."), fields)


def validate_individual(data: RealnameInput) -> tuple[str, str, IndividualRoute]:
    """(name, normalised number, route) or an ``AccountError`` naming every missing field."""
    name = (data.name or "").strip()
    number = (data.id_number or "").strip().upper()
    kind = (data.document_type or RESIDENT_ID).strip()
    fields: dict[str, Any] = {}
    if not name or len(name) > 60:
        fields["name"] = _l("Enter your name.")
    if kind == RESIDENT_ID:
        account = re.sub(r"\s", "", data.bank_account or "")
        mobile = mainland_mobile(data.mobile)
        code = (data.verification_code or "").strip()
        if not _BANK_ACCOUNT.match(account):
            fields["bank_account"] = _l("Enter the bank card number (8-32 letters or digits).")
        if mobile is None:
            fields["mobile"] = MOBILE_FORMAT
        if not _CODE.match(code):
            fields["verification_code"] = _l("Enter the 6-digit code from the SMS.")
        if fields:
            raise _invalid(fields)
        if not validators.valid_id_number(number):
            message = _l("This is not a valid resident id number.")
            raise AccountError("invalid_id_number", message, {"id_number": message})
        card = BankCard(account=account, mobile=mobile or "", verification_code=code)
        return name, number, IndividualRoute(bank_card=card)
    if kind not in DOCUMENTS:
        fields["document_type"] = _l("Choose a document type.")
    elif not _DOCUMENT_NUMBER.match(number):
        fields["id_number"] = _l("Enter the document number.")
    if kind in DOCUMENTS and len(data.documents) != IMAGES_NEEDED:
        fields["documents"] = _l("Upload the three images of this document, in the order shown.")
    if fields:
        raise _invalid(fields)
    return name, number, IndividualRoute(document=DOCUMENTS[kind])


def upload_documents(
    provider: CloudProvider, customer: Customer, stored: Sequence[str], data: Sequence[bytes]
) -> list[str]:
    """Put each document in the partner's bucket under the name it has in the local store;
    returns the ``verified_file_url`` names, in order."""
    folder = f"realname/{customer.provider_customer_id}"
    return [
        provider.upload_realname_attachment(f"{folder}/{name}", content)
        for name, content in zip(stored, data, strict=True)
    ]


def refused(exc: UpstreamRejected) -> AccountError:
    """The provider's refusal as an ``AccountError``, on the field it is about when known."""
    if exc.code in PROVIDER_FIELDS:
        field_name, message = PROVIDER_FIELDS[exc.code]
        return AccountError("invalid_input", message, {field_name: message})
    return AccountError("realname_refused", exc.message)


def send_realname_code(customer: Customer, raw_mobile: str | None, *, locale: str) -> str:
    """SMS the provider's bank-card real-name code (scene 18) to a mainland mobile."""
    mobile = mainland_mobile(raw_mobile)
    if mobile is None:
        raise AccountError("invalid_input", MOBILE_FORMAT, {"mobile": MOBILE_FORMAT})
    if not customer.provider_customer_id:
        raise AccountError(
            "provider_not_linked",
            _l("Your account is not linked to the cloud provider yet. Try again later."),
        )
    customer_id = customer.provider_customer_id

    def send(lang: str) -> None:
        cloud_provider().send_verification_code(
            mobile=mobile, lang=lang, scene=SCENE_BANK_CARD, customer_id=customer_id
        )

    send_sms_code(send, field="mobile", bad_number=MOBILE_FORMAT, locale=locale)
    return mobile


def ip_and_mobile() -> str:
    """Rate-limit key: the caller's address plus the mobile it wants a code for."""
    if request.is_json:
        payload = request.get_json(silent=True)
        raw = payload.get("mobile") if isinstance(payload, dict) else None
    else:
        raw = request.form.get("mobile")
    return f"{remote_address()}|{mainland_mobile(str(raw or '')) or ''}"


def submit_to_provider(
    customer: Customer,
    data: RealnameInput,
    subject: str,
    number: str,
    legal: str | None,
    *,
    change: bool,
) -> list[str]:
    """Store the documents locally (encrypted) and in the partner's bucket, then submit the
    route's call; returns the local document names. Raises ``AccountError``."""
    route = validate_individual(data)[2] if data.kind == "individual" else None
    files = [] if route is not None and route.bank_card is not None else data.documents
    documents = [store_document(d) for d in files]
    provider = cloud_provider()
    customer_id = customer.provider_customer_id or ""
    try:
        file_urls = upload_documents(provider, customer, documents, files)
        if route is not None:
            provider.submit_individual_realname(
                customer_id=customer_id,
                name=subject,
                id_number=number,
                bank_card=route.bank_card,
                document=route.document,
                file_urls=file_urls,
            )
        else:
            submit = (
                provider.change_to_enterprise_realname
                if change
                else provider.submit_enterprise_realname
            )
            submit(
                customer_id=customer_id,
                company_name=subject,
                credit_code=number,
                legal_person=legal or "",
                file_urls=file_urls,
            )
    except UpstreamRejected as exc:
        log.info("real-name for customer %s refused upstream: %s", customer.id, exc.code)
        raise refused(exc) from exc
    except (UpstreamUnavailable, CloudConfigError) as exc:
        log.warning("real-name for customer %s not sent: %s", customer.id, exc)
        raise AccountError(
            "upstream_unavailable", _l("The cloud provider is unavailable. Try again later.")
        ) from exc
    return documents
