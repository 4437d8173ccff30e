"""Real-name verification: individual and enterprise submissions, and the review result.

As documented (partner API mc_00017 and the SDK's model docs): an individual uses
``identify_type`` 0 (identity document: ``verified_type`` 3 passport, 5 Hong Kong/Macao travel
permit, 6 Taiwan travel permit, 9 Hong Kong/Macao residence permit, 10 Taiwan residence permit,
each with three attachments in order) or 4 (bank card: ``bank_card_info`` with
``bank_account``, ``areacode`` 0086, ``mobile`` and the ``verification_code`` sent to it for
scene 18; at most one attachment, a face photo). Any other value or a missing field is
``CBC.0100``. Every ``verified_file_url`` must name an object under ``download/`` in the
partner's OBS bucket that has the "real-name attachment upload" switch on (``CBC.99005030``
otherwise), a jpg/jpeg/bmp/png/gif/pdf (``CBC.99000100``) of at most 10 MB (``CBC.99000099``).
Already verified or in review: ``CBC.99007188``; a bank card whose holder does not match:
``CBC.99007255``.

A verified individual may switch to enterprise (``PUT …/enterprise``, change type 1); it
stays verified as an individual while that is reviewed and if it is rejected.
The simulated review finishes ``realname_review_delay_s`` after submission (default at once):
a valid check character passes; a name containing "拒绝" or "reject" is rejected with an
opinion, as is a number whose check character is wrong.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.cloud.sandbox.models import Account, RealnameCase, utcnow
from storefront.cloud.sandbox.obs_models import ObsObject
from storefront.cloud.sandbox.routes.obs import find_attachment
from storefront.cloud.sandbox.routes.verification import SCENE_BANK_CARD, check_code, use_code
from storefront.cloud.sandbox.state import caller_id, is_partner, sandbox_state
from storefront.cloud.sandbox.wire import ApiError, bad_request, body, field, respond

bp = Blueprint("sandbox_realname", __name__)
control_bp = Blueprint("sandbox_realname_control", __name__, url_prefix="/_sandbox")

_USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"
DOCUMENT_TYPES = (3, 5, 6, 9, 10)  # verified_type with identify_type 0
CERTIFICATE_TYPES = (0, 1, 2, 3, 4, 99)
FILE_TYPES = ("jpg", "jpeg", "bmp", "png", "gif", "pdf")
MAX_FILE_BYTES = 10 * 1024 * 1024
_BANK_ACCOUNT = re.compile(r"^[0-9a-zA-Z][0-9a-zA-Z-]*$")
_MOBILE = re.compile(r"^1\d{10}$")
_DOCUMENT_NUMBER = re.compile(r"^[0-9A-Za-z()-]{5,32}$")
REJECT_MARKERS = ("拒绝", "reject")


def _id_ok(number: str) -> bool:
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(number[:17]))
    return "10X98765432"[total % 11] == number[17].upper()


def _uscc_ok(code: str) -> bool:
    code = code.upper()
    if len(code) != 18 or any(c not in _USCC for c in code):
        return False
    total = sum(_USCC.index(c) * pow(3, i, 31) for i, c in enumerate(code[:17]))
    return _USCC[(31 - total % 31) % 31] == code[17]


def _customer(s: Session, customer_id: str) -> Account:
    partner = s.get(Account, caller_id())
    if partner is None or not is_partner(partner):
        raise ApiError(403, "CBC.0151", "Access denied.")
    customer = s.get(Account, customer_id)
    if customer is None or customer.kind != "customer" or customer.parent_id != partner.domain_id:
        raise bad_request("The customer does not exist or is not yours.", "CBC.99010014")
    return customer


def _latest(s: Session, customer_id: str) -> RealnameCase | None:
    return s.scalar(
        select(RealnameCase)
        .where(RealnameCase.customer_id == customer_id)
        .order_by(RealnameCase.id.desc())
        .limit(1)
    )


def _file_names(data: dict[str, Any]) -> list[str]:
    files = data.get("verified_file_url") or []
    if not isinstance(files, list) or not all(isinstance(f, str) and f for f in files):
        raise bad_request("verified_file_url must be a list of file names.")
    if len(files) > 4:
        raise bad_request("verified_file_url takes at most 4 files.")
    return list(files)


def _check_files(s: Session, partner_id: str, files: list[str]) -> None:
    """Each file is an object under ``download/`` in the partner's real-name bucket."""
    for name in files:
        found: ObsObject | None = find_attachment(s, partner_id, name)
        if found is None:
            raise bad_request(
                f"The partner has not enabled real-name attachment upload, or {name} is not in "
                "its bucket's download folder.",
                "CBC.99005030",
            )
        if name.rsplit(".", 1)[-1].lower() not in FILE_TYPES:
            raise bad_request("The attachment's file format is not supported.", "CBC.99000100")
        if len(found.content) > MAX_FILE_BYTES:
            raise bad_request("The attachment is larger than 10 MB.", "CBC.99000099")


def _submit(
    kind: str, name: str, number: str, legal_person: str | None, code_id: int | None = None
) -> Response:
    """A first submission, or (kind ``change``) a verified individual's switch to enterprise."""
    data = body()
    customer_id = field(data, "customer_id", str, required=True)
    files = _file_names(data)
    with sandbox_state().db.session() as s:
        customer = _customer(s, customer_id)
        if kind == "change":
            if customer.verified_status != 2 or customer.customer_type == 1:
                raise bad_request(
                    "Only a verified individual can change to enterprise.", "CBC.99010015"
                )
        elif customer.verified_status == 2:
            raise bad_request("The customer is already verified or in review.", "CBC.99007188")
        latest = _latest(s, customer_id)
        if latest is not None and latest.result == 0:
            raise bad_request("The customer is already verified or in review.", "CBC.99007188")
        _check_files(s, caller_id(), files)
        if code_id is not None:
            use_code(s, code_id)
        s.add(
            RealnameCase(
                customer_id=customer_id,
                kind=kind,
                name=name,
                number=number,
                legal_person=legal_person,
                files=",".join(files)[:2000] or None,
                submitted_at=utcnow(),
            )
        )
        if kind != "change":  # a change keeps the individual verification until it passes
            customer.verified_status = 0
    return respond({"is_review": 0})


