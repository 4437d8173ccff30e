"""The money core's tables: a double-entry ledger per store, wallets, idempotency, remittance,
and the background jobs table.

The other billing tables live beside it and are importable from here too:
:mod:`~storefront.billing.wallet_models` (online top-ups, payment notifications, vouchers),
:mod:`~storefront.billing.order_models` (orders, resources, usage charges, arrears) and
:mod:`~storefront.billing.funding_models` (staff fundings).

Sign convention: a posting's ``amount`` is the change to its account's balance; a wallet's
balance is the sum of the postings on its ledger account. Every journal transaction's postings
sum to zero. Postings and journal transactions are append-only (see :func:`_append_only`).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from storefront.billing.columns import MONEY
from storefront.billing.columns import enum_column as _enum
from storefront.clock import utcnow
from storefront.extensions import Model
from storefront.stores.models import StoreScoped


class AccountKind(enum.StrEnum):
    CUSTOMER_WALLET = "customer_wallet"  # what the store owes the customer (prepaid balance)
    STORE_REVENUE = "store_revenue"
    VOUCHERS_OUTSTANDING = "vouchers_outstanding"
    PENDING_TOPUPS = "pending_topups"
    REFUNDS = "refunds"
    BANK_CLEARING = "bank_clearing"  # external cash / bank: money entering or leaving the store
    PROVIDER_PREPAYMENT = "provider_prepayment"


class TransactionKind(enum.StrEnum):
    FUND = "fund"  # staff funding (positive) or take-back (negative)
    DEBIT = "debit"  # wallet pays (orders)
    CREDIT = "credit"  # wallet credited (compensation, top-ups)
    REFUND = "refund"
    REMITTANCE = "remittance"  # an approved offline remittance claim


class LedgerAccount(StoreScoped, Model):
    """One account of a store's ledger. ``code`` is ``<kind>`` or ``customer_wallet:<id>``."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (UniqueConstraint("store_id", "code", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[AccountKind] = mapped_column(_enum(AccountKind, "ledger_account_kind"))
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="RESTRICT"), index=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    def __repr__(self) -> str:
        return f"<LedgerAccount {self.code} {self.currency} store={self.store_id}>"


class Wallet(StoreScoped, Model):
    """A customer's prepaid balance: a cache of its ledger account, updated under a row lock."""

    __tablename__ = "wallets"
    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="RESTRICT"), unique=True
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_accounts.id", ondelete="RESTRICT"), unique=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    balance: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())

    def __repr__(self) -> str:
        return f"<Wallet customer={self.customer_id} {self.balance} {self.currency}>"


class JournalTransaction(StoreScoped, Model):
    """A balanced set of postings: one business event. Append-only."""

    __tablename__ = "journal_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TransactionKind] = mapped_column(_enum(TransactionKind, "journal_kind"))
    currency: Mapped[str] = mapped_column(String(3))
    memo: Mapped[str] = mapped_column(String(500), default="")
    reference: Mapped[str | None] = mapped_column(String(128), index=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="RESTRICT"), index=True
    )
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    # Set here, to the microsecond, like the order events it is listed with (the dashboard's
    # activity); SQLite's CURRENT_TIMESTAMP keeps whole seconds, PostgreSQL's now() the
    # transaction's start. The server default stays for rows written outside the ORM.
    created_at: Mapped[datetime] = mapped_column(
        default=utcnow, server_default=func.now(), index=True
    )

    postings: Mapped[list[Posting]] = relationship(
        back_populates="transaction", lazy="selectin", order_by="Posting.id"
    )


