"""Real-name verification: individual and enterprise submissions, and the review result.

A verified individual may switch to enterprise (``PUT …/enterprise``, change type 1); it
stays verified as an individual while that is reviewed and if it is rejected.
The simulated review finishes ``realname_review_delay_s`` after submission (default at once):
a valid check character passes; a name containing "拒绝" or "reject" is rejected with an
opinion, as is a number whose check character is wrong.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.cloud.sandbox.models import Account, RealnameCase, utcnow
from storefront.cloud.sandbox.state import caller_id, is_partner, sandbox_state
from storefront.cloud.sandbox.wire import ApiError, bad_request, body, field, respond

bp = Blueprint("sandbox_realname", __name__)
control_bp = Blueprint("sandbox_realname_control", __name__, url_prefix="/_sandbox")

_USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"
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


def _submit(kind: str, name: str, number: str, legal_person: str | None) -> Response:
    """A first submission, or (kind ``change``) a verified individual's switch to enterprise."""
    data = body()
    customer_id = field(data, "customer_id", str, required=True)
    files = data.get("verified_file_url") or []
    with sandbox_state().db.session() as s:
        customer = _customer(s, customer_id)
        if kind == "change":
            if customer.verified_status != 2 or customer.customer_type == 1:
                raise bad_request(
                    "Only a verified individual can change to enterprise.", "CBC.99010015"
                )
        elif customer.verified_status == 2:
            raise bad_request("The customer has already been verified.", "CBC.99010006")
        latest = _latest(s, customer_id)
        if latest is not None and latest.result == 0:
            raise bad_request("A real-name review is already in progress.", "CBC.99010007")
        s.add(
            RealnameCase(
                customer_id=customer_id,
                kind=kind,
                name=name,
                number=number,
                legal_person=legal_person,
                files=",".join(str(f) for f in files)[:2000] or None,
                submitted_at=utcnow(),
            )
        )
        if kind != "change":  # a change keeps the individual verification until it passes
            customer.verified_status = 0
    return respond({"is_review": 0})


@bp.post("/v2/customers/realname-auths/individual")
def individual() -> Response:
    data = body()
    if field(data, "identify_type", int, required=True) not in (0, 4):
        raise bad_request("identify_type must be 0 or 4.")
    name = field(data, "name", str, required=True)
    number = field(data, "verified_number", str, required=True)
    return _submit("individual", name, number, None)


@bp.post("/v2/customers/realname-auths/enterprise")
def enterprise() -> Response:
    data = body()
    if field(data, "identify_type", int, required=True) != 1:
        raise bad_request("identify_type must be 1.")
    name = field(data, "corp_name", str, required=True)
    number = field(data, "verified_number", str, required=True)
    person = data.get("enterprise_person") or {}
    legal = person.get("legel_name") if isinstance(person, dict) else None
    return _submit("enterprise", name, number, legal)


@bp.put("/v2/customers/realname-auths/enterprise")
def enterprise_change() -> Response:
    """``change_enterprise_realname_authentication``: change type 1, individual to enterprise."""
    data = body()
    if field(data, "change_type", int, required=True) != 1:
        raise bad_request("change_type must be 1.")
    if field(data, "identify_type", int, required=True) != 1:
        raise bad_request("identify_type must be 1.")
    name = field(data, "corp_name", str, required=True)
    number = field(data, "verified_number", str, required=True)
    person = data.get("enterprise_person") or {}
    legal = person.get("legel_name") if isinstance(person, dict) else None
    return _submit("change", name, number, legal)


def _review(s: Session, case: RealnameCase, delay_s: float) -> None:
    if case.result != 0 or case.submitted_at > utcnow() - timedelta(seconds=delay_s):
        return
    lowered = f"{case.name} {case.legal_person or ''}".lower()
    valid = _id_ok(case.number) if case.kind == "individual" else _uscc_ok(case.number)
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
            customer.customer_type = 0 if case.kind == "individual" else 1


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
