"""Funding customers: adjust-amount, reclaim, the partner's adjust records (BSS)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy import select

from storefront.cloud.sandbox.buying import (
    CENT,
    TIME,
    calling_partner,
    iso,
    own_customer,
    sandbox_now,
)
from storefront.cloud.sandbox.commerce import (
    CustomerFunds,
    Transfer,
)
from storefront.cloud.sandbox.models import Account
from storefront.cloud.sandbox.routes.partners import reseller_adjust_records
from storefront.cloud.sandbox.state import sandbox_state
from storefront.cloud.sandbox.wire import ApiError, bad_request, body, field, respond

bp = Blueprint("sandbox_funds", __name__)


# --------------------------------------------------------------------------- funds


@bp.post("/v2/accounts/partner-accounts/adjust-amount")
def adjust_amount() -> Response:
    data = body()
    amount = field(data, "amount", Decimal, required=True)
    if amount <= 0 or amount != amount.quantize(CENT):
        raise bad_request("amount must be positive with at most two decimals.")
    with sandbox_state().db.session() as s:
        partner = calling_partner(s)
        customer = own_customer(s, partner, field(data, "customer_id", str, required=True))
        funds = s.get(CustomerFunds, customer.domain_id)
        if funds is None:
            funds = CustomerFunds(customer_id=customer.domain_id, balance=Decimal("0.00"))
            s.add(funds)
        funds.balance += amount
        transfer = Transfer(
            id=uuid.uuid4().hex,
            partner_id=partner.domain_id,
            customer_id=customer.domain_id,
            amount=amount,
            created_at=sandbox_now(),
        )
        s.add(transfer)
        return respond({"transfer_id": transfer.id})


@bp.post("/v2/accounts/partner-accounts/reclaim")
def reclaim() -> Response:
    data = body()
    amount = field(data, "amount", Decimal, required=True)
    if amount <= 0:
        raise bad_request("amount must be positive.")
    with sandbox_state().db.session() as s:
        partner = calling_partner(s)
        customer = own_customer(s, partner, field(data, "customer_id", str, required=True))
        funds = s.get(CustomerFunds, customer.domain_id)
        if funds is None or funds.balance < amount:
            raise ApiError(400, "CBC.99005003", "Insufficient balance.")
        funds.balance -= amount
        trans_id = uuid.uuid4().hex
        s.add(
            Transfer(
                id=trans_id,
                partner_id=partner.domain_id,
                customer_id=customer.domain_id,
                amount=-amount,
                created_at=sandbox_now(),
            )
        )
    return respond({"trans_id": trans_id})  # ReclaimToPartnerAccountResponse


def _utc_arg(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, TIME)
    except ValueError:
        raise bad_request(f"{name} must be UTC like 2016-03-28T14:45:38Z.") from None


_OPERATIONS = {
    "SOURCE_OPERATION_BEADJUST": True,  # funding (positive transfers)
    "SOURCE_OPERATION_BERETRIEVE": False,  # reclaim (negative transfers)
}
_OPERATION_OF = {positive: name for name, positive in _OPERATIONS.items()}


@bp.get("/v3/accounts/partner-accounts/adjust-records")
def adjust_records() -> Response:
    """``list_partner_adjust_records``: the partner's fundings and reclaims, newest first."""
    args = request.args
    operation = args.get("operation_type") or None
    if operation is not None and operation not in (*_OPERATIONS, "SOURCE_OPERATION_BEUNBIND"):
        raise bad_request("operation_type is invalid.")
    begin = _utc_arg(args.get("operation_time_begin"), "operation_time_begin")
    end = _utc_arg(args.get("operation_time_end"), "operation_time_end")
    try:
        offset, limit = int(args.get("offset") or 0), int(args.get("limit") or 10)
    except ValueError:
        raise bad_request("offset and limit must be integers.") from None
    if offset < 0 or not 1 <= limit <= 100:
        raise bad_request("offset >= 0 and limit 1..100.")
    with sandbox_state().db.session() as s:
        partner = calling_partner(s)
        query = (
            select(Transfer)
            .where(Transfer.partner_id == partner.domain_id)
            .order_by(Transfer.created_at.desc(), Transfer.id)
        )
        if args.get("customer_id"):
            query = query.where(Transfer.customer_id == args["customer_id"])
        if args.get("trans_id"):
            query = query.where(Transfer.id == args["trans_id"])
        if begin is not None:
            query = query.where(Transfer.created_at >= begin)
        if end is not None:
            query = query.where(Transfer.created_at <= end)
        if operation == "SOURCE_OPERATION_BEUNBIND":
            rows = []
        else:
            rows = list(s.scalars(query))
            if operation is not None:
                positive = _OPERATIONS[operation]
                rows = [t for t in rows if (t.amount > 0) == positive]
        names = {
            a.domain_id: a.name
            for a in s.scalars(select(Account).where(Account.parent_id == partner.domain_id))
        }
        found: list[tuple[datetime, dict[str, Any]]] = [
            (
                t.created_at,
                {
                    "customer_id": t.customer_id,
                    "customer_name": names.get(t.customer_id, ""),
                    "operation_type": _OPERATION_OF[t.amount > 0],
                    "amount": str(abs(t.amount)),
                    "currency": "CNY",
                    "apply_scene": "",
                    "operation_time": iso(t.created_at),
                    "measure_id": 1,
                    "trans_id": t.id,
                    "memo": "",
                },
            )
            for t in rows
        ]
        # a distributor's allocations to its resellers are adjust records too
        found += reseller_adjust_records(
            s,
            partner.domain_id,
            customer_id=args.get("customer_id") or None,
            operation_type=operation,
            begin=begin,
            end=end,
            trans_id=args.get("trans_id") or None,
        )
    found.sort(key=lambda pair: pair[0], reverse=True)
    records = [record for _, record in found[offset : offset + limit]]
    return respond({"records": records, "total_count": len(found)})
