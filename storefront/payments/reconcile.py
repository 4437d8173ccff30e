"""The daily reconciliation: a gateway's bill of one day against the top-ups.

Every difference becomes a :class:`BillDifference` row (once: re-running a day adds nothing
new) for staff on *Payment differences*:

- ``missing_topup``: the bill has a payment we have no top-up for;
- ``not_credited``: the bill has a payment whose top-up is not paid (no wallet credit);
- ``amount_mismatch``: the bill's amount is not the top-up's;
- ``missing_in_bill``: a top-up paid through the gateway that day is not in its bill;
- ``refund_mismatch``: a refund in the bill we did not make, or of another amount.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, select

from storefront.billing.models import Topup, TopupStatus
from storefront.extensions import db
from storefront.payments import adapters
from storefront.payments.models import BillDifference, TopupRefund
from storefront.stores.models import Store
from storefront.stores.tenancy import across_stores

CHINA = timezone(timedelta(hours=8))


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=CHINA).astimezone(UTC)
    return start, start + timedelta(days=1)


def reconcile(method: str, day: date) -> list[BillDifference]:
    """Download ``method``'s bill for ``day`` (China time) and flag the differences. Flushes."""
    adapter = adapters.adapter(method)
    if adapter is None:
        return []
    rows = adapter.bill(day)
    paid = {r.reference: r for r in rows if r.kind == "payment"}
    refunds = [r for r in rows if r.kind == "refund"]
    topups = {
        t.reference: t
        for t in db.session.scalars(
            across_stores(select(Topup).where(
                Topup.gateway == method,
                Topup.reference.in_(set(paid) | {r.reference for r in refunds}),
            ))
        )
    }  # fmt: skip
    found: list[tuple[str, str, int | None, Decimal | None, Decimal | None]] = []
    for reference, row in paid.items():
        ours = topups.get(reference)
        if ours is None:
            found.append((reference, "missing_topup", None, None, row.amount))
        elif ours.status is not TopupStatus.PAID:
            found.append((reference, "not_credited", ours.store_id, ours.amount, row.amount))
        elif ours.amount != row.amount:
            found.append((reference, "amount_mismatch", ours.store_id, ours.amount, row.amount))
    start, end = _day_bounds(day)
    for ours in db.session.scalars(across_stores(select(Topup).where(
        Topup.gateway == method, Topup.status == TopupStatus.PAID,
        Topup.paid_at >= start, Topup.paid_at < end,
    ))):  # fmt: skip
        if ours.reference not in paid:
            found.append((ours.reference, "missing_in_bill", ours.store_id, ours.amount, None))
    for row in refunds:
        made = db.session.scalar(
            across_stores(select(func.sum(TopupRefund.amount)).where(
                TopupRefund.refund_no == row.refund_no
            ))
        )  # fmt: skip
        if made is None or made != row.amount:
            owner = topups.get(row.reference)
            found.append(
                (
                    row.reference,
                    "refund_mismatch",
                    owner.store_id if owner else None,
                    made,
                    row.amount,
                )
            )
    return [_flag(method, day, *item) for item in found]


def _flag(
    method: str,
    day: date,
    reference: str,
    kind: str,
    store_id: int | None,
    ours: Decimal | None,
    theirs: Decimal | None,
) -> BillDifference:
    existing = db.session.scalar(across_stores(select(BillDifference).where(
        BillDifference.method == method, BillDifference.bill_date == day,
        BillDifference.reference == reference, BillDifference.kind == kind,
    )))  # fmt: skip
    if existing is not None:
        return existing
    if store_id is None:  # a payment we cannot place: the platform's first store sees it
        store_id = db.session.scalar(select(func.min(Store.id)))
    row = BillDifference(
        store_id=store_id, method=method, bill_date=day, reference=reference[:64], kind=kind,
        ours=ours, theirs=theirs,
    )  # fmt: skip
    db.session.add(row)
    db.session.flush()
    return row
