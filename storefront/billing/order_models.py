"""Order tables: orders with their lines and timeline, the resources they made, usage charges
and arrears of on-demand resources."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.billing.columns import MONEY
from storefront.billing.columns import enum_column as _enum
from storefront.extensions import Model
from storefront.stores.models import StoreScoped


class OrderStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    PROVISIONING = "provisioning"
    ACTIVE = "active"
    FAILED = "failed"
    REFUNDED = "refunded"


class OrderKind(enum.StrEnum):
    """What an order buys: new resources from a quote, or more time for one resource."""

    PURCHASE = "purchase"
    RENEWAL = "renewal"  # ``resource_id``'s term, ``period`` months/years (``billing_mode``)


LIVE_ORDER_STATUSES = (OrderStatus.PAID, OrderStatus.PROVISIONING, OrderStatus.ACTIVE)
INTERMEDIATE_ORDER_STATUSES = (
    OrderStatus.PENDING,
    OrderStatus.PAID,
    OrderStatus.PROVISIONING,
    OrderStatus.FAILED,
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
    quote_id: Mapped[str] = mapped_column(String(32))  # a renewal's own ``renewal-…`` id
    kind: Mapped[OrderKind] = mapped_column(
        _enum(OrderKind, "order_kind"), default=OrderKind.PURCHASE, server_default="purchase"
    )
    # a renewal: the resource it renews (no foreign key: ``resources`` refers to ``orders``)
    resource_id: Mapped[int | None] = mapped_column(index=True)
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
    # one order id, or several comma-separated (an EIP line of quantity n: n provider orders)
    provider_order_id: Mapped[str | None] = mapped_column(String(1024), index=True)
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
    provider_order_id: Mapped[str | None] = mapped_column(String(1024))  # its line's order id(s)
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
