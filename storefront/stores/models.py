"""Store (the tenant) and the host names it answers on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, func, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.extensions import Model


class Store(Model):
    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    is_default: Mapped[bool] = mapped_column(default=False)
    logo_path: Mapped[str | None] = mapped_column(String(255))
    primary_color: Mapped[str] = mapped_column(String(7), default="#c7000b")
    secondary_color: Mapped[str] = mapped_column(String(7), default="#1f2937")
    contact_email: Mapped[str | None] = mapped_column(String(255))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    default_locale: Mapped[str] = mapped_column(String(16), default="en")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    # Branding and store settings (migration 0005_backoffice).
    favicon_path: Mapped[str | None] = mapped_column(String(255))
    contact_address: Mapped[str | None] = mapped_column(String(255))
    footer_text: Mapped[str | None] = mapped_column(Text)  # sandboxed template, see backoffice
    terms: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # overrides ACCOUNTS_TERMS
    realname_review_local: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Store-level freeze (migration 0016_store_freeze): customers keep read access, but no
    # ordering and no console jump while ``frozen_at`` is set (see ``stores.freeze``).
    frozen_at: Mapped[datetime | None]
    frozen_reason: Mapped[str | None] = mapped_column(String(500))
    frozen_by: Mapped[str | None] = mapped_column(String(255))
    # Sender of every mail the store sends (migration 0017_backoffice_search); unset: the
    # store's name and STOREFRONT_MAIL_FROM. Reply-To is the contact email when set.
    mail_from_name: Mapped[str | None] = mapped_column(String(120))
    mail_from_address: Mapped[str | None] = mapped_column(String(255))

    domains: Mapped[list[StoreDomain]] = relationship(
        back_populates="store", cascade="all, delete-orphan", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<Store {self.slug}>"


class StoreDomain(Model):
    __tablename__ = "store_domains"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    host: Mapped[str] = mapped_column(String(255), unique=True)
    # The store's canonical domain (migration 0027_sec_hosts_primary_domain): every absolute
    # link the store sends (mails, payment return URLs, console links, SAML endpoints) is built
    # on it, never on the request's Host. At most one per store; see ``stores.urls``.
    is_primary: Mapped[bool] = mapped_column(default=False, server_default="0")

    store: Mapped[Store] = relationship(back_populates="domains")

    __table_args__ = (
        Index(
            "uq_store_domains_primary",
            "store_id",
            unique=True,
            sqlite_where=is_primary == true(),
            postgresql_where=is_primary == true(),
        ),
    )


class StoreScoped:
    """Mixin for rows that belong to one store.

    Queries on these models are filtered to the current request's store automatically
    (see :mod:`storefront.stores.tenancy`), and new rows get the current store on flush.
    """

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
