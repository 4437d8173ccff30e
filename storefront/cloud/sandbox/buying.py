"""What the sandbox's buying routes share: the clock, the calling partner and its customers,
and creating priced resources (with their order when prepaid).

Wire formats follow the SDK models (``huaweicloudsdkbss`` v2, ``huaweicloudsdkiam`` v3,
``huaweicloudsdkecs``/``evs``/``vpc``/``eip``). Like the provider, ECS and EVS creates are
idempotent on their ``X-Client-Token``; VPC, subnet and EIP creates are not (a retry makes
another one): callers find what an earlier try made through the list APIs (VPC
``description``, EIP ``alias``). A server needs an image that exists in its region and a
subnet of the VPC it names.
"""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from flask import request
from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.cloud.sandbox import prices
from storefront.cloud.sandbox.commerce import (
    CloudOrder,
    CloudResource,
    Project,
)
from storefront.cloud.sandbox.lifecycle import settle_orders, settle_resources
from storefront.cloud.sandbox.models import Account
from storefront.cloud.sandbox.state import caller_id, is_partner, sandbox_state
from storefront.cloud.sandbox.wire import ApiError, bad_request

CENT = Decimal("0.01")
SESSION_USER = re.compile(r"[A-Za-z][A-Za-z0-9_-]{4,63}")  # IAM's session_user.name rule
TIME = "%Y-%m-%dT%H:%M:%SZ"


def sandbox_now() -> datetime:
    return sandbox_state().now().replace(tzinfo=None)


def iso(value: datetime | None) -> str | None:
    return value.strftime(TIME) if value else None


def calling_partner(s: Session) -> Account:
    account = s.get(Account, caller_id())
    if account is None or not is_partner(account):
        raise ApiError(403, "CBC.0151", "Access denied.")
    return account


def own_customer(s: Session, partner: Account, customer_id: str | None) -> Account:
    customer = s.get(Account, customer_id) if customer_id else None
    if customer is None or customer.parent_id != partner.domain_id:
        raise ApiError(400, "CBC.0156", "The customer is not associated with the partner.")
    return customer


def own_project(s: Session, project_id: str) -> Project:
    project = s.get(Project, project_id)
    if project is None or project.domain_id != caller_id():
        raise ApiError(403, "Ecs.0001", "The project does not belong to the caller.")
    return project


def made_with_token(s: Session, customer_id: str, token: str) -> list[CloudResource]:
    return list(
        s.scalars(
            select(CloudResource)
            .where(CloudResource.customer_id == customer_id, CloudResource.client_token == token)
            .order_by(CloudResource.resource_id)
        )
    )


def charging_period(charging: dict[str, Any]) -> tuple[int | None, int | None]:
    kind = str(charging.get("period_type") or "").lower()
    num = charging.get("period_num")
    if kind not in ("month", "year") or not isinstance(num, int) or num < 1:
        raise bad_request("A prepaid resource needs period_type month|year and period_num >= 1.")
    return (2 if kind == "month" else 3), num


def price_of(
    product: prices.Product | None, region: str, size: int, months: Decimal | None
) -> Decimal:
    if product is None or region not in prices.REGIONS:
        raise bad_request("The spec is not sold in this region.")
    factor = prices.REGIONS[region][1]
    unit = prices.unit_price(product, size, monthly=months is not None)
    return unit * factor * (months if months is not None else 1)