def _bank_card(data: dict[str, Any], number: str) -> int:
    """Check ``bank_card_info`` and its SMS code; the code's id, used once the call succeeds."""
    card = data.get("bank_card_info")
    if not isinstance(card, dict):
        raise bad_request("bank_card_info is required when identify_type is 4.")
    account = field(card, "bank_account", str, required=True)
    areacode = field(card, "areacode", str, required=True)
    mobile = field(card, "mobile", str, required=True)
    code = field(card, "verification_code", str, required=True)
    if not _BANK_ACCOUNT.match(account) or len(account) > 32:
        raise bad_request("bank_account must be letters and digits, may contain -.")
    if areacode != "0086" or not _MOBILE.match(mobile):
        raise bad_request("Only Chinese mainland mobiles (areacode 0086) are supported.")
    code_id = check_code(mobile=mobile, code=code, scene=SCENE_BANK_CARD)
    if not _id_ok(number):  # the bank's four-element check: holder, id, card, mobile
        raise bad_request(
            "The cardholder's identity or mobile number is incorrect.", "CBC.99007255"
        )
    return code_id


@bp.post("/v2/customers/realname-auths/individual")
def individual() -> Response:
    data = body()
    identify_type = field(data, "identify_type", int, required=True)
    name = field(data, "name", str, required=True)
    number = field(data, "verified_number", str, required=True)
    files = _file_names(data)
    code_id = None
    if identify_type == 0:
        if field(data, "verified_type", int, required=True) not in DOCUMENT_TYPES:
            raise bad_request("verified_type must be 3, 5, 6, 9 or 10 when identify_type is 0.")
        if len(files) != 3:
            raise bad_request("This document type needs its three attachments, in order.")
    elif identify_type == 4:
        if len(files) > 1:
            raise bad_request("The bank-card route takes one face photo at most.")
        code_id = _bank_card(data, number)
    else:
        raise bad_request("identify_type must be 0 (identity document) or 4 (bank card).")
    kind = "individual" if identify_type == 4 else "individual-doc"
    return _submit(kind, name, number, None, code_id)


def _enterprise_fields(data: dict[str, Any]) -> tuple[str, str, str | None]:
    if field(data, "identify_type", int, required=True) != 1:
        raise bad_request("identify_type must be 1.")
    certificate = field(data, "certificate_type", int)
    if certificate is not None and certificate not in CERTIFICATE_TYPES:
        raise bad_request("certificate_type must be 0, 1, 2, 3, 4 or 99.")
    name = field(data, "corp_name", str, required=True)
    number = field(data, "verified_number", str, required=True)
    person = data.get("enterprise_person") or {}
    legal = person.get("legel_name") if isinstance(person, dict) else None
    return name, number, legal


@bp.post("/v2/customers/realname-auths/enterprise")
def enterprise() -> Response:
    return _submit("enterprise", *_enterprise_fields(body()))


@bp.put("/v2/customers/realname-auths/enterprise")
def enterprise_change() -> Response:
    """``change_enterprise_realname_authentication``: change type 1, individual to enterprise."""
    data = body()
    if field(data, "change_type", int, required=True) != 1:
        raise bad_request("change_type must be 1.")
    return _submit("change", *_enterprise_fields(data))


def _review(s: Session, case: RealnameCase, delay_s: float) -> None:
    if case.result != 0 or case.submitted_at > utcnow() - timedelta(seconds=delay_s):
        return
    lowered = f"{case.name} {case.legal_person or ''}".lower()
    valid = {
        "individual": _id_ok,
        "individual-doc": lambda n: bool(_DOCUMENT_NUMBER.match(n)),
    }.get(case.kind, _uscc_ok)(case.number)
    if any(marker in lowered for marker in REJECT_MARKERS):
        case.result, case.opinion = 1, "The name does not match the certificate."
    elif not valid:
        case.result, case.opinion = 1, "The certificate number is invalid."
    else:
        case.result = 2
    customer = s.get(Account, case.customer_id)
    if customer is not None and not (case.kind == "change" and case.result != 2):
        customer.verified_status = case.result
        if case.result == 2:
            customer.realname = case.name
            customer.customer_type = 0 if case.kind.startswith("individual") else 1


@bp.get("/v2/customers/realname-auths/result")
def result() -> Response:
    customer_id = request.args.get("customer_id") or ""
    if not customer_id:
        raise bad_request("customer_id is required.")
    state = sandbox_state()
    with state.db.session() as s:
        _customer(s, customer_id)
        case = _latest(s, customer_id)
        if case is None:
            return respond({})
        _review(s, case, state.realname_review_delay_s)
        payload: dict[str, object] = {"review_result": case.result}
        if case.result == 1:
            payload["opinion"] = case.opinion
    return respond(payload)


@control_bp.post("/realname")
def set_review_delay() -> Response:
    """Control: ``{"review_delay_s": 5}`` makes reviews take that long."""
    data = body()
    try:
        sandbox_state().realname_review_delay_s = float(data.get("review_delay_s", 0))
    except (TypeError, ValueError):
        raise bad_request("review_delay_s must be a number.") from None
    return respond({"review_delay_s": sandbox_state().realname_review_delay_s})
