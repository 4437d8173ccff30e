"""Orders, resources and usage records of customers (BSS); test controls for resources."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.cloud.sandbox import renewals
from storefront.cloud.sandbox.buying import (
    bring_to_now,
    calling_partner,
    iso,
    own_customer,
    sandbox_now,
    settle,
)
from storefront.cloud.sandbox.commerce import (
    ON_DEMAND_CODES,
    ORDER_PROCESSING,
    ORDER_UNPAID,
    PREPAID_CODES,
    RESOURCE_STATES,
    CloudOrder,
    CloudResource,
    CustomerFunds,
)
from storefront.cloud.sandbox.models import Account
from storefront.cloud.sandbox.state import caller_id, sandbox_state
from storefront.cloud.sandbox.wire import ApiError, bad_request, body, field, respond

bp = Blueprint("sandbox_orders", __name__)
control_bp = Blueprint("sandbox_orders_control", __name__, url_prefix="/_sandbox")


# --------------------------------------------------------------------------- orders


@bp.post("/v3/orders/customer-orders/pay")
def pay_orders() -> Response:
    data = body()
    order_id = field(data, "order_id", str, required=True)
    with sandbox_state().db.session() as s:
        order = s.get(CloudOrder, order_id)
        # The pay_orders error table: CBC.30000010 invalid order (may not exist), CBC.99003106
        # the order status has changed (paid or cancelled), CBC.99005003 insufficient balance.
        if order is None or order.customer_id != caller_id():
            raise ApiError(400, "CBC.30000010", "Invalid order.")
        settle(s, [order])  # an order past its payment deadline is cancelled
        if order.status != ORDER_UNPAID:
            raise ApiError(400, "CBC.99003106", "The order status has changed.")
        funds = s.get(CustomerFunds, order.customer_id)
        if funds is None or funds.balance < order.amount:
            raise ApiError(400, "CBC.99005003", "Insufficient balance.")
        funds.balance -= order.amount
        # paid: processing (3) until the resources are made, then completed (5)
        order.status, order.paid_at = ORDER_PROCESSING, sandbox_now()
        settle(s, [order])
    return respond({})


def _order_info(o: CloudOrder) -> dict[str, Any]:
    return {
        "order_id": o.order_id,
        "customer_id": o.customer_id,
        "service_type_code": o.service_type,
        "source_type": 1,
        "status": o.status,
        "order_type": renewals.order_type(o),  # 1 new purchase, 2 renewal
        "amount_after_discount": o.amount,
        "official_amount": o.official_amount,
        "measure_id": 1,
        "create_time": iso(o.created_at),
        "payment_time": iso(o.paid_at),
        "currency": o.currency,
    }


@bp.get("/v2/orders/customer-orders")
def list_customer_orders() -> Response:
    args = request.args
    with sandbox_state().db.session() as s:
        partner = calling_partner(s)
        query = select(CloudOrder).order_by(CloudOrder.created_at)
        if args.get("customer_id"):
            own_customer(s, partner, args["customer_id"])
            query = query.where(CloudOrder.customer_id == args["customer_id"])
        if args.get("order_id"):
            query = query.where(CloudOrder.order_id == args["order_id"])
        orders = [
            o
            for o in s.scalars(query)
            if (c := s.get(Account, o.customer_id)) is not None and c.parent_id == partner.domain_id
        ]
        settle(s, orders)
        orders = renewals.filter_orders(orders, args)  # order_type, status, create_time_begin
        offset, limit = int(args.get("offset") or 0), int(args.get("limit") or 10)
        infos = [_order_info(o) for o in orders[offset : offset + limit]]
    return respond({"total_count": len(orders), "order_infos": infos})


@bp.get("/v2/orders/customer-orders/details/<order_id>")
def show_customer_order(order_id: str) -> Response:
    with sandbox_state().db.session() as s:
        partner = calling_partner(s)
        order = s.get(CloudOrder, order_id)
        customer = s.get(Account, order.customer_id) if order else None
        if order is None or customer is None or customer.parent_id != partner.domain_id:
            raise ApiError(404, "CBC.30000010", "The order does not exist.")
        settle(s, [order])
        lines = [
            {
                "order_line_item_id": r.resource_id,
                "service_type_code": r.service_type,
                "product_spec_desc": r.spec,
                "period_type": order.period_type,
                "period_num": order.period_num,
                "subscription_num": 1,
                "currency": order.currency,
                "order_id": order.order_id,
            }
            for r in s.scalars(select(CloudResource).where(CloudResource.order_id == order_id))
        ]
        return respond(
            {"total_count": len(lines), "order_info": _order_info(order), "order_line_items": lines}
        )


# --------------------------------------------------------------------------- resources


def _resource_rows(s: Session, data: dict[str, Any], *, prepaid: bool) -> list[CloudResource]:
    partner = calling_partner(s)
    customer = own_customer(s, partner, field(data, "customer_id", str, required=True))
    query = (
        select(CloudResource)
        .where(
            CloudResource.customer_id == customer.domain_id,
            CloudResource.charge_mode == ("prePaid" if prepaid else "postPaid"),
        )
        .order_by(CloudResource.created_at, CloudResource.resource_id)
    )
    if data.get("order_id"):
        query = query.where(CloudResource.order_id == data["order_id"])
    if data.get("resource_ids"):
        query = query.where(CloudResource.resource_id.in_(list(data["resource_ids"])))
    if data.get("region_code"):
        query = query.where(CloudResource.region == data["region_code"])
    rows = list(s.scalars(query))
    bring_to_now(rows)
    return rows


def _page(data: dict[str, Any], rows: list[Any]) -> list[Any]:
    offset, limit = int(data.get("offset") or 0), int(data.get("limit") or 10)
    return rows[offset : offset + limit]


@bp.post("/v2/orders/suscriptions/resources/query")
def prepaid_resources() -> Response:
    data = body()
    with sandbox_state().db.session() as s:
        rows = [r for r in _resource_rows(s, data, prepaid=True) if r.status in PREPAID_CODES]
        only_main, asked = data.get("only_main_resource") == 1, bool(data.get("resource_ids"))
        rows = renewals.with_attached(s, rows, only_main=only_main, asked=asked)
        items = [
            {
                "id": r.resource_id,
                "resource_id": r.resource_id,
                "resource_name": r.name,
                "region_code": r.region,
                "service_type_code": r.service_type,
                "resource_type_code": r.resource_type,
                "resource_spec_code": r.spec,
                "project_id": r.project_id,
                **renewals.listing_fields(s, r),  # is_main_resource, parent, expire_policy
                "status": PREPAID_CODES[r.status],
                "effective_time": iso(r.active_at),
                "expire_time": iso(r.expire_at),
                "spec_size": r.size,
            }
            for r in _page(data, rows)
        ]
    return respond({"data": items, "total_count": len(rows)})


@bp.post("/v2/partners/sub-customers/on-demand-resources/query")
def on_demand_resources() -> Response:
    data = body()
    with sandbox_state().db.session() as s:
        rows = _resource_rows(s, data, prepaid=False)
        items = [
            {
                "customer_id": r.customer_id,
                "region_code": r.region,
                "service_type_code": r.service_type,
                "resource_type_code": r.resource_type,
                "resource_id": r.resource_id,
                "resource_name": r.name,
                "effective_time": iso(r.active_at),
                "expire_time": iso(r.released_at),
                "status": ON_DEMAND_CODES[r.status],
                "resource_spec_code": r.spec,
            }
            for r in _page(data, rows)
        ]
    return respond({"resources": items, "total_count": len(rows)})


@bp.get("/v2/bills/subcustomer-bills/res-fee-records")
def usage_records() -> Response:
    args = request.args
    cycle = args.get("bill_cycle") or ""
    with sandbox_state().db.session() as s:
        partner = calling_partner(s)
        customer = own_customer(s, partner, args.get("customer_id"))
        now = sandbox_now()
        records = []
        for r in s.scalars(
            select(CloudResource)
            .where(
                CloudResource.customer_id == customer.domain_id,
                CloudResource.charge_mode == "postPaid",
                CloudResource.active_at.is_not(None),
            )
            .order_by(CloudResource.created_at, CloudResource.resource_id)
        ):
            assert r.active_at is not None
            end = min(now, r.released_at or now)
            hours = int((end - r.active_at).total_seconds() // 3600)
            for i in range(max(hours, 0)):
                start = r.active_at + timedelta(hours=i)
                if start.strftime("%Y-%m") != cycle:
                    continue
                records.append(
                    {
                        "id": f"{r.resource_id}:{i}",
                        "bill_cycle": cycle,
                        "customer_id": r.customer_id,
                        "service_type_code": r.service_type,
                        "resource_type_code": r.resource_type,
                        "charging_mode": 3,
                        "resource_id": r.resource_id,
                        "resource_name": r.name,
                        "region_code": r.region,
                        "consume_time": iso(start),
                        "usage_amount": Decimal(1),
                        "usage_measure_id": 4,
                        "official_amount": r.hourly_official.quantize(Decimal("0.000001")),
                    }
                )
    page = _page(dict(args), records)
    return respond({"total_count": len(records), "currency": "CNY", "fee_records": page})


# --------------------------------------------------------------------------- control


@control_bp.post("/customers/<customer_id>/discount")
def set_customer_discount(customer_id: str) -> Response:
    """``{"rate": "0.8"}``: the customer's own discount at the provider (its ratings and the
    orders it is charged for), e.g. a commercial discount the provider granted it."""
    try:
        rate = Decimal(str(body().get("rate")))
    except ArithmeticError:
        raise bad_request("rate must be a decimal number.") from None
    if not Decimal("0.01") <= rate <= Decimal("2"):
        raise bad_request("rate must be between 0.01 and 2.")
    with sandbox_state().db.session() as s:
        customer = s.get(Account, customer_id)
        if customer is None:
            raise ApiError(404, "CBC.0101", "No such customer.")
        customer.discount_rate = rate
    return respond({"customer_id": customer_id, "rate": str(rate)})


@control_bp.post("/resources/advance")
def advance() -> Response:
    """Move every resource's life ``hours`` into the past (usage accrues, expiry nears)."""
    data = body()
    hours = field(data, "hours", Decimal, required=True)
    delta = timedelta(hours=float(hours))
    with sandbox_state().db.session() as s:
        rows = list(s.scalars(select(CloudResource)))
        for r in rows:
            r.created_at -= delta
            for name in ("active_at", "expire_at", "released_at"):
                value = getattr(r, name)
                if value is not None:
                    setattr(r, name, value - delta)
        bring_to_now(rows)
    return respond({"advanced_hours": hours, "resources": len(rows)})


