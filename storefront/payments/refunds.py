"""Refunding a top-up to the payment method it came from (staff with ``refunds.manage``).

Within ``STOREFRONT_PAYMENT_REFUND_WINDOW_DAYS`` of the payment, never more than what is left of
the top-up after earlier refunds, and never more than the wallet still holds (the unspent
part: money already spent on orders stays spent). The wallet is debited in the ledger
(against the store's pending top-ups account, where the credit came from), the gateway refunds
under a refund number derived from the row (a retry is the same refund at the gateway), and the
refund is in the audit trail.
"""

from __future__ import annotations

import logging
from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from storefront.accounts.models import Customer, Staff
from storefront.accounts.permissions import require_permission
from storefront.backoffice import audit
from storefront.billing import ledger, services
from storefront.billing.errors import GatewayUnavailable, InsufficientBalance, RefundRefused
from storefront.billing.models import AccountKind, Topup, TopupStatus, TransactionKind
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.payments import gateway as gateways
from storefront.payments.models import TopupRefund
from storefront.payments.services import ONLINE, adapter_for
from storefront.payments.settings import payment_settings
from storefront.stores.tenancy import in_store

log = logging.getLogger(__name__)


def refunded(found: Topup) -> Decimal:
    total = db.session.scalar(
        in_store(
            select(func.sum(TopupRefund.amount)).where(TopupRefund.topup_id == found.id),
            found.store_id,
        )
    )
    return ledger.quantize(total) if total is not None else Decimal("0.00")


def refundable(found: Topup) -> Decimal:
    """What can still go back to the payer: the top-up less its refunds, at most the wallet's
    balance; zero outside the window or for a top-up not paid online."""
    if found.status is not TopupStatus.PAID or found.gateway not in ONLINE or not found.paid_at:
        return Decimal("0.00")
    paid_at = found.paid_at if found.paid_at.tzinfo else found.paid_at.replace(tzinfo=UTC)
    if utcnow() > paid_at + timedelta(days=payment_settings().refund_window_days):
        return Decimal("0.00")
    customer = db.session.get(Customer, found.customer_id)
    assert customer is not None
    return max(Decimal("0.00"), min(found.amount - refunded(found), services.balance(customer)))


def refund_topup(staff: Staff, topup_id: int, amount: Any, reason: str) -> TopupRefund:
    """Refund ``amount`` of the top-up to its payment method. Flushes; the caller commits."""
    require_permission(staff, "refunds.manage")
    value = ledger.parse_amount(amount)
    locked = ledger.lock_row(Topup, topup_id, "status", staff.store_id)
    if locked is None:
        raise RefundRefused(_("No such top-up."), status=404)
    if found_left := refundable(locked):
        if value > found_left:
            raise RefundRefused(
                _("At most %(amount)s can be refunded.", amount=ledger.format_amount(found_left))
            )
    else:
        raise RefundRefused(
            _(
                "This top-up cannot be refunded (not paid online, already "
                "refunded, spent, or past the refund window)."
            )
        )
    customer = db.session.get(Customer, locked.customer_id)
    assert customer is not None
    row = TopupRefund(
        store_id=locked.store_id, topup_id=locked.id, amount=value,
        reason=(reason or "").strip()[:255], staff_id=staff.id,
        refund_no=f"RF{locked.reference}{utcnow():%H%M%S%f}"[:64],
    )  # fmt: skip
    db.session.add(row)
    try:
        txn, _wallet = services.move(
            customer, -value, AccountKind.PENDING_TOPUPS, TransactionKind.REFUND,
            f"refund of top-up {locked.reference}", f"topup-refund:{row.refund_no}", staff.id,
        )  # fmt: skip
    except InsufficientBalance:
        raise RefundRefused(_("The wallet no longer holds this amount.")) from None
    row.transaction_id = txn.id
    db.session.flush()
    try:
        adapter_for(locked.gateway).refund(locked.reference, row.refund_no, value, locked.amount)
    except gateways.GatewayError as exc:
        log.warning("refund %s failed at the gateway: %s", row.refund_no, exc)
        raise GatewayUnavailable(_("The payment service refused the refund.")) from None
    audit.record(staff, "topup.refunded", customer, {
        "topup": locked.reference, "amount": str(value), "refund_no": row.refund_no,
        "method": locked.gateway, "reason": row.reason,
    })  # fmt: skip
    return row


def refunds_of(found: Topup) -> list[TopupRefund]:
    return list(db.session.scalars(in_store(
        select(TopupRefund).where(TopupRefund.topup_id == found.id).order_by(TopupRefund.id),
        found.store_id,
    )))  # fmt: skip
