"""Console links (single-use, hashed) and the audit of every console jump."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from storefront.extensions import Model
from storefront.stores.models import StoreScoped


class ConsoleLink(StoreScoped, Model):
    """A minted console link: only the SHA-256 of its token is kept. Redeemed once
    (``UPDATE … SET used_at WHERE used_at IS NULL``), valid until ``expires_at``."""

    __tablename__ = "console_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ConsoleJump(StoreScoped, Model):
    """One attempt to open the console: who, which resource, when, from where, outcome.

    Also the short server-side state of a jump in flight: the browser's session holds
    ``id`` and ``state_hash``'s secret; the SSO endpoint answers once for ``customer_id``.
    """

    __tablename__ = "console_jumps"
    __table_args__ = (Index("ix_console_jumps_store_created", "store_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resources.id", ondelete="SET NULL"))
    link_id: Mapped[int | None] = mapped_column(ForeignKey("console_links.id", ondelete="SET NULL"))
    step: Mapped[str] = mapped_column(String(16))  # mint | redeem | sso
    outcome: Mapped[str] = mapped_column(String(32))  # ok | refused code
    detail: Mapped[str | None] = mapped_column(String(255))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    service: Mapped[str | None] = mapped_column(String(1000))
    state_hash: Mapped[str | None] = mapped_column(String(64))
    state_expires_at: Mapped[datetime | None]
    asserted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
