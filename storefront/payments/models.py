"""The payments area's tables: which gateways a store offers, a top-up's charge at its
gateway, refunds of top-ups, and the differences the daily bill reconciliation found."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from storefront.billing.columns import MONEY
from storefront.extensions import Model
from storefront.stores.models import StoreScoped


class StorePaymentMethods(StoreScoped, Model):
    """The online gateways a store offers (of those the server has). No row: all of them."""

    __tablename__ = "store_payment_methods"
    __table_args__ = (UniqueConstraint("store_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alipay: Mapped[bool] = mapped_column(default=True)
    wechat: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class TopupCharge(StoreScoped, Model):
    """Where a top-up is paid at its gateway (a cashier URL or a QR code), and whether the
    unpaid trade was closed there after the top-up's timeout."""

    __tablename__ = "payment_topup_charges"

    id: Mapped[int] = mapped_column(primary_key=True)
    topup_id: Mapped[int] = mapped_column(
        ForeignKey("wallet_topups.id", ondelete="CASCADE"), unique=True
    )
    method: Mapped[str] = mapped_column(String(16))
    pay_url: Mapped[str | None] = mapped_column(Text)
    qr_code: Mapped[str | None] = mapped_column(String(512))
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class TopupRefund(StoreScoped, Model):
    """A refund of (part of) a paid top-up to its payment method, by staff."""

    __tablename__ = "payment_topup_refunds"
    __table_args__ = (CheckConstraint("amount > 0", name="topup_refund_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topup_id: Mapped[int] = mapped_column(
        ForeignKey("wallet_topups.id", ondelete="RESTRICT"), index=True
    )
    refund_no: Mapped[str] = mapped_column(String(64), unique=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(String(255), default="")
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_transactions.id", ondelete="RESTRICT"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class BillDifference(StoreScoped, Model):
    """One difference between a gateway's daily bill and the top-ups, for staff to resolve."""

    __tablename__ = "payment_bill_differences"
    __table_args__ = (UniqueConstraint("method", "bill_date", "reference", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    method: Mapped[str] = mapped_column(String(16))
    bill_date: Mapped[date]
    reference: Mapped[str] = mapped_column(String(64))
    # missing_in_bill, missing_topup, amount_mismatch, not_credited, refund_mismatch
    kind: Mapped[str] = mapped_column(String(32))
    ours: Mapped[Decimal | None] = mapped_column(MONEY)
    theirs: Mapped[Decimal | None] = mapped_column(MONEY)
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
