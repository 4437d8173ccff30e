"""The staff's monthly sales report per store: revenue, the provider's cost and the margin of
the orders sold (paid and not refunded: paid, provisioning, active), by product, by region and
by customer, plus the daily series the dashboard's chart draws.

Revenue is the order's price (``total``; a voucher's discount is the store's cost of selling,
shown beside), cost the partner's cost at the provider (``cost_total``, per line
``cost_amount``). On-demand usage is billed hourly without a provider cost per record, so it is
reported as its own revenue figure, not in the margin. The month is by the order's payment time
(UTC)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from storefront.accounts.models import Customer
from storefront.billing import ledger
from storefront.billing.models import Order, OrderLine, OrderStatus, UsageCharge
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.statements.bills import Month

SOLD = (OrderStatus.PAID, OrderStatus.PROVISIONING, OrderStatus.ACTIVE)
ZERO = Decimal("0.00")


@dataclass
class Row:
    key: str
    label: str
    revenue: Decimal = ZERO
    cost: Decimal = ZERO
    orders: int = 0

    @property
    def margin(self) -> Decimal:
        return self.revenue - self.cost


@dataclass
class Report:
    month: Month
    total: Row
    discounts: Decimal
    usage_revenue: Decimal
    by_product: list[Row] = field(default_factory=list)
    by_region: list[Row] = field(default_factory=list)
    by_customer: list[Row] = field(default_factory=list)


def _paid_at() -> Any:
    return func.coalesce(Order.paid_at, Order.created_at)


def _add(
    rows: dict[str, Row], key: str, label: str, revenue: Decimal, cost: Decimal, order: bool
) -> None:
    row = rows.setdefault(key, Row(key, label))
    row.revenue += revenue
    row.cost += cost
    row.orders += int(order)


def monthly(month: Month) -> Report:
    """The report of ``month`` for the request's store (the tenant filter applies)."""
    orders = db.session.execute(
        select(Order, Customer.name, Customer.email)
        .join(Customer, Customer.id == Order.customer_id)
        .where(Order.status.in_(SOLD), _paid_at() >= month.start, _paid_at() < month.end)
        .order_by(Order.id)
    ).all()
    total = Row("total", "")
    discounts = ZERO
    products: dict[str, Row] = {}
    regions: dict[str, Row] = {}
    customers: dict[str, Row] = {}
    for order, name, email in orders:
        _add(regions, order.region_code, order.region_code, order.total, order.cost_total, True)
        _add(
            customers,
            str(order.customer_id),
            f"{name} <{email}>",
            order.total,
            order.cost_total,
            True,
        )
        _add({"t": total}, "t", "", order.total, order.cost_total, True)
        discounts += order.discount
        lines: list[OrderLine] = list(order.lines)
        for ln in lines:
            _add(products, ln.product_code, ln.product_code, ln.amount, ln.cost_amount, False)
        for code in {ln.product_code for ln in lines}:
            products[code].orders += 1
    usage = db.session.scalar(
        select(func.coalesce(func.sum(UsageCharge.amount), 0)).where(
            UsageCharge.consumed_at >= month.start, UsageCharge.consumed_at < month.end
        )
    )

    def ordered(rows: dict[str, Row]) -> list[Row]:
        return sorted(rows.values(), key=lambda r: (-r.revenue, r.key))

    return Report(
        month=month,
        total=total,
        discounts=discounts,
        usage_revenue=ledger.quantize(Decimal(str(usage or 0))),
        by_product=ordered(products),
        by_region=ordered(regions),
        by_customer=ordered(customers),
    )


def csv_rows(report: Report) -> list[list[str]]:
    """``dimension, key, label, orders, revenue, cost, margin`` rows, the total first."""
    fmt = ledger.format_amount
    rows = [
        [
            "total",
            "",
            "",
            str(report.total.orders),
            fmt(report.total.revenue),
            fmt(report.total.cost),
            fmt(report.total.margin),
        ]
    ]
    for dimension, found in (
        ("product", report.by_product),
        ("region", report.by_region),
        ("customer", report.by_customer),
    ):
        rows += [
            [dimension, r.key, r.label, str(r.orders), fmt(r.revenue), fmt(r.cost), fmt(r.margin)]
            for r in found
        ]
    rows.append(["discounts", "", "", "", fmt(report.discounts), "", ""])
    rows.append(["usage", "", "", "", fmt(report.usage_revenue), "", ""])
    return rows


def _day(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    return str(value)[:10]


def daily_series(days: int = 30, now: datetime | None = None) -> list[dict[str, Any]]:
    """Per day (oldest first, days without sales left out) the report's revenue (``sales``) and
    margin, for the dashboard's chart."""
    since = (now or utcnow()) - timedelta(days=days)
    day = func.date(_paid_at())
    rows = db.session.execute(
        select(
            day.label("day"),
            func.sum(Order.total).label("sales"),
            func.sum(Order.total - Order.cost_total).label("margin"),
        )
        .where(Order.status.in_(SOLD), _paid_at() >= since)
        .group_by(day)
        .order_by(day)
    ).all()
    return [
        {
            "date": _day(row.day),
            "sales": ledger.quantize(Decimal(str(row.sales or 0))),
            "margin": ledger.quantize(Decimal(str(row.margin or 0))),
        }
        for row in rows
    ]
