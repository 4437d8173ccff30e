"""Distributor (tier 1) and reseller (tier 2) calls: list resellers, balances, allocate, reclaim.

As at the provider, allocating to and reclaiming from a reseller is accepted only when the request
is signed with a distributor's own AK/SK: any other signer gets ``403 CBC.0151`` (access denied),
and a distributor acting on a reseller that is not its own gets ``400 CBC.99000037`` ("you do not
have permission to operate this reseller"). Too little money: ``400 CBC.99005003``.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.cloud.sandbox.models import AccessKey, Account
from storefront.cloud.sandbox.partner_models import (
    SANDBOX_DISTRIBUTOR_FUNDS,
    PartnerBalance,
    PartnerCall,
    PartnerTransfer,
)
from storefront.cloud.sandbox.state import caller_id, is_partner, sandbox_state
from storefront.cloud.sandbox.wire import ApiError, bad_request, body, field, respond

bp = Blueprint("sandbox_partners", __name__)
control_bp = Blueprint("sandbox_partners_control", __name__, url_prefix="/_sandbox/partners")

ACCESS_DENIED = ("CBC.0151", "Access denied.")
NOT_YOUR_RESELLER = ("CBC.99000037", "You do not have permission to operate this reseller.")
INSUFFICIENT = ("CBC.99005003", "Insufficient balance.")
CENT = Decimal("0.01")


def _log(operation: str, outcome: str, reseller: str | None, amount: Decimal | None) -> None:
    with sandbox_state().db.session() as s:
        s.add(
            PartnerCall(
                operation=operation,
                caller_id=caller_id(),
                indirect_partner_id=reseller,
                amount=amount,
                outcome=outcome,
            )
        )


def _balance(s: Session, account: Account) -> PartnerBalance:
    row = s.get(PartnerBalance, account.domain_id)
    if row is None:
        start = SANDBOX_DISTRIBUTOR_FUNDS if account.kind == "distributor" else Decimal("0.00")
        row = PartnerBalance(domain_id=account.domain_id, amount=start)
        s.add(row)
        s.flush()
    return row


def _distributor(s: Session) -> Account:
    account = s.get(Account, caller_id())
    if account is None or account.kind != "distributor":
        raise ApiError(403, *ACCESS_DENIED)
    return account


def _reseller_of(s: Session, distributor: Account, reseller_id: str) -> Account:
    reseller = s.get(Account, reseller_id)
    if (
        reseller is None
        or reseller.kind != "reseller"
        or reseller.parent_id != distributor.domain_id
    ):
        raise ApiError(400, *NOT_YOUR_RESELLER)
    return reseller


def _amount(data: dict[str, Any]) -> Decimal:
    amount: Decimal = field(data, "amount", Decimal, required=True)
    if amount <= 0 or amount != amount.quantize(CENT):
        raise bad_request("amount must be greater than 0 with at most 2 decimals.")
    return amount


def _transfer(kind: str) -> Response:
    operation = (
        "update_indirect_partner_account"
        if kind == "adjust"
        else "reclaim_indirect_partner_account"
    )
    data = body()
    reseller_id = field(data, "indirect_partner_id", str)
    amount = None
    try:
        reseller_id = field(data, "indirect_partner_id", str, required=True)
        amount = _amount(data)
        with sandbox_state().db.session() as s:
            distributor = _distributor(s)
            reseller = _reseller_of(s, distributor, reseller_id)
            source, target = (
                (distributor, reseller) if kind == "adjust" else (reseller, distributor)
            )
            source_balance, target_balance = _balance(s, source), _balance(s, target)
            if source_balance.amount < amount:
                raise ApiError(400, *INSUFFICIENT)
            source_balance.amount -= amount
            target_balance.amount += amount
            trans_id = f"TR{secrets.token_hex(10).upper()}"
            s.add(
                PartnerTransfer(
                    trans_id=trans_id,
                    kind=kind,
                    distributor_id=distributor.domain_id,
                    reseller_id=reseller.domain_id,
                    amount=amount,
                )
            )
    except ApiError as exc:
        _log(operation, exc.code, reseller_id, amount)
        raise
    _log(operation, "ok", reseller_id, amount)
    return respond({"transfer_id": trans_id} if kind == "adjust" else {"trans_id": trans_id})


@bp.post("/v2/accounts/partner-accounts/indirect-partner-adjust")
def update_indirect_partner_account() -> Response:
    return _transfer("adjust")


@bp.post("/v2/accounts/partner-accounts/indirect-partner-reclaim")
def reclaim_indirect_partner_account() -> Response:
    return _transfer("reclaim")


OPERATION_TYPES = {
    "adjust": "SOURCE_OPERATION_BEADJUST",
    "reclaim": "SOURCE_OPERATION_BERETRIEVE",
}


def reseller_adjust_records(
    s: Session,
    distributor_id: str,
    *,
    customer_id: str | None,
    operation_type: str | None,
    begin: datetime | None,
    end: datetime | None,
    trans_id: str | None,
) -> list[tuple[datetime, dict[str, Any]]]:
    """A distributor's allocations to and reclaims from its resellers as adjust records (the
    provider lists them with the partner's customer fundings: see ``routes/commerce.py``)."""
    kinds = {v: k for k, v in OPERATION_TYPES.items()}
    if operation_type is not None and operation_type not in kinds:
        return []
    query = select(PartnerTransfer).where(PartnerTransfer.distributor_id == distributor_id)
    if customer_id:
        query = query.where(PartnerTransfer.reseller_id == customer_id)
    if operation_type is not None:
        query = query.where(PartnerTransfer.kind == kinds[operation_type])
    if begin is not None:
        query = query.where(PartnerTransfer.created_at >= begin)
    if end is not None:
        query = query.where(PartnerTransfer.created_at <= end)
    if trans_id:
        query = query.where(PartnerTransfer.trans_id == trans_id)
    rows = list(s.scalars(query))
    names = {
        a.domain_id: a.name for a in s.scalars(select(Account).where(Account.kind == "reseller"))
    }
    return [
        (
            t.created_at,
            {
                "customer_id": t.reseller_id,
                "customer_name": names.get(t.reseller_id, ""),
                "operation_type": OPERATION_TYPES[t.kind],
                "amount": f"{t.amount:.2f}",
                "currency": "CNY",
                "apply_scene": None,
                "operation_time": t.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "measure_id": 1,
                "trans_id": t.trans_id,
                "memo": None,
            },
        )
        for t in rows
    ]


