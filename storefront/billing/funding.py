"""Staff funding with limits staff cannot exceed, and dual control above the store's threshold.

A staff member adding funds to a customer's wallet (``funds.manage``) is bound by the store's
billing settings, which only the owner changes:

- ``fund_limit_per_operation``: one funding above it is refused (``amount_over_limit``);
- ``fund_limit_per_day``: what one staff member funds per UTC day (approved and waiting
  fundings they made) may not go over it (``daily_limit_reached``);
- ``second_approval_threshold`` (the same dual-control threshold as remittance claims): a
  funding above it waits for a second, different staff member's approval before any money
  moves (``pending_approval``), exactly as :func:`storefront.billing.remittance.approve_claim`.

Taking funds back (a negative amount) is bounded by the balance and not by these limits.
Every funding, refusal, approval and rejection is in the audit trail. The store's settings row
is locked while a funding is checked and recorded, so two concurrent fundings by one staff
member cannot both fit under the day's limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from storefront.accounts.models import Customer, Staff
from storefront.accounts.permissions import require_permission
from storefront.backoffice import audit
from storefront.billing import ledger, services
from storefront.billing.errors import (
    AmountOverLimit,
    DailyLimitReached,
    FundingAlreadyDecided,
    FundingLimitError,
    SameApprover,
    WrongStore,
)
from storefront.billing.funding_models import FundingStatus, StaffFunding
from storefront.billing.idempotency import run_once
from storefront.billing.models import AccountKind, BillingSettings, TransactionKind
from storefront.billing.remittance import billing_settings
from storefront.clock import utcnow
from storefront.extensions import db

COUNTED = (FundingStatus.PENDING, FundingStatus.APPROVED)


def _audit(staff: Staff, action: str, customer: Customer | None, **details: Any) -> None:
    audit.record(staff, action, customer, {k: str(v) for k, v in details.items()})


def used_today(staff: Staff, now: datetime | None = None) -> Decimal:
    """What ``staff`` funded today (UTC), approved or still waiting for approval."""
    start = datetime.combine((now or utcnow()).date(), time.min, tzinfo=UTC)
    total = db.session.scalar(
        select(func.coalesce(func.sum(StaffFunding.amount), 0)).where(
            StaffFunding.requested_by_id == staff.id,
            StaffFunding.created_at >= start,
            StaffFunding.status.in_(COUNTED),
        )
    )
    return ledger.quantize(Decimal(str(total or 0)))


def _check_limits(settings: BillingSettings, staff: Staff, value: Decimal) -> None:
    if value > settings.fund_limit_per_operation:
        raise AmountOverLimit(
            _("The amount is over the store's limit for one funding."),
            settings.fund_limit_per_operation,
        )
    used = used_today(staff)
    if used + value > settings.fund_limit_per_day:
        raise DailyLimitReached(
            _("This funding would take you over the store's daily funding limit."),
            settings.fund_limit_per_day,
            used,
        )


def _check_room(customer: Customer, value: Decimal) -> None:
    """The wallet's balance must stay within what a ``Numeric(18, 2)`` column holds."""
    if services.balance(customer) + value > ledger.MAX_AMOUNT:
        raise AmountOverLimit(
            _("The balance would be larger than a wallet can hold."), ledger.MAX_AMOUNT
        )


