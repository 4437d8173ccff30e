"""Notifications: one row per customer event (the in-app list, and the record that its mail
went out once), each customer's preferences and each store's low-balance threshold."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from storefront.billing.columns import MONEY
from storefront.extensions import Model
from storefront.stores.models import StoreScoped


class Notification(StoreScoped, Model):
    """An event told to a customer: ``event`` + ``key`` name it once per store (queueing it
    again changes nothing). ``mailed_at`` is set in the transaction that sends its mail, so a
    retried, re-queued or raced job mails once; ``mail_skipped`` when the customer turned the
    event's mail off."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("store_id", "event", "key", name="uq_notifications_event_key"),
        Index("ix_notifications_customer", "customer_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(48))
    key: Mapped[str] = mapped_column(String(128))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    read_at: Mapped[datetime | None]
    mailed_at: Mapped[datetime | None]
    mail_skipped: Mapped[bool] = mapped_column(default=False, server_default="0")


class NotificationPreference(StoreScoped, Model):
    """A customer's choices: the non-essential events they do not want mailed, and their own
    low-balance threshold (``None``: the store's)."""

    __tablename__ = "notification_preferences"

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    muted: Mapped[list[str]] = mapped_column(JSON, default=list)
    low_balance_threshold: Mapped[Decimal | None] = mapped_column(MONEY)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class NotificationStoreSettings(Model):
    """A store's low-balance threshold (``None``: no warnings unless a customer sets one)."""

    __tablename__ = "notification_store_settings"

    store_id: Mapped[int] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    low_balance_threshold: Mapped[Decimal | None] = mapped_column(MONEY)
