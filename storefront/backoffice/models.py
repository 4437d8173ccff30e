"""Back-office rows: the audit log, staff notes, freezes, view-as grants, store texts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from storefront.extensions import Model
from storefront.stores.models import StoreScoped


class AuditEntry(StoreScoped, Model):
    """One staff action or sensitive customer action. Append-only (see the ORM guard below)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_store_created", "store_id", "created_at"),
        Index("ix_audit_log_store_customer", "store_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(24))  # "s:<id>", "c:<id>" or "system"
    actor_label: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(String(64))  # "customer:12", "staff:3", "store:1"
    customer_id: Mapped[int | None] = mapped_column()  # when the entry concerns a customer
    visible_to_customer: Mapped[bool] = mapped_column(default=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _append_only(mapper: Any, connection: Any, target: AuditEntry) -> None:
    raise RuntimeError("the audit log is append-only")


class StaffNote(StoreScoped, Model):
    __tablename__ = "staff_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    staff_label: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()


class CustomerFreeze(StoreScoped, Model):
    """A freeze of a customer: why, how far (provider mode), by whom, and when it was lifted."""

    __tablename__ = "customer_freezes"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(256))
    mode: Mapped[str] = mapped_column(String(24))  # ACCOUNT | ACCOUNT_AND_RESOURCE
    frozen_by: Mapped[str] = mapped_column(String(255))
    frozen_at: Mapped[datetime] = mapped_column()
    provider_state: Mapped[str] = mapped_column(String(16), default="none")  # synced|failed|none
    provider_error: Mapped[str | None] = mapped_column(String(255))
    lifted_at: Mapped[datetime | None] = mapped_column()
    lifted_by: Mapped[str | None] = mapped_column(String(255))
    lift_reason: Mapped[str | None] = mapped_column(String(256))


class ViewAsGrant(StoreScoped, Model):
    """A staff member's time-limited, read-only look at one customer's pages."""

    __tablename__ = "view_as_grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()


class StoreText(StoreScoped, Model):
    """A store-editable text (footer, mail snippet, product blurb): a sandboxed template."""

    __tablename__ = "store_texts"
    __table_args__ = (UniqueConstraint("store_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column()


from storefront.backoffice.association_models import AssociationSettlement  # noqa: E402,F401
