"""Orders and resources: ``POST/GET /api/v1/orders``, ``GET /api/v1/orders/<id>``,
``GET /api/v1/resources``."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from storefront.api import bp
from storefront.api.auth import api_customer, require_customer_token
from storefront.api.billing import _idempotency_key, _json_object
from storefront.api.errors import ApiError
from storefront.billing import orders
from storefront.billing.models import Resource
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.renewals import services as renewal_services
from storefront.servers import choices

MAX_LIMIT = 100


def _limit() -> int:
    raw = request.args.get("limit", "20")
    # ASCII digits only (int() refuses '²'), and few of them (int() refuses 5,000)
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 3 or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(422, "invalid_input", "Bad limit.", {"limit": f"1 to {MAX_LIMIT}"})
    return int(raw)


@bp.post("/orders")
@require_customer_token
def create_order() -> ResponseReturnValue:
    customer = api_customer()
    body = _json_object()
    quote_id = body.get("quote_id")
    if not isinstance(quote_id, str) or not quote_id:
        raise ApiError(422, "invalid_input", "quote_id is required.", {"quote_id": "required"})
    voucher_code = body.get("voucher_code")
    if voucher_code is not None and (not isinstance(voucher_code, str) or len(voucher_code) > 40):
        raise ApiError(422, "invalid_input", "Bad voucher code.", {"voucher_code": "text"})
    key = _idempotency_key()
    choices.record_login(customer, quote_id, body.get("server"))  # #17: name, key pair, password
    result = orders.place_order(customer, quote_id, key, voucher_code=voucher_code)
    choices.provision_now(customer.store_id, quote_id, result["id"])  # with a password only
    return jsonify(result), 201


@bp.get("/orders")
@require_customer_token
def list_orders() -> ResponseReturnValue:
    customer = api_customer()
    rows, cursor = orders.customer_orders(customer, request.args.get("cursor"), _limit())
    return jsonify(items=[orders.order_detail(o) for o in rows], next_cursor=cursor)


@bp.get("/orders/<id:order_id>")
@require_customer_token
def get_order(order_id: int) -> ResponseReturnValue:
    order = orders.customer_order(api_customer(), order_id)
    if order is None:
        raise ApiError(404, "not_found", "No such order.")
    return jsonify(orders.order_detail(order))


def resource_json(r: Resource, auto: Any = None) -> dict[str, Any]:
    """A resource; ``expires_at``, ``days_left`` and ``auto_renew`` from the renewals area."""
    return {
        "id": r.id,
        "product": r.product_code,
        "spec": r.spec_code,
        "region": r.region_code,
        "status": r.status.value,
        "name": r.name,
        "order_id": r.order_id,
        "billing_mode": r.billing_mode,
        "provider_resource_id": r.provider_resource_id,
        "expires_at": r.expires_at.isoformat() if r.expires_at else None,
        "days_left": renewal_services.days_between(r.expires_at, utcnow()),
        "auto_renew": renewal_services.auto_renew_json(auto),
    }


@bp.get("/resources")
@require_customer_token
def list_resources() -> ResponseReturnValue:
    customer = api_customer()
    limit = _limit()
    cursor = request.args.get("cursor")
    query = (
        select(Resource)
        .where(Resource.customer_id == customer.id, Resource.store_id == customer.store_id)
        .order_by(Resource.id.desc())
        .limit(limit + 1)
    )
    if cursor:
        if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
            raise ApiError(422, "invalid_input", "Bad cursor.", {"cursor": "invalid"})
        query = query.where(Resource.id < int(cursor))
    rows = list(db.session.scalars(query))
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    autos = renewal_services.auto_renewals_of([r.id for r in rows[:limit]], customer.store_id)
    items = [resource_json(r, autos.get(r.id)) for r in rows[:limit]]
    return jsonify(items=items, next_cursor=next_cursor)
