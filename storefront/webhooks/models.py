"""Webhook endpoints a store registers and the deliveries made to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from storefront.extensions import Model
from storefront.stores.models import StoreScoped


class WebhookEndpoint(StoreScoped, Model):
    """An HTTPS URL and the events it wants. ``secret`` (encrypted) signs every delivery; after a
    rotation ``previous_secret`` signs too until ``previous_until`` (receivers switch over).
    ``failures`` counts failed attempts in a row; at the store's limit the endpoint is disabled
    (``disabled_reason``) and the owner is mailed."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(Text)
    previous_secret: Mapped[str | None] = mapped_column(Text)
    previous_until: Mapped[datetime | None]
    enabled: Mapped[bool] = mapped_column(default=True)
    failures: Mapped[int] = mapped_column(default=0)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class WebhookDelivery(StoreScoped, Model):
    """One event sent (or to send) to one endpoint; a replay is a new row (``replay_of``) with
    the same ``event_id`` and body, so a receiver can recognise it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id", "replay_no"),
        Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    replay_no: Mapped[int] = mapped_column(default=0)
    replay_of: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(12), default="pending")  # succeeded, failed
    attempts: Mapped[int] = mapped_column(default=0)
    response_status: Mapped[int | None]
    response_body: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_attempt_at: Mapped[datetime | None]