def fund_customer(
    customer: Customer,
    amount: Any,
    note: str,
    staff: Staff,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """Fund a customer within the limits (or take funds back), once per idempotency key.

    The money moves through :func:`~storefront.billing.idempotency.run_once`, which commits the
    funding with its recorded result. A refusal by the limits is audited (``funds.refused``) and
    left flushed: the caller commits it after catching the error, so the trail keeps it.

    Returns ``{"status": "done", "balance", "currency", "transaction_id"}`` when the money
    moved, ``{"status": "pending_approval", "id", "amount", "currency"}`` when the funding
    waits for a second approver. Raises :class:`AmountOverLimit`, :class:`DailyLimitReached`
    (both audited as ``funds.refused``), ``InvalidAmount``, ``InsufficientBalance``, …
    """
    value = ledger.parse_amount(amount, allow_negative=True)
    if value < 0:
        return {"status": "done", **services.fund(customer, value, note, staff, idempotency_key)}
    if staff.store_id != customer.store_id or not staff.is_active:
        raise WrongStore(_("No such customer."))
    require_permission(staff, "funds.manage")
    note = (note or "").strip()[:500]
    payload = {"customer_id": customer.id, "amount": str(value), "note": note}

    def action() -> dict[str, Any]:
        settings = billing_settings(customer.store_id)
        locked = ledger.lock_row(BillingSettings, settings.id, "grace_days", customer.store_id)
        assert locked is not None
        _check_room(customer, value)
        _check_limits(locked, staff, value)
        threshold = locked.second_approval_threshold
        record = StaffFunding(
            store_id=customer.store_id,
            customer_id=customer.id,
            amount=value,
            currency=services.store_currency(customer.store_id),
            note=note,
            requested_by_id=staff.id,
            created_at=utcnow(),
        )
        db.session.add(record)
        if threshold is not None and value > threshold:
            record.status = FundingStatus.PENDING
            db.session.flush()
            _audit(staff, "funds.request", customer, funding=record.id, amount=value)
            return {
                "status": "pending_approval",
                "id": record.id,
                "amount": ledger.format_amount(value),
                "currency": record.currency,
            }
        txn = _credit(customer, record, staff)
        _audit(staff, "funds.add", customer, funding=record.id, amount=value)
        balance = services.balance(customer)
        return {
            "status": "done",
            "balance": ledger.format_amount(balance),
            "currency": record.currency,
            "transaction_id": txn,
        }

    try:
        return run_once(customer.store_id, services.FUND_SCOPE, idempotency_key, payload, action)
    except FundingLimitError as exc:
        _audit(staff, "funds.refused", customer, amount=value, reason=exc.code, limit=exc.limit)
        db.session.flush()
        raise


def _credit(customer: Customer, record: StaffFunding, staff: Staff) -> int:
    txn = services.credit(
        customer,
        record.amount,
        record.note,
        source=AccountKind.BANK_CLEARING,
        staff=staff,
        kind=TransactionKind.FUND,
    )
    record.status, record.transaction_id = FundingStatus.APPROVED, txn.id
    record.approved_by_id = staff.id if staff.id != record.requested_by_id else None
    record.decided_at = utcnow()
    return txn.id


def _locked_funding(funding_id: int, staff: Staff) -> StaffFunding:
    if not staff.is_active:
        raise WrongStore(_("No such funding."))
    record = ledger.lock_row(StaffFunding, funding_id, "status", staff.store_id)
    if record is None or record.store_id != staff.store_id:
        raise WrongStore(_("No such funding."))
    require_permission(staff, "funds.manage")
    if record.status is not FundingStatus.PENDING:
        raise FundingAlreadyDecided(
            _("This funding is already %(status)s.", status=record.status.value)
        )
    return record


def approve_funding(funding_id: int, staff: Staff) -> StaffFunding:
    """The second, different staff member approves a waiting funding: the wallet is credited
    once (the funding row stays locked until the caller commits). Flushes."""
    record = _locked_funding(funding_id, staff)
    if staff.id == record.requested_by_id:
        raise SameApprover(_("A second, different staff member must approve this funding."))
    customer = db.session.get(Customer, record.customer_id)
    assert customer is not None
    _check_room(customer, record.amount)
    _credit(customer, record, staff)
    _audit(staff, "funds.approve", customer, funding=record.id, amount=record.amount)
    db.session.flush()
    return record


def reject_funding(funding_id: int, staff: Staff, reason: str) -> StaffFunding:
    """Reject (or, for its requester, withdraw) a waiting funding; no money moves. Flushes."""
    record = _locked_funding(funding_id, staff)
    record.status = FundingStatus.REJECTED
    record.rejected_by_id = staff.id
    record.reject_reason = (reason or "").strip()[:500] or None
    record.decided_at = utcnow()
    customer = db.session.get(Customer, record.customer_id)
    _audit(staff, "funds.reject", customer, funding=record.id, amount=record.amount)
    db.session.flush()
    return record


def pending_fundings(customer: Customer | None = None) -> Sequence[StaffFunding]:
    """Fundings waiting for a second approver in the request's store (of one customer)."""
    query = select(StaffFunding).where(StaffFunding.status == FundingStatus.PENDING)
    if customer is not None:
        query = query.where(StaffFunding.customer_id == customer.id)
    return db.session.scalars(query.order_by(StaffFunding.id).limit(200)).all()


def staff_names(records: Sequence[StaffFunding]) -> dict[int, str]:
    """The requesters' names, for the approval list (one query)."""
    ids = {r.requested_by_id for r in records}
    if not ids:
        return {}
    rows = db.session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids))).all()
    return {row.id: row.name for row in rows}


def update_limits(staff: Staff, per_operation: Any, per_day: Any) -> BillingSettings:
    """The owner sets the store's staff funding limits. Does not commit."""
    require_permission(staff, "funds.limits")  # the owner's alone
    operation = ledger.parse_amount(per_operation)
    day = ledger.parse_amount(per_day)
    settings = billing_settings(staff.store_id)
    settings.fund_limit_per_operation, settings.fund_limit_per_day = operation, day
    _audit(staff, "funds.limits", None, per_operation=operation, per_day=day)
    return settings


def funding_json(record: StaffFunding) -> dict[str, Any]:
    return {
        "id": record.id,
        "customer_id": record.customer_id,
        "amount": ledger.format_amount(record.amount),
        "currency": record.currency,
        "note": record.note,
        "status": record.status.value,
        "requested_by": record.requested_by_id,
        "approved_by": record.approved_by_id,
        "rejected_by": record.rejected_by_id,
        "created_at": record.created_at.isoformat(),
    }