def create_resources(
    s: Session,
    project: Project,
    *,
    kind: str,
    service_type: str,
    resource_type: str,
    spec: str,
    size: int | None,
    count: int,
    name: str,
    token: str,
    prepaid: bool,
    charging: dict[str, Any],
) -> tuple[str | None, list[CloudResource]]:
    found = made_with_token(s, project.domain_id, token)
    if found:
        return found[0].order_id, found
    if not 1 <= count <= 100:
        raise bad_request("count must be 1..100.")
    parts = priced_parts(service_type, resource_type, spec, size)
    hourly = sum((price_of(p, project.region, n, None) for p, n in parts), Decimal(0))
    order_id = None
    now = sandbox_now()
    if prepaid:
        period_type, period_num = charging_period(charging)
        months = Decimal(period_num or 1) * (prices.YEAR_IN_MONTHS if period_type == 3 else 1)
        official = count * sum(
            (price_of(p, project.region, n, months) for p, n in parts), Decimal(0)
        )
        # The provider charges the customer's account at the customer's own price.
        customer = s.get(Account, project.domain_id)
        rate = customer.discount_rate if customer else Decimal(1)
        order = CloudOrder(
            order_id="CS" + now.strftime("%y%m%d%H%M") + secrets.token_hex(5).upper(),
            customer_id=project.domain_id,
            service_type=service_type,
            official_amount=official.quantize(CENT),
            amount=(official * rate).quantize(CENT, rounding=ROUND_DOWN),
            period_type=period_type,
            period_num=period_num,
            created_at=now,
        )
        s.add(order)
        order_id = order.order_id
    made = []
    for _ in range(count):
        resource = CloudResource(
            resource_id=str(uuid.uuid4()),
            customer_id=project.domain_id,
            project_id=project.id,
            region=project.region,
            kind=kind,
            service_type=service_type,
            resource_type=resource_type,
            spec=spec,
            size=size,
            name=name or kind,
            status="creating" if prepaid else "active",
            charge_mode="prePaid" if prepaid else "postPaid",
            order_id=order_id,
            client_token=token,
            hourly_official=hourly,
            created_at=now,
            active_at=None if prepaid else now,
        )
        s.add(resource)
        made.append(resource)
    s.flush()
    return order_id, made


def priced_parts(
    service_type: str, resource_type: str, spec: str, size: int | None
) -> list[tuple[prices.Product | None, int]]:
    """What the provider charges for one resource: an EIP is its address plus its bandwidth
    (``5_bgp`` + ``19_bgp`` × Mbit/s), every other resource its own spec."""
    product = prices.find(service_type, resource_type, spec)
    if resource_type != prices.IP:
        return [(product, size or 1)]
    line = spec.split("_", 1)[-1]  # 5_bgp -> bgp
    bandwidth = prices.find(prices.VPC, prices.BANDWIDTH, f"19_{line}")
    return [(product, 1), (bandwidth, size or 1)]


def is_prepaid(mode: Any) -> bool:
    if mode in ("prePaid", "postPaid"):
        return bool(mode == "prePaid")
    raise bad_request("charging_mode must be prePaid or postPaid.")


def listed(s: Session, project: Project, kind: str, *, paged: bool = True) -> list[CloudResource]:
    marker = request.args.get("marker") if paged else None
    limit = int(request.args.get("limit") or 2000) if paged else 2000
    rows = list(
        s.scalars(
            select(CloudResource)
            .where(
                CloudResource.project_id == project.id,
                CloudResource.kind == kind,
                CloudResource.status != "released",
            )
            .order_by(CloudResource.resource_id)
        )
    )
    if marker:
        rows = [r for r in rows if r.resource_id > marker]
    return rows[: max(1, min(limit, 2000))]


def own_vpc(s: Session, project: Project, vpc_id: Any) -> CloudResource:
    vpc = s.get(CloudResource, vpc_id) if isinstance(vpc_id, str) else None
    if vpc is None or vpc.kind != "vpc" or vpc.project_id != project.id:
        raise ApiError(404, "VPC.0202", f"Vpc {vpc_id} could not be found.")
    return vpc


def settle(s: Session, orders: list[CloudOrder]) -> None:
    settle_orders(s, orders, sandbox_now(), sandbox_state().lifecycle)


def bring_to_now(rows: list[CloudResource]) -> None:
    """Bring ``rows`` (and their orders) to the sandbox's now (``lifecycle``)."""
    if not rows:
        return
    s = Session.object_session(rows[0])
    ids = {r.order_id for r in rows if r.order_id}
    if s is not None and ids:
        settle(s, list(s.scalars(select(CloudOrder).where(CloudOrder.order_id.in_(ids)))))
    settle_resources(rows, sandbox_now(), sandbox_state().lifecycle)
