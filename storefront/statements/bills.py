"""The customer's monthly bill, every figure from the ledger (the wallet's postings).

A month runs from its first day 00:00 to the next month's, in UTC (stores have no time zone
setting yet). The opening balance is the sum of the wallet's postings before the month, the
closing one the opening plus the month's postings: so each month opens where the last closed.
Each wallet posting is one line, classified by its journal transaction (kind and reference):
top-up (fundings, credits, remittances), purchase (``order:…``), renewal (``renewal:…``),
usage (``usage:…``, ``arrears:…``), refund, adjustment (a staff take-back, other debits).
Vouchers used are shown beside (a voucher pays the store, not the wallet).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from storefront.accounts.models import Customer
from storefront.billing import ledger
from storefront.billing.models import (
    JournalTransaction,
    Order,
    OrderLine,
    Posting,
    Resource,
    TransactionKind,
    UsageCharge,
    Wallet,
)
from storefront.billing.services import store_currency
from storefront.billing.wallet_models import VoucherRedemption
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.statements.errors import StatementsError

ZERO = Decimal("0.00")
# each kind of line and what the bill calls it (the API gives the kind itself)
KIND_LABELS = {
    "top_up": _l("Top-up"),
    "purchase": _l("Purchase"),
    "renewal": _l("Renewal"),
    "usage": _l("Usage"),
    "refund": _l("Refund"),
    "adjustment": _l("Adjustment"),
}
KINDS = tuple(KIND_LABELS)
# a line's description when its transaction adds nothing (a memo, an order number)
_PLAIN = {**KIND_LABELS, "usage": _l("On-demand usage")}
CHARGE_KINDS = ("purchase", "renewal", "usage", "adjustment")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, slots=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, value: object) -> Month:
        match = MONTH.match(value) if isinstance(value, str) else None
        if match is None or not 2000 <= int(match.group(1)) <= 2999:
            message = _("Give the month as YYYY-MM.")
            raise StatementsError(message, fields={"month": message})
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, moment: datetime) -> Month:
        return cls(moment.year, moment.month)

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return self.next().start

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass(frozen=True, slots=True)
class Line:
    at: datetime
    kind: str
    description: str
    amount: Decimal  # the change to the wallet
    reference: str | None
    order_id: int | None = None
    resource_id: int | None = None


@dataclass(frozen=True, slots=True)
class Consumption:
    resource_id: int | None
    name: str
    product_code: str
    prepaid: Decimal
    usage: Decimal

    @property
    def total(self) -> Decimal:
        return self.prepaid + self.usage


@dataclass
class Bill:
    month: Month
    currency: str
    opening: Decimal
    closing: Decimal
    totals: dict[str, Decimal]
    vouchers_used: Decimal
    lines: list[Line]
    consumption: list[Consumption] = field(default_factory=list)

    @property
    def charges(self) -> Decimal:
        return sum((-self.totals[k] for k in CHARGE_KINDS), ZERO)


def classify(kind: TransactionKind, reference: str | None, amount: Decimal) -> str:
    ref = reference or ""
    if kind is TransactionKind.REFUND:
        return "refund"
    if kind is TransactionKind.DEBIT:
        if ref.startswith("order:"):
            return "purchase"
        if ref.startswith("renewal:"):
            return "renewal"
        if ref.startswith(("usage:", "arrears:")):
            return "usage"
        return "adjustment"
    return "top_up" if amount > 0 else "adjustment"


def _order_id(reference: str | None) -> int | None:
    if reference and reference.startswith("order:") and reference[6:].isdigit():
        return int(reference[6:])
    return None


def _wallet_account(customer: Customer) -> int | None:
    return db.session.scalar(select(Wallet.account_id).where(Wallet.customer_id == customer.id))


def balance_before(account_id: int, moment: datetime) -> Decimal:
    amounts = db.session.scalars(
        select(Posting.amount)
        .join(JournalTransaction, JournalTransaction.id == Posting.transaction_id)
        .where(Posting.account_id == account_id, JournalTransaction.created_at < moment)
    ).all()
    return ledger.quantize(sum(amounts, ZERO))


def kind_labels() -> dict[str, str]:
    """Each kind of line as the bill names it, in the current language: translated once for a
    whole bill (a month of hourly usage charges is ~750 lines)."""
    return {kind: str(label) for kind, label in KIND_LABELS.items()}


def _description(kind: str, txn: JournalTransaction, plain: dict[str, str]) -> str:
    order_id = _order_id(txn.reference)
    if kind == "purchase" and order_id is not None:
        return _("Order #%(id)s", id=order_id)
    memo = (txn.memo or "").strip()
    return f"{plain[kind]}: {memo}" if memo and kind in ("top_up", "adjustment") else plain[kind]


def month_lines(account_id: int, month: Month) -> list[Line]:
    rows = db.session.execute(
        select(Posting.amount, JournalTransaction)
        .join(JournalTransaction, JournalTransaction.id == Posting.transaction_id)
        .where(
            Posting.account_id == account_id,
            JournalTransaction.created_at >= month.start,
            JournalTransaction.created_at < month.end,
        )
        .order_by(JournalTransaction.created_at, Posting.id)
    ).all()
    plain = {kind: str(label) for kind, label in _PLAIN.items()}
    lines = []
    for amount, txn in rows:
        kind = classify(txn.kind, txn.reference, amount)
        lines.append(
            Line(
                at=txn.created_at,
                kind=kind,
                description=_description(kind, txn, plain),
                amount=ledger.quantize(amount),
                reference=txn.reference,
                order_id=_order_id(txn.reference),
            )
        )
    return lines


def _vouchers_used(customer: Customer, month: Month) -> Decimal:
    total = db.session.scalar(
        select(func.coalesce(func.sum(VoucherRedemption.amount), 0))
        .join(JournalTransaction, JournalTransaction.id == VoucherRedemption.transaction_id)
        .where(
            VoucherRedemption.customer_id == customer.id,
            JournalTransaction.created_at >= month.start,
            JournalTransaction.created_at < month.end,
        )
    )
    return ledger.quantize(Decimal(str(total or 0)))


def bill_for(customer: Customer, month: Month) -> Bill:
    """The customer's bill for ``month`` (a month after the current one is refused)."""
    if month.start > utcnow():
        message = _("That month has not begun yet.")
        raise StatementsError(message, fields={"month": message})
    currency = store_currency(customer.store_id)
    account_id = _wallet_account(customer)
    totals = dict.fromkeys(KINDS, ZERO)
    if account_id is None:
        return Bill(month, currency, ZERO, ZERO, totals, _vouchers_used(customer, month), [])
    opening = balance_before(account_id, month.start)
    lines = month_lines(account_id, month)
    for line in lines:
        totals[line.kind] += line.amount
    closing = ledger.quantize(opening + sum((line.amount for line in lines), ZERO))
    bill = Bill(month, currency, opening, closing, totals, _vouchers_used(customer, month), lines)
    bill.consumption = consumption(customer, month, lines)
    return bill


