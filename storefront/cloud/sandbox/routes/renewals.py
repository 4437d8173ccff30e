"""Keeping yearly/monthly resources: renewal price, renewal, auto-renew on/off, pay-per-use at
expiry, unsubscribe and its refund details (customer credentials; the refund details also with
the partner's for its customers). The rules live in ``storefront/cloud/sandbox/renewals.py``;
paths, fields and error codes are the SDK's (``huaweicloudsdkbss`` v2) and the API reference's
status-code tables of each call.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.cloud.sandbox import renewals as rules
from storefront.cloud.sandbox.commerce import ORDER_PROCESSING, CloudOrder, CloudResource
from storefront.cloud.sandbox.commerce import CustomerFunds as Funds
from storefront.cloud.sandbox.lifecycle import settle_orders, settle_resources
from storefront.cloud.sandbox.models import Account
from storefront.cloud.sandbox.state import caller_id, is_partner, sandbox_state
from storefront.cloud.sandbox.wire import ApiError, bad_request, body, respond

bp = Blueprint("sandbox_renewals", __name__)
control_bp = Blueprint("sandbox_renewals_control", __name__, url_prefix="/_sandbox")

UNSUBSCRIBE_REASONS = range(1, 6)  # 1 not easy to use ... 5 other


@bp.before_request
def _customers_only() -> None:
    """Every call here but the refund details takes the customer's own credentials: the
    partner's (or a distributor's) are refused (API reference: "only the customer AK/SK or
    token")."""
    if request.endpoint == "sandbox_renewals.refund_order_details":
        return
    with sandbox_state().db.session() as s:
        account = s.get(Account, caller_id())
        if account is None or is_partner(account):
            raise ApiError(403, "CBC.0151", "Access denied.")


def _now() -> datetime:
    return sandbox_state().now().replace(tzinfo=None)


def _settled(s: Session, rows: list[CloudResource]) -> None:
    """Bring ``rows`` and their purchase orders to the sandbox's now."""
    life, now = sandbox_state().lifecycle, _now()
    ids = {r.order_id for r in rows if r.order_id}
    if ids:
        settle_orders(
            s, list(s.scalars(select(CloudOrder).where(CloudOrder.order_id.in_(ids)))), now, life
        )
    settle_resources(rows, now, life)


def _ids(data: dict[str, Any], most: int) -> list[str]:
    ids = data.get("resource_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= most:
        raise bad_request(f"resource_ids must list 1 to {most} resource ids.")
    if not all(isinstance(i, str) and i for i in ids):
        raise bad_request("resource_ids must be strings.")
    return ids


def _mine(s: Session, resource_id: str) -> CloudResource | None:
    """The caller's yearly/monthly resource (settled), or None."""
    r = s.get(CloudResource, resource_id)
    if r is None or r.customer_id != caller_id():
        return None
    _settled(s, rules.family(s, r))
    return r


def _period(data: dict[str, Any]) -> tuple[Any, Any]:
    period_type, period_num = data.get("period_type"), data.get("period_num")
    if not isinstance(period_type, int) or not isinstance(period_num, int):
        raise bad_request("period_type and period_num must be integers.")
    return period_type, period_num


def _money(value: Decimal) -> str:
    return f"{value:f}"


# --------------------------------------------------------------------------- renewal


# The renew-rate status-code table (API reference bcloud_01007); these come back per resource.
RATE_FAILURES = {
    "CBC.30050007": "It is not a primary resource, and the renewal quotation is not allowed.",
    "CBC.30050008": "The period type or number of periods for the resource does not exist.",
    "CBC.30050009": "The resources do not exist or has been deleted due to expiration.",
    "CBC.30050010": "This operation is not allowed because some resources are included in the "
    "unpaid orders.",
    "CBC.30050013": "The product does not support renewal.",
}


def _rate_failure(s: Session, r: CloudResource | None, data: dict[str, Any]) -> str | None:
    """The documented code why ``r`` cannot be priced for renewal (None: it can)."""
    if r is None or r.status == "released":
        return "CBC.30050009"  # expired and deleted, or does not exist
    if r.charge_mode != "prePaid":
        return "CBC.30050013"  # the product (here: pay-per-use) does not support renewal
    if not rules.is_main(s, r):
        return "CBC.30050007"  # not a primary resource
    if not rules.valid_period(data.get("period_type"), data.get("period_num")):
        return "CBC.30050008"  # no such period type or number for the resource
    if r.status == "creating" or rules.pending_orders(s, r):
        return "CBC.30050010"  # included in a pending-payment order
    return None


@bp.post("/v2/bills/ratings/period-resources/renew-rate")
def renew_rate() -> Response:
    """``list_renew_rate_on_period``: failures come back per resource with HTTP 200."""
    data = body()
    ids = _ids(data, 10)
    if len(set(ids)) != len(ids):
        raise bad_request("Duplicate resource ids.", "CBC.30050012")
    period_type, period_num = _period(data)
    relatives = data.get("include_relative_resources") is True
    results, failures = [], []
    official_total = Decimal(0)
    with sandbox_state().db.session() as s:
        for rid in ids:
            r = _mine(s, rid)
            code = _rate_failure(s, r, data)
            if code is not None or r is None:
                failures.append(
                    {
                        "error_code": code,
                        "error_msg": RATE_FAILURES.get(code or ""),
                        "resource_id": rid,
                    }
                )
                continue
            official, amount = rules.renewal_price(
                s, r, period_type, period_num, relatives=relatives
            )
            official_total += official
            results.append({"resource_id": rid, "amount": _money(amount)})
    return respond(
        {
            "currency": "CNY",
            "renew_inquiry_results": results,
            "official_website_rating_result": {"official_website_amount": _money(official_total)},
            "optional_discount_rating_results": [],
            "fail_resource_infos": failures,
        }
    )


def _renew_refusal(s: Session, r: CloudResource | None, data: dict[str, Any]) -> ApiError | None:
    if r is None or r.status == "released" or r.charge_mode != "prePaid":
        return bad_request(
            "The resource has expired and been deleted, or does not exist.", "CBC.99003016"
        )
    if not rules.is_main(s, r):
        return bad_request("The resource is not a primary resource.", "CBC.30010036")
    if not rules.valid_period(data.get("period_type"), data.get("period_num")):
        return bad_request("The renewal period does not exist.", "CBC.30010069")
    if any(o.status != ORDER_PROCESSING for o in rules.pending_orders(s, r)):
        return bad_request("The resource is in an order pending payment.", "CBC.99003100")
    if r.status == "creating" or rules.pending_orders(s, r):
        return bad_request("The resource has an order being processed.", "CBC.99003144")
    return None


@bp.post("/v2/orders/subscriptions/resources/renew")
def renew() -> Response:
    """``renewal_resources``: one renewal order per resource, pending payment unless
    ``is_auto_pay`` is 1 (then paid from the customer's balance, or CBC.30050006)."""
    data = body()
    ids = _ids(data, 10)
    period_type, period_num = _period(data)
    auto_pay = data.get("is_auto_pay") or 0
    if auto_pay not in (0, 1):
        raise bad_request("is_auto_pay must be 0 or 1.")
    now, life = _now(), sandbox_state().lifecycle
    with sandbox_state().db.session() as s:
        found = []
        for rid in dict.fromkeys(ids):
            r = _mine(s, rid)
            refusal = _renew_refusal(s, r, data)
            if refusal is not None or r is None:
                raise refusal or bad_request("No such resource.", "CBC.99003016")
            found.append(r)
        orders = [rules.open_renewal(s, r, period_type, period_num, now) for r in found]
        if auto_pay:
            funds = s.get(Funds, caller_id())
            total = sum((o.amount for o in orders), Decimal(0))
            if funds is None or funds.balance < total:
                raise bad_request("The order could not be paid automatically.", "CBC.30050006")
            funds.balance -= total
            for order in orders:
                order.status, order.paid_at = ORDER_PROCESSING, now
            settle_orders(s, orders, now, life)
        order_ids = [o.order_id for o in orders]
    return respond({"order_ids": order_ids})


# --------------------------------------------------------------------------- expiry policies


def _main_of(s: Session, r: CloudResource) -> CloudResource:
    parent_id = rules.parent_of(s, r)
    parent = s.get(CloudResource, parent_id) if parent_id else None
    return parent or r


def _policy_target(s: Session, resource_id: str) -> CloudResource:
    r = _mine(s, resource_id)
    if r is None or r.charge_mode != "prePaid" or r.status in ("creating", "released"):
        raise bad_request("The resource id does not exist.", "CBC.99003012")
    return _main_of(s, r)  # attached resources are set with their primary one


@bp.post("/v2/orders/subscriptions/resources/autorenew/<resource_id>")
def auto_renew_on(resource_id: str) -> Response:
    """``auto_renewal_resources``: ``auto_renew_times`` 0-99 (0 no limit), ``period_type``
    MONTH|YEAR (default: the period type of the resource's last order)."""
    data = body()
    times = data.get("auto_renew_times")
    kind = data.get("period_type")
    if times is not None and (not isinstance(times, int) or not 0 <= times <= 99):
        raise bad_request("auto_renew_times must be 0-99.")
    if kind is not None and kind not in ("MONTH", "YEAR"):
        raise bad_request("period_type must be MONTH or YEAR.")
    with sandbox_state().db.session() as s:
        r = _policy_target(s, resource_id)
        policy = rules.renewal_of(s, r.resource_id)
        held = rules.terms(s, r)
        last = held[-1].period_type if held else rules.MONTH
        policy.expire_policy = rules.EXPIRE_AUTO_RENEW
        policy.auto_period_type = {"MONTH": rules.MONTH, "YEAR": rules.YEAR}.get(kind or "", last)
        if times is not None:
            policy.auto_times_left = times
        _settled(s, rules.family(s, r))  # within 7 days of expiry: charged now
    return respond({})


@bp.delete("/v2/orders/subscriptions/resources/autorenew/<resource_id>")
def auto_renew_off(resource_id: str) -> Response:
    """``cancel_auto_renewal_resources``."""
    with sandbox_state().db.session() as s:
        r = _policy_target(s, resource_id)
        policy = rules.renewal_of(s, r.resource_id)
        if policy.expire_policy == rules.EXPIRE_AUTO_RENEW:
            policy.expire_policy = rules.EXPIRE_GRACE
    return respond({})


@bp.post("/v2/orders/subscriptions/resources/to-on-demand")
def to_on_demand() -> Response:
    """``update_period_to_on_demand``: ``operation`` SET_UP|CANCEL for up to 100 primary
    resources; resources in the grace or retention period are refused one by one (HTTP 200,
    ``error_details`` CBC.99003610)."""
    data = body()
    operation = data.get("operation")
    if operation not in ("SET_UP", "CANCEL"):
        raise bad_request("operation must be SET_UP or CANCEL.")
    ids = _ids(data, 100)
    details = []
    with sandbox_state().db.session() as s:
        targets = [_policy_target(s, rid) for rid in ids]
        for rid, r in zip(ids, targets, strict=True):
            if r.status in ("expired", "frozen"):
                details.append(
                    {
                        "error_code": "CBC.99003610",
                        "error_msg": "Resources in the grace or retention period cannot be "
                        "changed to pay-per-use.",
                        "id": rid,
                    }
                )
                continue
            policy = rules.renewal_of(s, r.resource_id)
            if operation == "SET_UP":
                policy.expire_policy = rules.EXPIRE_ON_DEMAND
            elif policy.expire_policy == rules.EXPIRE_ON_DEMAND:
                policy.expire_policy = rules.EXPIRE_GRACE
    return respond({"error_details": details})


# --------------------------------------------------------------------------- unsubscribe


def _unsubscribe_refusal(
    s: Session, r: CloudResource | None, renewals_only: bool
) -> ApiError | None:
    if r is None or r.charge_mode != "prePaid" or r.status == "creating":
        return bad_request("The resource id does not exist.", "CBC.99003012")
    if r.status == "released":
        return bad_request(
            "The resource has been deleted; it cannot be unsubscribed.", "CBC.30000067"
        )
    if not rules.is_main(s, r):
        return bad_request("The cloud service must be unsubscribed as a whole.", "CBC.99003185")
    account = s.get(Account, r.customer_id)
    if account is not None and account.is_frozen:
        return bad_request("Frozen: the operation is not allowed.", "CBC.99003656")
    pending = rules.pending_orders(s, r)
    if any(o.status != ORDER_PROCESSING for o in pending):
        return bad_request("The resource is in an order pending payment.", "CBC.99003100")
    if pending:
        return bad_request(
            "A transaction is in progress; it cannot be unsubscribed.", "CBC.99003651"
        )
    now = _now()
    if renewals_only and not any(t.starts_at > now for t in rules.terms(s, r)):
        return bad_request(
            "The resource has no renewal period that has not taken effect.", "CBC.99003128"
        )
    return None


@bp.post("/v2/orders/subscriptions/resources/unsubscribe")
def unsubscribe() -> Response:
    """``cancel_resources_subscription``: ``unsubscribe_type`` 1 the resource with its renewal
    periods, 2 only the renewal periods not started yet. The refund goes to the customer's
    balance; one unsubscribe order per resource (its lines: ``show_refund_order_details``)."""
    data = body()
    ids = _ids(data, 10)
    kind = data.get("unsubscribe_type")
    reason = data.get("unsubscribe_reason_type")
    if kind not in (1, 2):
        raise bad_request("unsubscribe_type must be 1 or 2.")
    if reason is not None and reason not in UNSUBSCRIBE_REASONS:
        raise bad_request("unsubscribe_reason_type must be 1-5.")
    now = _now()
    with sandbox_state().db.session() as s:
        found = []
        for rid in dict.fromkeys(ids):
            r = _mine(s, rid)
            refusal = _unsubscribe_refusal(s, r, kind == 2)
            if refusal is not None or r is None:
                raise refusal or bad_request("No such resource.", "CBC.99003012")
            found.append(r)
        order_ids = []
        for r in found:
            order_id = rules.new_order_id(now)
            rules.unsubscribe(s, r, now, renewals_only=kind == 2, order_id=order_id)
            order_ids.append(order_id)
    return respond({"order_ids": order_ids})


@bp.get("/v2/orders/customer-orders/refund-orders")
def refund_order_details() -> Response:
    """``show_refund_order_details``: the customer itself, or its partner with ``customer_id``."""
    order_id = request.args.get("order_id") or ""
    if not order_id:
        raise bad_request("order_id is required.")
    with sandbox_state().db.session() as s:
        caller = s.get(Account, caller_id())
        customer_id = caller_id()
        if caller is not None and is_partner(caller):
            customer = s.get(Account, request.args.get("customer_id") or "")
            if customer is None or customer.parent_id != caller.domain_id:
                raise ApiError(403, "CBC.0151", "Access denied.")
            customer_id = customer.domain_id
        lines = s.scalars(
            select(rules.RefundLine)
            .where(
                rules.RefundLine.order_id == order_id, rules.RefundLine.customer_id == customer_id
            )
            .order_by(rules.RefundLine.created_at, rules.RefundLine.id)
        ).all()
        infos = []
        for line in lines:
            r = s.get(CloudResource, line.resource_id)
            infos.append(
                {
                    "id": line.id,
                    "amount": line.amount,
                    "measure_id": "1",
                    "customer_id": line.customer_id,
                    "resource_type_code": r.resource_type if r else None,
                    "service_type_code": r.service_type if r else None,
                    "region_code": r.region if r else None,
                    "base_order_id": line.base_order_id,
                }
            )
    return respond({"total_count": len(infos), "refund_infos": infos})


# --------------------------------------------------------------------------- control


@control_bp.post("/resources/<resource_id>/attach")
def attach(resource_id: str) -> Response:
    """``{"parent_resource_id": id}``: make a yearly/monthly resource an attached resource of
    another of the same customer (as an ECS's EVS disks are), expiring with it from now on."""
    parent_id = body().get("parent_resource_id")
    with sandbox_state().db.session() as s:
        child = s.get(CloudResource, resource_id)
        parent = s.get(CloudResource, str(parent_id or ""))
        if child is None or parent is None or child.customer_id != parent.customer_id:
            raise bad_request("Both resources must exist and belong to one customer.")
        if not rules.is_main(s, parent) or child.resource_id == parent.resource_id:
            raise bad_request("The parent must be a primary resource.")
        rules.renewal_of(s, child.resource_id).parent_resource_id = parent.resource_id
        child.expire_at = parent.expire_at
    return respond({"resource_id": resource_id, "parent_resource_id": parent_id})
