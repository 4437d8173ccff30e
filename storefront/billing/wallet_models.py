"""Wallet tables beyond the ledger: online top-ups, gateway payment notifications, vouchers.

Created by migration 0007_wallet.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from storefront.billing.columns import MONEY
from storefront.billing.columns import enum_column as _enum
from storefront.extensions import Model
from storefront.stores.models import StoreScoped


class TopupStatus(enum.StrEnum):
    PENDING = "pending"  # sent to the payment gateway, no verified notification yet
    PAID = "paid"  # a verified notification credited the wallet (exactly once)
    CANCELLED = "cancelled"
    FAILED = "failed"


class Topup(StoreScoped, Model):
    """An online top-up through a payment gateway. Only a verified notification credits it."""

    __tablename__ = "wallet_topups"
    __table_args__ = (
        UniqueConstraint("customer_id", "idempotency_key"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)  # our order id at the gateway
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="RESTRICT"), index=True
    )
    gateway: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[TopupStatus] = mapped_column(
        _enum(TopupStatus, "topup_status"), default=TopupStatus.PENDING, index=True
    )
    idempotency_key: Mapped[str] = mapped_column(String(64))
    gateway_transaction_id: Mapped[str | None] = mapped_column(String(64))
    problem: Mapped[str | None] = mapped_column(String(255))  # e.g. an amount mismatch, for staff
    transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_transactions.id", ondelete="RESTRICT"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    paid_at: Mapped[datetime | None]


class PaymentNotification(Model):
    """Every signature-verified gateway notification, by nonce: a replay is recognised."""

    __tablename__ = "wallet_payment_notifications"
    __table_args__ = (UniqueConstraint("gateway", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gateway: Mapped[str] = mapped_column(String(32))
    nonce: Mapped[str] = mapped_column(String(64))
    topup_id: Mapped[int | None] = mapped_column(
        ForeignKey("wallet_topups.id", ondelete="SET NULL"), index=True
    )
    outcome: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(server_default=func.now())


class VoucherStatus(enum.StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"  # by staff, or reclaimed when the customer left the partner


class VoucherUpstream(enum.StrEnum):
    LOCAL = "local"  # the provider cannot mirror it (no single linked customer)
    PENDING = "upstream_pending"  # to be created at the provider (retried by sync-vouchers)
    MIRRORED = "mirrored"
    RECLAIM_PENDING = "reclaim_pending"  # to be reclaimed at the provider
    RECLAIMED = "reclaimed"


class Voucher(StoreScoped, Model):
    """A store-issued voucher: face value, validity window, product/customer/group limits."""

    __tablename__ = "vouchers"
    __table_args__ = (
        UniqueConstraint("store_id", "code"),
        CheckConstraint("face_value > 0", name="face_value_positive"),
        CheckConstraint("remaining >= 0 AND remaining <= face_value", name="remaining_in_range"),
        CheckConstraint("usage_limit IS NULL OR usage_limit > 0", name="usage_limit_positive"),
        CheckConstraint("used_count >= 0", name="used_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    face_value: Mapped[Decimal] = mapped_column(MONEY)
    remaining: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]
    products: Mapped[list[str]] = mapped_column(JSON, default=list)  # [] = every product
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="RESTRICT"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_customer_groups.id", ondelete="RESTRICT")
    )
    usage_limit: Mapped[int | None]
    used_count: Mapped[int] = mapped_column(default=0)
    status: Mapped[VoucherStatus] = mapped_column(
        _enum(VoucherStatus, "voucher_status"), default=VoucherStatus.ACTIVE, index=True
    )
    upstream: Mapped[VoucherUpstream] = mapped_column(
        _enum(VoucherUpstream, "voucher_upstream"), default=VoucherUpstream.LOCAL, index=True
    )
    upstream_coupon_id: Mapped[str | None] = mapped_column(String(64))
    upstream_error: Mapped[str | None] = mapped_column(String(255))
    memo: Mapped[str] = mapped_column(String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    revoked_at: Mapped[datetime | None]


class VoucherRedemption(StoreScoped, Model):
    """One use of a voucher on an order (``reference``), with its ledger transaction."""

    __tablename__ = "voucher_redemptions"
    __table_args__ = (
        UniqueConstraint("voucher_id", "reference"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(
        ForeignKey("vouchers.id", ondelete="RESTRICT"), index=True
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reference: Mapped[str] = mapped_column(String(128))
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("journal_transactions.id", ondelete="RESTRICT"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
