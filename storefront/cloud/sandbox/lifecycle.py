"""The documented life of orders and yearly/monthly resources, driven by the sandbox clock.

Orders (``CustomerOrderV2.status``): 6 pending payment -> (``pay_orders``) 3 processing ->
5 completed after ``order_processing_s``; an order still unpaid ``unpaid_order_cancel_s`` after
it was placed is 4 cancelled (its resources are never made).

Yearly/monthly resources (``OrderInstanceV2.status``, the partner center's "grace period and
retention period" page, support.huaweicloud.com/usermanual-period/zh-cn_topic_0086671074.html):
2 in use until ``expire_time``; then 5 expired for the grace period (still usable); then
4 frozen for the retention period (unusable, data kept); then 3 closed (released). The periods
depend on the customer level; the defaults are the V0/V1 row of the China site's table (grace 1
day, retention 1 day), which is every new sub-customer's level.

On-demand resources are not charged against the customer's balance in the sandbox (their usage
is reported by ``list_sub_customer_bill_detail``), so they never fall into arrears on their own:
they stay 1 normal until released (6 closed); ``POST /_sandbox/resources/<id>/status`` and the
customer freeze call put them in grace (2) or frozen (3).

Every listing, detail and pay call brings the rows it reads up to the sandbox's ``now()`` first
(``settle_orders`` / ``settle_resources``), so moving ``POST /_sandbox/clock`` moves them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.cloud.sandbox.commerce import (
    ORDER_CANCELLED,
    ORDER_COMPLETED,
    ORDER_PROCESSING,
    ORDER_UNPAID,
    CloudOrder,
    CloudResource,
)
from storefront.cloud.sandbox.renewals import (
    apply_expiry_policies,
    apply_renewal,
    renewal_orders,
)

DAY_S = 86400.0
# Yearly/monthly grace and retention days per customer level (China site, table 1 of the page
# above); on-demand resources: grace 0, retention 1 for V0-V2 (not modelled, see above).
PREPAID_PERIODS_DAYS = {
    "V5": (7, 15),
    "V4": (7, 7),
    "V3": (7, 7),
    "V2": (1, 7),
    "V1": (1, 1),
    "V0": (1, 1),
}


@dataclass(slots=True)
class Lifecycle:
    """Sandbox settings (``create_sandbox_app(lifecycle=...)``, ``POST /_sandbox/lifecycle``)."""

    order_processing_s: float = 0.0  # processing (3) -> completed (5)
    unpaid_order_cancel_s: float = 7 * DAY_S  # pending payment (6) -> cancelled (4)
    prepaid_grace_s: float = PREPAID_PERIODS_DAYS["V0"][0] * DAY_S  # expired (5) -> frozen (4)
    prepaid_retention_s: float = PREPAID_PERIODS_DAYS["V0"][1] * DAY_S  # frozen -> closed (3)

    def as_dict(self) -> dict[str, float]:
        return asdict(self)

    def update(self, changes: dict[str, Any]) -> None:
        for name, value in changes.items():
            if name not in self.as_dict():
                raise ValueError(f"unknown lifecycle setting {name!r}")
            number = float(value)
            if number < 0:
                raise ValueError(f"{name} must not be negative")
            setattr(self, name, number)


def _months(order: CloudOrder) -> int:
    return (order.period_num or 1) * (12 if order.period_type == 3 else 1)


def settle_orders(s: Session, orders: list[CloudOrder], now: datetime, life: Lifecycle) -> None:
    """Move each order (and its resources) along as far as ``now`` allows."""
    for order in orders:
        if order.status == ORDER_UNPAID and now >= order.created_at + timedelta(
            seconds=life.unpaid_order_cancel_s
        ):
            order.status = ORDER_CANCELLED
            for r in _resources(s, order):
                r.status, r.released_at = "released", now
        if order.status == ORDER_PROCESSING and order.paid_at is not None:
            done = order.paid_at + timedelta(seconds=life.order_processing_s)
            if now >= done:
                order.status = ORDER_COMPLETED
                apply_renewal(s, order)  # a renewal order: its resource lives one term longer
                for r in _resources(s, order):
                    if r.status == "creating":
                        r.status, r.active_at = "active", done
                        r.expire_at = done + timedelta(days=30 * _months(order))


def _resources(s: Session, order: CloudOrder) -> list[CloudResource]:
    return list(s.scalars(select(CloudResource).where(CloudResource.order_id == order.order_id)))


# How far along its life each lifecycle word is: the clock only ever moves a resource forward.
_STAGE = {"creating": 0, "active": 1, "stopped": 1, "expired": 2, "frozen": 3, "released": 4}


def prepaid_stage(r: CloudResource, now: datetime, life: Lifecycle) -> tuple[str, datetime] | None:
    """The word a yearly/monthly resource has reached by ``now``, and since when."""
    if r.charge_mode != "prePaid" or r.expire_at is None or now < r.expire_at:
        return None
    frozen_at = r.expire_at + timedelta(seconds=life.prepaid_grace_s)
    closed_at = frozen_at + timedelta(seconds=life.prepaid_retention_s)
    if now >= closed_at:
        return "released", closed_at
    if now >= frozen_at:
        return "frozen", frozen_at
    return "expired", r.expire_at


def settle_resources(rows: list[CloudResource], now: datetime, life: Lifecycle) -> None:
    s = Session.object_session(rows[0]) if rows else None
    if s is not None:  # renewals, auto-renew and pay-per-use at expiry first (renewals.py)
        settle_orders(s, renewal_orders(s, rows), now, life)
        apply_expiry_policies(s, rows, now)
    for r in rows:
        reached = prepaid_stage(r, now, life)
        if reached is None or r.status == "creating":
            continue
        word, since = reached
        if _STAGE[word] > _STAGE.get(r.status, 0):
            r.status = word
            if word == "released":
                r.released_at = since
