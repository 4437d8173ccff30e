"""The money core's tables: a double-entry ledger per store, wallets, idempotency, remittance.

Sign convention: a posting's ``amount`` is the change to its account's balance; a wallet's
balance is the sum of the postings on its ledger account. Every journal transaction's postings
sum to zero. Postings and journal transactions are append-only (see :func:`_append_only`).
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from storefront.extensions import Model
from storefront.stores.models import StoreScoped

MONEY = Numeric(18, 2, asdecimal=True)


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        cls, name=name, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e]
    )


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
        default=lambda: datetime.now(UTC), server_default=func.now(), index=True
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


# --- wallet: online top-ups, payment notifications, vouchers ----------------------------------
# (Added by the wallet work; the tables are created by migration 0007_wallet.)

from sqlalchemy import JSON  # noqa: E402


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
# --------------------------------------------------------------------------- orders (issue 5)


class OrderStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    PROVISIONING = "provisioning"
    ACTIVE = "active"
    FAILED = "failed"
    REFUNDED = "refunded"


LIVE_ORDER_STATUSES = (OrderStatus.PAID, OrderStatus.PROVISIONING, OrderStatus.ACTIVE)
INTERMEDIATE_ORDER_STATUSES = (
    OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.PROVISIONING, OrderStatus.FAILED
)


class Order(StoreScoped, Model):
    """A customer's purchase of one quote. Prepaid orders are paid (wallet debited) on creation."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("quote_id", name="one_order_per_quote"),
        CheckConstraint("total >= 0", name="total_not_negative"),
        Index("ix_orders_customer_id_id", "customer_id", "id"),
        Index("ix_orders_status_updated_at", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    quote_id: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str] = mapped_column(String(40))
    billing_mode: Mapped[str] = mapped_column(String(12))  # on_demand | monthly | yearly
    period: Mapped[int | None]
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(MONEY)  # charged now (prepaid) or per hour (on demand)
    cost_total: Mapped[Decimal] = mapped_column(MONEY)  # the partner's cost at the provider
    status: Mapped[OrderStatus] = mapped_column(
        _enum(OrderStatus, "order_status"), default=OrderStatus.PENDING
    )
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    debit_transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_transactions.id", ondelete="RESTRICT")
    )
    refunded_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    # a voucher applied at checkout: the wallet pays ``total - discount``
    discount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"), server_default="0")
    voucher_code: Mapped[str | None] = mapped_column(String(40))
    provider_customer_id: Mapped[str | None] = mapped_column(String(64))
    funded_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    # the provider's transfer id of our funding; unique, so one funding never pays two orders
    funding_transfer_id: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    # set (and committed) before each funding call: while funded_amount is 0 it means "a
    # funding may have landed at the provider without us hearing the answer"
    funding_started_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    paid_at: Mapped[datetime | None]
    active_at: Mapped[datetime | None]

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.position", lazy="selectin"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", order_by="OrderEvent.id", lazy="selectin"
    )

    @property
    def prepaid(self) -> bool:
        return self.billing_mode != "on_demand"

    @property
    def customer_events(self) -> list[OrderEvent]:
        """The timeline a customer sees: without the partner's own money checks."""
        return [e for e in self.events if e.status not in STAFF_ONLY_EVENTS]


