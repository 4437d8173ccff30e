"""The customer's dashboard (the top of ``/account``): balance, resources expiring soon, open
orders, and recent events. There is no notification model yet, so "recent notifications" are
the latest order status changes and wallet movements, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.billing import services
from storefront.billing.models import (
    STAFF_ONLY_EVENTS,
    JournalTransaction,
    Order,
    OrderEvent,
    OrderStatus,
    Posting,
    Resource,
    ResourceStatus,
    Wallet,
)
from storefront.clock import utcnow
from storefront.extensions import db

EXPIRING_WITHIN = timedelta(days=30)
OPEN_ORDER_STATUSES = (OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.PROVISIONING)
GONE = (ResourceStatus.RELEASED,)
SHOWN = 5


@dataclass(frozen=True, slots=True)
class Event:
    at: datetime
    kind: str  # "order" (an order's status changed) or "wallet" (a wallet movement)
    status: str  # order status, or the journal kind (fund, debit, credit, refund, remittance)
    order_id: int | None = None
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Dashboard:
    balance: Decimal
    currency: str
    expiring: list[Resource]
    open_orders: list[Order]
    events: list[Event]


def _events(customer: Customer) -> list[Event]:
    order_events = db.session.execute(
        select(OrderEvent.created_at, OrderEvent.status, OrderEvent.order_id)
        .join(Order, Order.id == OrderEvent.order_id)
        .where(
            Order.customer_id == customer.id,
            OrderEvent.status.not_in(STAFF_ONLY_EVENTS),  # the partner's money checks
        )
        .order_by(OrderEvent.id.desc())
        .limit(SHOWN)
    ).all()
    wallet_moves = db.session.execute(
        select(JournalTransaction.created_at, JournalTransaction.kind, Posting.amount)
        .join(Posting, Posting.transaction_id == JournalTransaction.id)
        .join(Wallet, Wallet.account_id == Posting.account_id)
        .where(Wallet.customer_id == customer.id)
        .order_by(Posting.id.desc())
        .limit(SHOWN)
    ).all()
    found = [Event(at, "order", status, order_id=oid) for at, status, oid in order_events]
    found += [Event(at, "wallet", kind.value, amount=amount) for at, kind, amount in wallet_moves]
    return sorted(found, key=lambda e: e.at, reverse=True)[:SHOWN]


def for_customer(customer: Customer, now: datetime | None = None) -> Dashboard:
    """What the customer's dashboard shows (queries scoped to the customer)."""
    now = now or utcnow()
    expiring = db.session.scalars(
        select(Resource)
        .where(
            Resource.customer_id == customer.id,
            Resource.expires_at.is_not(None),
            Resource.expires_at <= now + EXPIRING_WITHIN,
            Resource.status.not_in(GONE),
        )
        .order_by(Resource.expires_at, Resource.id)
        .limit(SHOWN)
    ).all()
    open_orders = db.session.scalars(
        select(Order)
        .where(Order.customer_id == customer.id, Order.status.in_(OPEN_ORDER_STATUSES))
        .order_by(Order.id.desc())
        .limit(SHOWN)
    ).all()
    return Dashboard(
        balance=services.balance(customer),
        currency=services.store_currency(customer.store_id),
        expiring=list(expiring),
        open_orders=list(open_orders),
        events=_events(customer),
    )