def consumption(customer: Customer, month: Month, lines: list[Line]) -> list[Consumption]:
    """Per resource: the month's prepaid share (orders paid in the month, net of refunds, split
    over the order's lines by amount and over each line's resources equally) and its on-demand
    usage the wallet paid."""
    prepaid: dict[tuple[int | None, str, str], Decimal] = {}
    paid_by_order: dict[int, Decimal] = {}
    for line in lines:
        if line.order_id is not None and line.kind in ("purchase", "refund"):
            paid_by_order[line.order_id] = paid_by_order.get(line.order_id, ZERO) - line.amount
    for order_id, paid in paid_by_order.items():
        _split_order(order_id, paid, prepaid)
    usage_rows = db.session.execute(
        select(UsageCharge.resource_id, UsageCharge.charged).where(
            UsageCharge.customer_id == customer.id,
            UsageCharge.charged > 0,
            UsageCharge.consumed_at >= month.start,
            UsageCharge.consumed_at < month.end,
        )
    ).all()
    usage: dict[int, Decimal] = {}
    for rid, charged in usage_rows:
        usage[rid] = usage.get(rid, ZERO) + charged
    resources = {
        r.id: r
        for r in db.session.scalars(
            select(Resource).where(
                Resource.customer_id == customer.id,
                Resource.id.in_({k[0] for k in prepaid if k[0]} | set(usage)),
            )
        )
    }
    found: list[Consumption] = []
    for (prepaid_rid, name, product), amount in prepaid.items():
        used = usage.pop(prepaid_rid, ZERO) if prepaid_rid else ZERO
        found.append(Consumption(prepaid_rid, name, product, amount, used))
    for usage_rid, amount in usage.items():
        r = resources.get(usage_rid)
        found.append(
            Consumption(usage_rid, _resource_name(r), r.product_code if r else "", ZERO, amount)
        )
    return sorted(found, key=lambda c: (-c.total, c.name))