class OrderLine(StoreScoped, Model):
    """One quote line, and what the provider made of it (provider order, resource ids)."""

    __tablename__ = "order_lines"
    __table_args__ = (UniqueConstraint("order_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    product_code: Mapped[str] = mapped_column(String(20))
    spec_code: Mapped[str] = mapped_column(String(80))
    quantity: Mapped[int]
    size: Mapped[int | None]
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    unit_cost: Mapped[Decimal] = mapped_column(MONEY)
    cost_amount: Mapped[Decimal] = mapped_column(MONEY)
    client_token: Mapped[str] = mapped_column(String(64), unique=True)
    provider_order_id: Mapped[str | None] = mapped_column(String(64), index=True)
    resource_ids: Mapped[str] = mapped_column(Text, default="")  # comma-separated
    created_at: Mapped[datetime | None]  # the provider accepted the create call
    paid_at: Mapped[datetime | None]  # pay_orders succeeded (or nothing to pay)

    order: Mapped[Order] = relationship(back_populates="lines")

    @property
    def provider_resource_ids(self) -> list[str]:
        return [r for r in self.resource_ids.split(",") if r]

    @property
    def done(self) -> bool:
        return self.created_at is not None and self.paid_at is not None


# Order events about the partner's money at the provider (funded vs charged), for staff only.
CHARGE_SETTLED = "charge_settled"
CHARGE_SHORTFALL = "charge_shortfall"
SETTLE_FAILED = "settle_failed"
STAFF_ONLY_EVENTS = frozenset({CHARGE_SETTLED, CHARGE_SHORTFALL, SETTLE_FAILED})


class OrderEvent(StoreScoped, Model):
    """The order's status timeline (shown on the order page)."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime]

    order: Mapped[Order] = relationship(back_populates="events")


class ResourceStatus(enum.StrEnum):
    CREATING = "creating"
    ACTIVE = "active"
    STOPPED = "stopped"
    FROZEN = "frozen"
    EXPIRED = "expired"
    RELEASED = "released"


class Resource(StoreScoped, Model):
    """A cloud resource a customer bought here, as last synced from the provider.

    ``provider_resource_id`` is the provider's id (ECS server id, EVS volume id, VPC id, EIP id);
    the console bridge deep-links on it with ``product`` and ``region_code``.
    """

    __tablename__ = "resources"
    __table_args__ = (
        UniqueConstraint("store_id", "provider_resource_id"),
        Index("ix_resources_customer_id_id", "customer_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    order_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_lines.id", ondelete="SET NULL")
    )
    provider_resource_id: Mapped[str] = mapped_column(String(64))
    provider_order_id: Mapped[str | None] = mapped_column(String(64))
    product_code: Mapped[str] = mapped_column(String(20))  # ecs | evs | vpc | eip
    spec_code: Mapped[str] = mapped_column(String(80))
    region_code: Mapped[str] = mapped_column(String(40))
    billing_mode: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(128), default="")
    status: Mapped[ResourceStatus] = mapped_column(
        _enum(ResourceStatus, "resource_status"), default=ResourceStatus.CREATING
    )
    # on demand: the store's price per hour of this one resource (locked at order time)
    hourly_price: Mapped[Decimal | None] = mapped_column(MONEY)
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    synced_at: Mapped[datetime | None]


class UsageCharge(StoreScoped, Model):
    """One imported provider usage record and what the wallet paid for it."""

    __tablename__ = "usage_charges"
    __table_args__ = (UniqueConstraint("store_id", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[str] = mapped_column(String(128))
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="RESTRICT"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="RESTRICT"), index=True
    )
    hours: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    amount: Mapped[Decimal] = mapped_column(MONEY)  # at the store's price
    charged: Mapped[Decimal] = mapped_column(MONEY)  # what the wallet could pay
    shortfall: Mapped[Decimal] = mapped_column(MONEY)  # added to arrears
    consumed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Arrears(StoreScoped, Model):
    """On-demand usage the wallet could not pay (the ledger never goes below zero)."""

    __tablename__ = "arrears"
    __table_args__ = (
        UniqueConstraint("customer_id"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    currency: Mapped[str] = mapped_column(String(3))
    since: Mapped[datetime | None]  # when the current arrears began; None when settled
    notified_at: Mapped[datetime | None]
    frozen_at: Mapped[datetime | None]  # the upstream freeze was requested (or recorded)
    freeze_note: Mapped[str | None] = mapped_column(String(255))


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


from storefront.billing.funding_models import StaffFunding  # noqa: E402,F401  (its table)
