"""Renewal tables: a store's renewal settings, a resource's auto-renew choice and what the
job last did with it, and unsubscriptions with their refunds.

A renewal itself is an :class:`~storefront.billing.models.Order` of kind ``renewal``
(``billing/orders.py``): same states, retries and reconcile as a purchase.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from storefront.billing.columns import MONEY
from storefront.billing.columns import enum_column as _enum
from storefront.extensions import Model
from storefront.stores.models import StoreScoped

DEFAULT_RENEW_DAYS_BEFORE = 7
DEFAULT_REMINDER_DAYS = "15,7,3,1"


class RenewalSettings(StoreScoped, Model):
    """A store's renewal settings (defaults created on first use)."""

    __tablename__ = "renewal_settings"
    __table_args__ = (UniqueConstraint("store_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # auto-renew renews from the wallet this many days before expiry
    renew_days_before: Mapped[int] = mapped_column(default=DEFAULT_RENEW_DAYS_BEFORE)
    # reminder mails this many days before expiry, comma-separated
    reminder_days: Mapped[str] = mapped_column(String(40), default=DEFAULT_REMINDER_DAYS)

    @property
    def reminders(self) -> list[int]:
        return sorted({int(d) for d in self.reminder_days.split(",") if d.strip()}, reverse=True)


class AutoRenewResult(enum.StrEnum):
    RENEWED = "renewed"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    FAILED = "failed"


class AutoRenewal(StoreScoped, Model):
    """A resource's auto-renew choice (the store renews it from the wallet, never the
    provider) and the job's last attempt."""

    __tablename__ = "auto_renewals"
    __table_args__ = (UniqueConstraint("resource_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="RESTRICT"), index=True
    )
    enabled: Mapped[bool] = mapped_column(default=False)
    period_type: Mapped[str] = mapped_column(String(5), default="month")  # month | year
    period: Mapped[int] = mapped_column(default=1)
    last_attempt_at: Mapped[datetime | None]
    last_result: Mapped[AutoRenewResult | None] = mapped_column(
        _enum(AutoRenewResult, "auto_renew_result")
    )
    last_note: Mapped[str] = mapped_column(String(500), default="")
    last_order_id: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # at expiry: "expire" (default) or "pay_per_use" (never with ``enabled``; #18). The scan
    # asks the provider shortly before expiry (``expiry_state`` "set", ``switch_at`` the expiry
    # it was set for), then turns the resource on-demand here ("switched"); or "refused".
    at_expiry: Mapped[str] = mapped_column(String(12), default="expire", server_default="expire")
    expiry_state: Mapped[str | None] = mapped_column(String(12))
    expiry_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    switch_at: Mapped[datetime | None]


class UnsubscribeStatus(enum.StrEnum):
    PENDING = "pending"  # confirmed; the provider is being asked
    DONE = "done"  # unsubscribed at the provider, wallet credited
    FAILED = "failed"  # the provider refused: nothing credited


class Unsubscription(StoreScoped, Model):
    """A customer's (or staff's) unsubscription of a prepaid resource and its refund."""

    __tablename__ = "unsubscriptions"
    __table_args__ = (
        UniqueConstraint("resource_id"),
        Index("ix_unsubscriptions_store_id_id", "store_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="RESTRICT"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[UnsubscribeStatus] = mapped_column(
        _enum(UnsubscribeStatus, "unsubscribe_status"), default=UnsubscribeStatus.PENDING
    )
    refund: Mapped[Decimal] = mapped_column(MONEY)  # to the wallet, at the store's price
    paid: Mapped[Decimal] = mapped_column(MONEY)  # what the customer paid for its terms
    currency: Mapped[str] = mapped_column(String(3))
    provider_refund: Mapped[Decimal | None] = mapped_column(MONEY)  # what the provider refunded
    provider_order_ids: Mapped[str] = mapped_column(String(500), default="")
    reclaimed: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    reclaim_transfer_id: Mapped[str | None] = mapped_column(String(64))
    transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_transactions.id", ondelete="RESTRICT")
    )
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    failure: Mapped[str] = mapped_column(String(500), default="")
    # committed before the provider's unsubscribe call (which takes no client token): set while
    # ``provider_order_ids`` is empty, the call may have landed unheard
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
