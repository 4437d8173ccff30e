"""Sandbox state for distributors and their resellers: balances, transfers and a call log."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from storefront.cloud.sandbox.models import Base, utcnow

# What a distributor has to allocate in the sandbox, created on first use.
SANDBOX_DISTRIBUTOR_FUNDS = Decimal("1000000.00")


class PartnerBalance(Base):
    """The cash balance of a distributor or reseller account at the "provider"."""

    __tablename__ = "sandbox_partner_balance"

    domain_id: Mapped[str] = mapped_column(
        ForeignKey("sandbox_account.domain_id"), primary_key=True
    )
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))


class PartnerTransfer(Base):
    """One allocation (``adjust``) or reclaim between a distributor and a reseller."""

    __tablename__ = "sandbox_partner_transfer"

    trans_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # adjust | reclaim
    distributor_id: Mapped[str] = mapped_column(ForeignKey("sandbox_account.domain_id"))
    reseller_id: Mapped[str] = mapped_column(ForeignKey("sandbox_account.domain_id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PartnerCall(Base):
    """Every call to the indirect-partner API, refused or not (for tests and operators)."""

    __tablename__ = "sandbox_partner_call"

    id: Mapped[int] = mapped_column(primary_key=True)
    operation: Mapped[str] = mapped_column(String(48))
    caller_id: Mapped[str] = mapped_column(String(32))
    indirect_partner_id: Mapped[str | None] = mapped_column(String(32))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    outcome: Mapped[str] = mapped_column(String(32))  # ok | error code
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
