"""Tables of the statements area: billing profiles (append-only history), the store's invoice
settings (seller details, tax, the gapless number counter), invoices and fapiao requests."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.billing.columns import MONEY
from storefront.billing.columns import enum_column as _enum
from storefront.clock import utcnow
from storefront.extensions import Model
from storefront.stores.models import StoreScoped


class ProfileKind(enum.StrEnum):
    INDIVIDUAL = "individual"
    COMPANY = "company"


class BillingProfile(StoreScoped, Model):
    """One version of a customer's billing profile. Never updated: a change adds a version, and
    invoices keep the version they were issued with."""

    __tablename__ = "billing_profiles"
    __table_args__ = (UniqueConstraint("customer_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    version: Mapped[int]
    kind: Mapped[ProfileKind] = mapped_column(_enum(ProfileKind, "billing_profile_kind"))
    title: Mapped[str] = mapped_column(String(200))
    tax_id: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    bank: Mapped[str] = mapped_column(String(120), default="")
    account: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "title": self.title,
            "tax_id": self.tax_id,
            "address": self.address,
            "phone": self.phone,
            "bank": self.bank,
            "account": self.account,
        }


class InvoiceSettings(StoreScoped, Model):
    """The store as the invoices' seller, its tax display and its invoice number counter
    (``next_number``, taken under a row lock in the transaction that writes the invoice, so
    numbers have no gaps: a rolled-back invoice rolls its number back too)."""

    __tablename__ = "invoice_settings"
    __table_args__ = (
        UniqueConstraint("store_id"),
        CheckConstraint("tax_rate >= 0 AND tax_rate < 1", name="tax_rate_range"),
        CheckConstraint("next_number >= 1", name="next_number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200), default="")
    tax_id: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    # prices include tax at this rate (e.g. 0.06); 0 shows no tax line
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4), default=Decimal("0"))
    number_prefix: Mapped[str] = mapped_column(String(16), default="INV-")
    next_number: Mapped[int] = mapped_column(default=1)


class Invoice(StoreScoped, Model):
    """An invoice for one paid ledger transaction (an order's or a renewal's wallet debit)."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("store_id", "sequence"),
        UniqueConstraint("transaction_id"),
        Index("ix_invoices_customer_id_id", "customer_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int]
    number: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("journal_transactions.id", ondelete="RESTRICT")
    )
    reference: Mapped[str] = mapped_column(String(128))  # order:12, renewal:…
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    profile_id: Mapped[int | None] = mapped_column(
        ForeignKey("billing_profiles.id", ondelete="RESTRICT")
    )
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(MONEY)
    net: Mapped[Decimal] = mapped_column(MONEY)
    tax: Mapped[Decimal] = mapped_column(MONEY)
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    # what the document shows, frozen when issued: seller, buyer, lines
    seller: Mapped[dict[str, Any]] = mapped_column(JSON)
    buyer: Mapped[dict[str, Any]] = mapped_column(JSON)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    ISSUED = "issued"
    REJECTED = "rejected"


OPEN_REQUEST_STATUSES = (RequestStatus.PENDING, RequestStatus.ISSUED)


class InvoiceRequest(StoreScoped, Model):
    """A customer's fapiao request over paid, not yet invoiced amounts; staff issue it in their
    tax system and attach the PDF and number here, or reject it with a reason."""

    __tablename__ = "invoice_requests"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_invoice_requests_customer_id_id", "customer_id", "id"),
        Index("ix_invoice_requests_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    profile_id: Mapped[int] = mapped_column(ForeignKey("billing_profiles.id", ondelete="RESTRICT"))
    status: Mapped[RequestStatus] = mapped_column(
        _enum(RequestStatus, "invoice_request_status"), default=RequestStatus.PENDING
    )
    fapiao_number: Mapped[str | None] = mapped_column(String(40))
    file_name: Mapped[str | None] = mapped_column(String(80))
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    # selectin, not joined: the row is locked FOR UPDATE, which an outer join refuses
    profile: Mapped[BillingProfile] = relationship(lazy="selectin")
    parts: Mapped[list[InvoiceRequestPart]] = relationship(
        back_populates="request", lazy="selectin", order_by="InvoiceRequestPart.id"
    )


class InvoiceRequestPart(StoreScoped, Model):
    """How much of one paid reference (``order:12``, ``usage:…``) a request covers: a
    reference's parts in pending and issued requests never exceed what the wallet paid for it."""

    __tablename__ = "invoice_request_parts"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_invoice_request_parts_customer_reference", "customer_id", "reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("invoice_requests.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    reference: Mapped[str] = mapped_column(String(128))
    amount: Mapped[Decimal] = mapped_column(MONEY)

    request: Mapped[InvoiceRequest] = relationship(back_populates="parts")