def _resource_name(resource: Resource | None) -> str:
    if resource is None:
        return "?"
    return resource.name or resource.provider_resource_id


def _split_order(
    order_id: int, paid: Decimal, into: dict[tuple[int | None, str, str], Decimal]
) -> None:
    order = db.session.get(Order, order_id)
    if order is None or paid == 0:
        return
    lines: list[OrderLine] = list(order.lines)
    weight = sum((ln.amount for ln in lines), ZERO)
    shares: list[tuple[tuple[int | None, str, str], Decimal]] = []
    for ln in lines:
        share = paid * ln.amount / weight if weight else paid / len(lines)
        resources = db.session.scalars(
            select(Resource).where(Resource.order_line_id == ln.id).order_by(Resource.id)
        ).all()
        if not resources:
            shares.append(((None, f"{ln.product_code} {ln.spec_code}", ln.product_code), share))
            continue
        for r in resources:
            shares.append(((r.id, _resource_name(r), r.product_code), share / len(resources)))
    rounded = [(key, ledger.quantize(value)) for key, value in shares]
    if rounded:  # the rounding remainder goes to the last share, so shares sum to ``paid``
        key, value = rounded[-1]
        rounded[-1] = (key, value + paid - sum((v for _k, v in rounded), ZERO))
    for key, value in rounded:
        into[key] = into.get(key, ZERO) + value


def bill_json(bill: Bill) -> dict[str, Any]:
    fmt = ledger.format_amount
    return {
        "month": str(bill.month),
        "currency": bill.currency,
        "timezone": "UTC",
        "opening_balance": fmt(bill.opening),
        "closing_balance": fmt(bill.closing),
        "top_ups": fmt(bill.totals["top_up"]),
        "charges": fmt(bill.charges),
        "refunds": fmt(bill.totals["refund"]),
        "purchases": fmt(-bill.totals["purchase"]),
        "renewals": fmt(-bill.totals["renewal"]),
        "usage_charges": fmt(-bill.totals["usage"]),
        "adjustments": fmt(-bill.totals["adjustment"]),
        "vouchers_used": fmt(bill.vouchers_used),
        "lines": [
            {
                "date": line.at.isoformat(),
                "kind": line.kind,
                "description": line.description,
                "amount": fmt(line.amount),
                **({"order_id": line.order_id} if line.order_id is not None else {}),
                **({"resource_id": line.resource_id} if line.resource_id is not None else {}),
            }
            for line in bill.lines
        ],
        "resources": [
            {
                "resource_id": c.resource_id,
                "name": c.name,
                "product": c.product_code,
                "prepaid": fmt(c.prepaid),
                "usage": fmt(c.usage),
                "total": fmt(c.total),
            }
            for c in bill.consumption
        ],
    }