@control_bp.get("/resources")
def resources() -> Response:
    with sandbox_state().db.session() as s:
        rows = [
            {
                "resource_id": r.resource_id,
                "customer_id": r.customer_id,
                "kind": r.kind,
                "spec": r.spec,
                "region": r.region,
                "status": r.status,
                "name": r.name,
                "order_id": r.order_id,
                "charge_mode": r.charge_mode,
                "client_token": r.client_token,
                "expire_at": iso(r.expire_at),
            }
            for r in s.scalars(select(CloudResource).order_by(CloudResource.created_at))
        ]
        orders = [_order_info(o) for o in s.scalars(select(CloudOrder))]
        funds = {f.customer_id: f.balance for f in s.scalars(select(CustomerFunds))}
    return respond({"resources": rows, "orders": orders, "funds": funds})


@control_bp.post("/resources/<resource_id>/status")
def set_status(resource_id: str) -> Response:
    status = field(body(), "status", str, required=True)
    if status not in RESOURCE_STATES:
        raise bad_request(f"status must be one of {', '.join(RESOURCE_STATES)}.")
    with sandbox_state().db.session() as s:
        r = s.get(CloudResource, resource_id)
        if r is None:
            raise ApiError(404, "CBC.0101", "No such resource.")
        r.status = status
        if status == "released":
            r.released_at = sandbox_now()
    return respond({"resource_id": resource_id, "status": status})
