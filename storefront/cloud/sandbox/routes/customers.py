"""Partner customer management: check identity, create and list sub-customers."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.cloud.sandbox.models import Account, utcnow
from storefront.cloud.sandbox.routes.verification import SCENE_REGISTER, check_code, use_code
from storefront.cloud.sandbox.state import caller_id, is_partner, sandbox_state
from storefront.cloud.sandbox.wire import ApiError, bad_request, body, field, respond

bp = Blueprint("sandbox_customers", __name__)

MOBILE_LIMIT = 5  # customers one mobile number may register
_NAME_CHECK = re.compile(r"^([a-zA-Z-]([a-zA-Z0-9_-]){4,31})$")
_NAME_CREATE = re.compile(r"^([a-zA-Z_-]([a-zA-Z0-9_-])*)$")
_MOBILE_CHECK = re.compile(r"^(\d{4})-(\d+)$")
_MOBILE_CREATE = re.compile(r"^1\d{10}$")


def _partner(s: Session) -> Account:
    account = s.get(Account, caller_id())
    if account is None or not is_partner(account):
        raise ApiError(403, "CBC.0151", "Access denied.")
    return account


def _reserved(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith(("op_", "shadow_")) or name.isdigit()


def _mobile_count(s: Session, mobile: str) -> int:
    return s.scalar(select(func.count()).where(Account.mobile == mobile)) or 0


@bp.post("/v2/partners/sub-customers/users/check-identity")
def check_user_identity() -> Response:
    data = body()
    kind = field(data, "search_type", str, required=True)
    value = field(data, "search_value", str, required=True)
    if len(value) > 64:
        raise bad_request("search_value is longer than 64 characters.")
    result: dict[str, Any] = {"error_code": "CBC.0000", "error_msg": "success"}
    with sandbox_state().db.session() as s:
        _partner(s)
        if kind == "name":
            if not _NAME_CHECK.match(value) or _reserved(value):
                raise bad_request("search_value is not a valid account name.")
            used = s.scalar(select(Account).where(Account.name_key == value.lower())) is not None
        elif kind == "email":
            if "@" not in value.strip("@"):
                raise bad_request("search_value is not a valid email address.")
            used = (
                s.scalar(select(Account).where(func.lower(Account.email) == value.lower()))
                is not None
            )
        elif kind == "mobile":
            match = _MOBILE_CHECK.match(value)
            if not match or match.group(1) != "0086":
                raise bad_request("search_value must be a mobile number like 0086-13XXXXXXXXX.")
            remaining = max(MOBILE_LIMIT - _mobile_count(s, match.group(2)), 0)
            used = remaining == 0
            result["mobile_remain_available_num"] = remaining
        else:
            raise bad_request("search_type must be one of email, mobile, name.")
    result["check_result"] = "used_by_user" if used else "available"
    return respond(result)


def generated_name() -> str:
    """What the provider makes up when ``domain_name`` is absent: a random 32-character string
    (API reference example ``a0d736359ada40aab6502d1a828c1809``) that is a valid account name."""
    return secrets.choice("abcdef") + secrets.token_hex(16)[1:]


def _check_password(password: str, name: str, mobile: str | None) -> None:
    classes = sum(
        bool(re.search(p, password)) for p in (r"[A-Z]", r"[a-z]", r"\d", r"[^A-Za-z0-9]")
    )
    if (
        not 8 <= len(password) <= 32
        or classes < 2
        or password.lower() in (name.lower(), name.lower()[::-1])
        or (mobile and mobile in password)
    ):
        raise bad_request("The customer password is invalid.", "CBC.99000036")


@bp.post("/v2/partners/sub-customers")
def create_sub_customer() -> Response:
    data = body()
    name = field(data, "domain_name", str) or generated_name()
    mobile = field(data, "mobile_phone", str)
    verification_code = field(data, "verification_code", str)
    password = field(data, "password", str)
    xaccount_id = field(data, "xaccount_id", str, required=True)
    xaccount_type = field(data, "xaccount_type", str, required=True)
    indirect_partner_id = field(data, "indirect_partner_id", str)
    immediately = field(data, "include_association_result", bool) or False
    if not 5 <= len(name) <= 32 or not _NAME_CREATE.match(name) or _reserved(name):
        raise bad_request("The customer account name is invalid.", "CBC.99000031")
    if mobile is not None and not _MOBILE_CREATE.match(mobile):
        raise bad_request("The customer mobile number is invalid.", "CBC.5017")
    if password is not None:
        _check_password(password, name, mobile)
    # A mobile needs the code that send_verification_code sent it (registration scene).
    code_id = (
        check_code(mobile=mobile, code=verification_code, scene=SCENE_REGISTER) if mobile else 0
    )
    with sandbox_state().db.session() as s:
        partner = _partner(s)
        if xaccount_type != partner.xaccount_type:
            raise bad_request("xaccount_type is not the one assigned to this partner.")
        owner = partner
        if indirect_partner_id:
            reseller = s.get(Account, indirect_partner_id)
            if (
                reseller is None
                or reseller.kind != "reseller"
                or (reseller.parent_id != partner.domain_id)
            ):
                raise bad_request("You have no permission on this reseller.", "CBC.99000037")
            owner = reseller
        elif partner.kind == "distributor":
            raise bad_request("A tier-1 distributor may not associate customers.", "CBC.50010059")
        if s.scalar(select(Account).where(Account.name_key == name.lower())) is not None:
            raise bad_request("The customer account name already exists.", "CBC.99000038")
        if mobile is not None and _mobile_count(s, mobile) >= MOBILE_LIMIT:
            raise bad_request(
                "This mobile number has registered too many customers.", "CBC.99000030"
            )
        duplicate = select(Account).where(
            Account.xaccount_type == xaccount_type, Account.xaccount_id == xaccount_id
        )
        if s.scalar(duplicate) is not None:
            raise bad_request("The xaccountId already exists.", "CBC.99000039")
        now = utcnow()
        customer = Account(
            domain_id=secrets.token_hex(16),
            name=name,
            name_key=name.lower(),
            kind="customer",
            mobile=mobile,
            country_code="0086" if mobile else None,
            parent_id=owner.domain_id,
            association="associated" if immediately else "associating",
            associated_at=now if immediately else None,
            association_type="2",
            xaccount_id=xaccount_id,
            xaccount_type=xaccount_type,
            created_at=now,
        )
        s.add(customer)
        if code_id:
            use_code(s, code_id)
    return respond({"domain_id": customer.domain_id, "domain_name": customer.name})


def complete_associations(s: Session, delay_s: float) -> None:
    """Associations older than ``delay_s`` complete (the provider does it asynchronously)."""
    now = utcnow()
    due = select(Account).where(
        Account.association == "associating",
        Account.created_at <= now - timedelta(seconds=delay_s),
    )
    for account in s.scalars(due):
        account.association, account.associated_at = "associated", now


def _info(a: Account) -> dict[str, Any]:
    return {
        "customer": a.realname,
        "account_name": a.name,
        "customer_id": a.domain_id,
        "associated_on": a.associated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        if a.associated_at
        else None,
        "association_type": a.association_type,
        "label": a.label,
        "telephone": a.mobile,
        "verified_status": str(a.verified_status),
        "country_code": a.country_code,
        "customer_type": a.customer_type,
        "is_frozen": a.is_frozen,
        "account_managers": [],
        "xaccount_id": a.xaccount_id,
        "xaccount_type": a.xaccount_type,
        "customer_level": "V0",
        "email": a.email,
    }


@bp.post("/v2/partners/sub-customers/query")
def list_sub_customers() -> Response:
    data = body()
    offset = field(data, "offset", int) or 0
    limit = field(data, "limit", int) or 10
    if offset < 0 or not 1 <= limit <= 100:
        raise bad_request("offset must be >= 0 and limit between 1 and 100.")
    state = sandbox_state()
    with state.db.session() as s:
        partner = _partner(s)
        complete_associations(s, state.association_delay_s)
        owner_id = partner.domain_id
        indirect = field(data, "indirect_partner_id", str)
        if indirect:
            reseller = s.get(Account, indirect)
            if reseller is None or reseller.parent_id != partner.domain_id:
                raise bad_request("You have no permission on this reseller.", "CBC.99000037")
            owner_id = reseller.domain_id
        query = select(Account).where(
            Account.parent_id == owner_id,
            Account.kind == "customer",
            Account.association == "associated",
        )
        if name := field(data, "account_name", str):
            query = query.where(Account.name_key.contains(name.lower(), autoescape=True))
        if realname := field(data, "customer", str):
            query = query.where(Account.realname.contains(realname, autoescape=True))
        if customer_id := field(data, "customer_id", str):
            query = query.where(Account.domain_id == customer_id)
        if label := field(data, "label", str):
            query = query.where(Account.label.contains(label, autoescape=True))
        if association_type := field(data, "association_type", str):
            query = query.where(Account.association_type == association_type)
        total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
        page = s.scalars(
            query.order_by(Account.associated_at.desc(), Account.domain_id)
            .offset(offset)
            .limit(limit)
        )
        infos = [_info(a) for a in page]
    return respond({"count": total, "customer_infos": infos})


__all__ = ["bp", "complete_associations"]