class Posting(StoreScoped, Model):
    """One leg of a journal transaction. ``balance_after`` is set on wallet legs."""

    __tablename__ = "postings"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        Index("ix_postings_account_id_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("journal_transactions.id", ondelete="RESTRICT"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    balance_after: Mapped[Decimal | None] = mapped_column(MONEY)

    transaction: Mapped[JournalTransaction] = relationship(back_populates="postings")
    account: Mapped[LedgerAccount] = relationship(lazy="joined")


class IdempotencyRecord(StoreScoped, Model):
    """The first result of a money-moving request, keyed by (store, scope, key)."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("store_id", "scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class BillingSettings(StoreScoped, Model):
    """A store's billing settings: bank details for remittances, top-up methods, thresholds."""

    __tablename__ = "billing_settings"
    __table_args__ = (
        UniqueConstraint("store_id"),
        CheckConstraint("grace_days >= 0", name="grace_days_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_name: Mapped[str] = mapped_column(String(120), default="")
    bank_account: Mapped[str] = mapped_column(String(64), default="")
    bank_holder: Mapped[str] = mapped_column(String(120), default="")
    online_topup_enabled: Mapped[bool] = mapped_column(default=True)
    offline_topup_enabled: Mapped[bool] = mapped_column(default=True)
    # Claims above this amount need a second, different approver; NULL = never.
    second_approval_threshold: Mapped[Decimal | None] = mapped_column(MONEY)
    min_balance_on_demand: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    grace_days: Mapped[int] = mapped_column(default=0)
    # Staff funding limits (owner-only; see storefront.billing.funding): one funding at most,
    # and what one staff member may fund per UTC day.
    fund_limit_per_operation: Mapped[Decimal] = mapped_column(
        MONEY, default=Decimal("50000.00"), server_default="50000.00"
    )
    fund_limit_per_day: Mapped[Decimal] = mapped_column(
        MONEY, default=Decimal("200000.00"), server_default="200000.00"
    )


class ClaimStatus(enum.StrEnum):
    PENDING = "pending"
    AWAITING_SECOND_APPROVAL = "awaiting_second_approval"
    APPROVED = "approved"
    REJECTED = "rejected"


class RemittanceClaim(StoreScoped, Model):
    """A customer's claim that they paid the store by bank transfer; staff approve or reject."""

    __tablename__ = "remittance_claims"
    __table_args__ = (
        UniqueConstraint("store_id", "bank_serial"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "second_approver_id IS NULL OR second_approver_id <> first_approver_id",
            name="two_different_approvers",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="RESTRICT"), index=True
    )
    reference: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    paid_on: Mapped[date]
    payer_name: Mapped[str] = mapped_column(String(120))
    bank_serial: Mapped[str] = mapped_column(String(64))
    proof_path: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[ClaimStatus] = mapped_column(
        _enum(ClaimStatus, "claim_status"), default=ClaimStatus.PENDING, index=True
    )
    first_approver_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="RESTRICT")
    )
    second_approver_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="RESTRICT")
    )
    rejected_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_transactions.id", ondelete="RESTRICT"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    decided_at: Mapped[datetime | None]


class AppendOnlyViolation(RuntimeError):
    """Something tried to change or delete a posted journal transaction or posting."""


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, flush_context: object, instances: object) -> None:
    for obj in session.deleted:
        if isinstance(obj, Posting | JournalTransaction):
            raise AppendOnlyViolation(f"{obj!r} is append-only: post a reversing transaction")
    for obj in session.dirty:
        if isinstance(obj, Posting | JournalTransaction) and session.is_modified(
            obj, include_collections=False
        ):
            raise AppendOnlyViolation(f"{obj!r} is append-only: post a reversing transaction")


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    DEAD = "dead"


class Job(Model):
    """Background work for ``flask storefront worker`` (claimed with SKIP LOCKED on PostgreSQL).

    ``key`` de-duplicates: at most one job per key (e.g. ``provision:12``, ``reconcile:<minute>``).
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_run_at", "status", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128), unique=True)
    payload: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(12), default=JobStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=8)
    run_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    locked_by: Mapped[str | None] = mapped_column(String(64))  # the worker holding the lease
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    finished_at: Mapped[datetime | None]


# The tables of the other billing modules, importable from here too (and registered with the
# ORM whenever the ledger's are).
from storefront.billing.funding_models import FundingStatus, StaffFunding  # noqa: E402
from storefront.billing.order_models import (  # noqa: E402
    CHARGE_SETTLED,
    CHARGE_SHORTFALL,
    INTERMEDIATE_ORDER_STATUSES,
    LIVE_ORDER_STATUSES,
    SETTLE_FAILED,
    STAFF_ONLY_EVENTS,
    Arrears,
    Order,
    OrderEvent,
    OrderKind,
    OrderLine,
    OrderStatus,
    Resource,
    ResourceStatus,
    UsageCharge,
)
from storefront.billing.wallet_models import (  # noqa: E402
    PaymentNotification,
    Topup,
    TopupStatus,
    Voucher,
    VoucherRedemption,
    VoucherStatus,
    VoucherUpstream,
)

__all__ = [
    "CHARGE_SETTLED", "CHARGE_SHORTFALL", "INTERMEDIATE_ORDER_STATUSES", "LIVE_ORDER_STATUSES",
    "MONEY", "SETTLE_FAILED", "STAFF_ONLY_EVENTS", "AccountKind", "AppendOnlyViolation",
    "Arrears", "BillingSettings", "ClaimStatus", "FundingStatus", "IdempotencyRecord", "Job",
    "JobStatus", "JournalTransaction", "LedgerAccount", "Order", "OrderEvent", "OrderKind",
    "OrderLine", "OrderStatus", "PaymentNotification", "Posting", "RemittanceClaim", "Resource",
    "ResourceStatus", "StaffFunding", "Topup", "TopupStatus", "TransactionKind", "UsageCharge",
    "Voucher", "VoucherRedemption", "VoucherStatus", "VoucherUpstream", "Wallet",
]  # fmt: skip
