"""Tickets, their messages and attachments, staff's saved replies and the store's ticket
settings (reopen period, due times per priority)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.extensions import Model
from storefront.stores.models import StoreScoped


class Category(enum.StrEnum):
    BILLING = "billing"
    TECHNICAL = "technical"
    ACCOUNT = "account"
    REALNAME = "real-name"
    OTHER = "other"


class Status(enum.StrEnum):
    OPEN = "open"
    WAITING_CUSTOMER = "waiting_customer"
    WAITING_PROVIDER = "waiting_provider"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Author(enum.StrEnum):
    CUSTOMER = "customer"
    STAFF = "staff"
    PROVIDER = "provider"  # a provider engineer's answer, synced from the provider's case
    SYSTEM = "system"


# first response and resolution, in hours, per priority (a store may change them)
DEFAULT_DUE_HOURS: dict[str, list[int]] = {
    Priority.LOW: [48, 240],
    Priority.NORMAL: [24, 120],
    Priority.HIGH: [8, 48],
    Priority.URGENT: [2, 24],
}


class Ticket(StoreScoped, Model):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_store_activity", "store_id", "last_activity_at", "id"),
        Index("ix_tickets_customer_activity", "customer_id", "last_activity_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=Status.OPEN, index=True)
    priority: Mapped[str] = mapped_column(String(10), default=Priority.NORMAL)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), index=True
    )
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id", ondelete="SET NULL"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    last_activity_at: Mapped[datetime]
    # the last message the customer can see: who wrote it, when
    last_reply_at: Mapped[datetime | None]
    last_reply_by: Mapped[str | None] = mapped_column(String(10))
    first_response_due: Mapped[datetime | None]
    resolution_due: Mapped[datetime | None]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(String(500))
    # the provider's service ticket (OSM case) when escalated
    provider_case_id: Mapped[str | None] = mapped_column(String(64))
    provider_status: Mapped[int | None]
    provider_synced_at: Mapped[datetime | None]
    provider_error: Mapped[str | None] = mapped_column(String(255))

    messages: Mapped[list[TicketMessage]] = relationship(
        back_populates="ticket", order_by="TicketMessage.id", cascade="all, delete-orphan"
    )


class TicketMessage(StoreScoped, Model):
    __tablename__ = "ticket_messages"
    __table_args__ = (UniqueConstraint("ticket_id", "provider_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(10))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(120), default="")
    body: Mapped[str] = mapped_column(Text)
    # internal: staff only (notes, the provider's answers, what staff wrote to the provider)
    internal: Mapped[bool] = mapped_column(default=False)
    to_provider: Mapped[bool] = mapped_column(default=False)
    provider_message_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    attachments: Mapped[list[TicketAttachment]] = relationship(
        order_by="TicketAttachment.id", cascade="all, delete-orphan"
    )


class TicketAttachment(StoreScoped, Model):
    """A file a message carries: stored encrypted under the instance path (``stored_name``)."""

    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("ticket_messages.id", ondelete="CASCADE"), index=True
    )
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))  # jpg | png | pdf | txt
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SavedReply(StoreScoped, Model):
    __tablename__ = "ticket_saved_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class TicketSettings(StoreScoped, Model):
    """A store's ticket settings; a store without a row has the defaults."""

    __tablename__ = "ticket_settings"
    __table_args__ = (UniqueConstraint("store_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reopen_days: Mapped[int] = mapped_column(default=7)
    # {priority: [first response hours, resolution hours]}
    due_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
