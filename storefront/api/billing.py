"""Billing endpoints: staff funding (``POST /api/v1/admin/customers/<id>/funds``)."""

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
from storefront.billing import services
from storefront.billing.errors import (
    IdempotencyConflict,
    IdempotencyInProgress,
    InsufficientBalance,
    InvalidAmount,
    WrongStore,
)
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
        result = services.fund(customer, body["amount"], note, staff, key)
    except InvalidAmount as exc:
        raise ApiError(422, "invalid_input", str(exc), {"amount": str(exc)}) from None
    except InsufficientBalance:
        raise ApiError(409, "insufficient_balance", "The balance cannot go below zero.") from None
    except IdempotencyConflict as exc:
        raise ApiError(409, "idempotency_conflict", str(exc)) from None
    except IdempotencyInProgress as exc:
        raise ApiError(409, "idempotency_in_progress", str(exc)) from None
    except WrongStore:
        raise ApiError(404, "not_found", "No such customer.") from None
    return jsonify(balance=result["balance"], currency=result["currency"])
