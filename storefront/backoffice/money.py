"""What the back office shows about money: a thin read-only adapter over the billing area.

Balances, orders and wallet lines come from billing's services; the dashboard's figures
(claims waiting for a decision, low balances, sales and margin per day) are queried here from
billing's models. Everything runs inside the request's store (the tenant filter applies).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select

from storefront.accounts.models import Customer
from storefront.billing import ledger
from storefront.billing import orders as billing_orders
from storefront.billing import services as billing
from storefront.billing.models import ClaimStatus, OrderStatus, RemittanceClaim, Wallet
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.statements import sales

LOW_BALANCE = Decimal("10.00")
OPEN_CLAIMS = (ClaimStatus.PENDING, ClaimStatus.AWAITING_SECOND_APPROVAL)
# orders whose money the store has taken and kept (not pending, failed or refunded)
SOLD = (OrderStatus.PAID, OrderStatus.PROVISIONING, OrderStatus.ACTIVE)


def balance(customer: Customer) -> Decimal:
    return billing.balance(customer)


def orders_count(customer: Customer) -> int:
    return billing_orders.count_orders(customer)


def recent_orders(customer: Customer, limit: int = 10) -> list[dict[str, Any]]:
    rows, _ = billing_orders.customer_orders(customer, limit=limit)
    return [
        {
            "id": o.id,
            "status": o.status.value,
            "total": ledger.format_amount(o.total),
            "currency": o.currency,
            "created_at": o.created_at,
        }
        for o in rows
    ]


def wallet_entries(customer: Customer, limit: int = 10) -> list[dict[str, Any]]:
    lines, _ = billing.ledger_lines(customer, limit=limit)
    return [
        {
            "created_at": line["created_at"],
            "amount": line["amount"],
            "balance": line["balance_after"],
            "note": line["memo"],
        }
        for line in lines
    ]


def has_balance(positive: bool) -> ColumnElement[bool]:
    """A WHERE clause on ``Customer``: a wallet with a balance above zero (or not)."""
    funded = exists().where(Wallet.customer_id == Customer.id, Wallet.balance > 0)
    return funded if positive else ~funded


def claims_pending() -> int:
    return (
        db.session.scalar(
            select(func.count(RemittanceClaim.id)).where(RemittanceClaim.status.in_(OPEN_CLAIMS))
        )
        or 0
    )


def low_balances(limit: int = 10, below: Decimal = LOW_BALANCE) -> list[tuple[Customer, Decimal]]:
    """Customers with a wallet under ``below``, lowest first."""
    rows = db.session.execute(
        select(Customer, Wallet.balance)
        .join(Wallet, Wallet.customer_id == Customer.id)
        .where(Wallet.balance < below)
        .order_by(Wallet.balance, Customer.id)
        .limit(limit)
    ).all()
    return [(c, ledger.quantize(Decimal(amount))) for c, amount in rows]


def _day(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    return str(value)[:10]


def sales_series(days: int = 30, now: datetime | None = None) -> list[dict[str, Any]]:
    """Per day (oldest first, days without sales left out): the sales report's revenue
    (``sales``) and margin of sold orders (``statements.sales``, the monthly report's source)."""
    return sales.daily_series(days, now)


def chart_data(
    series: list[dict[str, Any]], days: int = 30, now: datetime | None = None
) -> dict[str, Any]:
    """The dashboard chart's data: every day of the window on the x axis (a day without sales
    is a zero, not a gap), amounts as strings, and a y range from zero to a round number just
    above the highest value (so one sale does not fill the whole height)."""
    today = (now or utcnow()).date()
    by_day = {row["date"]: row for row in series}
    labels = [(today - timedelta(days=n)).strftime("%Y-%m-%d") for n in range(days - 1, -1, -1)]
    zero = Decimal("0.00")
    sales = [by_day[d]["sales"] if d in by_day else zero for d in labels]
    margin = [by_day[d]["margin"] if d in by_day else zero for d in labels]
    return {
        "labels": labels,
        "sales": [str(v) for v in sales],
        "margin": [str(v) for v in margin],
        "y_min": str(min([zero, *margin])),
        "y_max": str(nice_ceiling(max([zero, *sales, *margin]))),
    }


def nice_ceiling(value: Decimal) -> Decimal:
    """The next "round" number at or above ``value`` × 1.1: 1, 2, 2.5 or 5 times a power of ten
    (at least 10)."""
    target = max(value * Decimal("1.1"), Decimal(10))
    power = Decimal(10) ** (len(str(int(target))) - 1)
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if power * step >= target:
            return (power * step).quantize(Decimal(1))
    return (power * 10).quantize(Decimal(1))
