"""Staff funding records: every positive funding a staff member makes, and its approval.

A funding at or under the store's dual-control threshold is recorded ``approved`` with the
wallet credit it made; above it, the record waits (``pending_approval``) until a second,
different staff member approves (the credit) or anyone with the permission rejects it. The
records are also what the per-day limit counts (see :mod:`storefront.billing.funding`).
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from storefront.billing.columns import MONEY
from storefront.billing.columns import enum_column as _enum
from storefront.extensions import Model
from storefront.stores.models import StoreScoped


class FundingStatus(enum.StrEnum):
    PENDING = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"


class StaffFunding(StoreScoped, Model):
    """One staff funding of a customer's wallet (positive amounts; take-backs are not here)."""

    __tablename__ = "staff_fundings"
    __table_args__ = (
        CheckConstraint("amount > 0", name="funding_amount_positive"),
        CheckConstraint(
            "approved_by_id IS NULL OR status <> 'pending_approval'", name="funding_state"
        ),
        Index("ix_staff_fundings_requester_day", "requested_by_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    note: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[FundingStatus] = mapped_column(
        _enum(FundingStatus, "funding_status"), default=FundingStatus.PENDING, index=True
    )
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    rejected_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_transactions.id", ondelete="RESTRICT"), unique=True
    )
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