@bp.post("/v2/partners/indirect-partners/query")
def list_indirect_partners() -> Response:
    data = body()
    offset = field(data, "offset", int) or 0
    limit = field(data, "limit", int) or 10
    if offset < 0 or not 1 <= limit <= 100:
        raise bad_request("offset >= 0 and limit 1..100.")
    try:
        with sandbox_state().db.session() as s:
            distributor = _distributor(s)
            query = select(Account).where(
                Account.kind == "reseller", Account.parent_id == distributor.domain_id
            )
            name = field(data, "account_name", str)
            if name:
                query = query.where(Account.name_key == name.lower())
            wanted = field(data, "indirect_partner_id", str)
            if wanted:
                query = query.where(Account.domain_id == wanted)
            rows = list(s.scalars(query.order_by(Account.created_at, Account.domain_id)))
            items = [
                {
                    "indirect_partner_id": a.domain_id,
                    "account_name": a.name,
                    "name": a.realname or a.name,
                    "email": a.email,
                    "mobile_phone": a.mobile,
                    "associated_on": (a.associated_at or a.created_at).strftime(
                        "%Y-%m-%dT%H:%M:%SZ"
                    ),
                }
                for a in rows[offset : offset + limit]
            ]
    except ApiError as exc:
        _log("list_indirect_partners", exc.code, None, None)
        raise
    return respond({"count": len(rows), "indirect_partners": items})


@bp.get("/v2/accounts/partner-accounts/balances")
def list_partner_balances() -> Response:
    wanted = request.args.get("indirect_partner_id") or None
    with sandbox_state().db.session() as s:
        caller = s.get(Account, caller_id())
        if caller is None or not is_partner(caller):
            raise ApiError(403, *ACCESS_DENIED)
        target = caller
        if wanted:
            if caller.kind != "distributor":
                raise ApiError(403, *ACCESS_DENIED)
            target = _reseller_of(s, caller, wanted)
        balance = _balance(s, target)
        payload = {
            "account_balances": [
                {
                    "account_id": f"{target.domain_id}-1",
                    "account_type": 1,
                    "amount": balance.amount,
                    "currency": "CNY",
                    "designated_amount": Decimal("0"),
                    "credit_amount": Decimal("0"),
                    "measure_id": 1,
                    "memo": None,
                }
            ]
        }
    return respond(payload)


# --------------------------------------------------------------------------- control (unsigned)


@control_bp.post("/resellers")
def add_reseller() -> Response:
    """Create a reseller account (with its own AK/SK) under a distributor."""
    data = body()
    name = field(data, "name", str, required=True)
    parent = field(data, "parent_id", str, required=True)
    with sandbox_state().db.session() as s:
        if s.get(Account, parent) is None:
            raise bad_request("parent_id is not an account.")
        existing = s.scalar(select(Account).where(Account.name_key == name.lower()))
        if existing is None:
            existing = Account(
                domain_id=secrets.token_hex(16),
                name=name,
                name_key=name.lower(),
                kind="reseller",
                parent_id=parent,
                email=field(data, "email", str),
                country_code="0086",
            )
            s.add(existing)
            s.flush()
        ak, sk = field(data, "ak", str), field(data, "sk", str)
        if ak and sk and s.get(AccessKey, ak) is None:
            s.add(AccessKey(ak=ak, sk=sk, domain_id=existing.domain_id))
        domain_id = existing.domain_id
    return respond({"indirect_partner_id": domain_id, "name": name})


@control_bp.get("/state")
def partners_state() -> Response:
    with sandbox_state().db.session() as s:
        balances = {b.domain_id: b.amount for b in s.scalars(select(PartnerBalance))}
        transfers = [
            {
                "trans_id": t.trans_id,
                "kind": t.kind,
                "distributor_id": t.distributor_id,
                "reseller_id": t.reseller_id,
                "amount": t.amount,
            }
            for t in s.scalars(select(PartnerTransfer).order_by(PartnerTransfer.created_at))
        ]
        calls = [
            {
                "operation": c.operation,
                "caller_id": c.caller_id,
                "indirect_partner_id": c.indirect_partner_id,
                "amount": c.amount,
                "outcome": c.outcome,
            }
            for c in s.scalars(select(PartnerCall).order_by(PartnerCall.id))
        ]
    return respond({"balances": balances, "transfers": transfers, "calls": calls})
