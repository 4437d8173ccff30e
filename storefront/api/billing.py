"""Billing endpoints: staff funding (``POST /api/v1/admin/customers/<id>/funds``) within the
store's limits, and the second approval of fundings above its dual-control threshold.

Refusals are billing's domain errors (``storefront.billing.errors``): each carries the status
and code the contract answers with, and the app-wide handler renders them.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.api import bp
from storefront.api.admin import staff_api
from storefront.api.auth import api_staff
from storefront.api.errors import ApiError
from storefront.billing import funding
from storefront.billing.errors import FundingLimitError
from storefront.billing.funding_models import FundingStatus, StaffFunding
from storefront.billing.idempotency import MAX_KEY_LENGTH
from storefront.extensions import db

MAX_NOTE = 500


def _json_object() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_input", "Send a JSON object.")
    return body


def _idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApiError(
            422,
            "invalid_input",
            "Bad Idempotency-Key header.",
            {"Idempotency-Key": f"1 to {MAX_KEY_LENGTH} characters"},
        )
    return key


@bp.post("/admin/customers/<id:customer_id>/funds")
@staff_api("funds.manage")
def admin_fund_customer(customer_id: int) -> ResponseReturnValue:
    """Add (positive) or take back (negative) funds; never below zero."""
    staff = api_staff()
    body = _json_object()
    if "amount" not in body:
        raise ApiError(422, "invalid_input", "The amount is required.", {"amount": "required"})
    note = body.get("note", "")
    if not isinstance(note, str) or len(note) > MAX_NOTE:
        raise ApiError(422, "invalid_input", "Bad note.", {"note": f"text, at most {MAX_NOTE}"})
    key = _idempotency_key()
    customer = db.session.scalar(
        select(Customer).where(Customer.id == customer_id, Customer.store_id == staff.store_id)
    )
    if customer is None:
        raise ApiError(404, "not_found", "No such customer.")
    try:
        result = funding.fund_customer(customer, body["amount"], note, staff, key)
    except FundingLimitError:
        db.session.commit()  # the refusal's entry in the audit trail
        raise
    if result["status"] == "pending_approval":
        return jsonify(result), 202
    return jsonify(balance=result["balance"], currency=result["currency"])


@bp.get("/admin/fundings")
@staff_api("money.view")
def admin_fundings() -> ResponseReturnValue:
    """Fundings waiting for a second approver (``?status=pending_approval``, the default)."""
    status = request.args.get("status", FundingStatus.PENDING.value)
    if status not in {s.value for s in FundingStatus}:
        raise ApiError(422, "invalid_input", "Unknown status.", {"status": "unknown"})
    rows = db.session.scalars(
        select(StaffFunding)
        .where(StaffFunding.status == FundingStatus(status))
        .order_by(StaffFunding.id.desc())
        .limit(200)
    ).all()
    return jsonify(items=[funding.funding_json(r) for r in rows])


@bp.post("/admin/fundings/<id:funding_id>/approve")
@staff_api("funds.manage")
def admin_approve_funding(funding_id: int) -> ResponseReturnValue:
    """The second, different staff member approves: the wallet is credited once."""
    record = funding.approve_funding(funding_id, api_staff())
    db.session.commit()
    return jsonify(funding.funding_json(record))


@bp.post("/admin/fundings/<id:funding_id>/reject")
@staff_api("funds.manage")
def admin_reject_funding(funding_id: int) -> ResponseReturnValue:
    body = request.get_json(silent=True)
    reason = body.get("reason", "") if isinstance(body, dict) else ""
    if not isinstance(reason, str) or len(reason) > MAX_NOTE:
        raise ApiError(422, "invalid_input", "Bad reason.", {"reason": f"text, at most {MAX_NOTE}"})
    record = funding.reject_funding(funding_id, api_staff(), reason)
    db.session.commit()
    return jsonify(funding.funding_json(record))
