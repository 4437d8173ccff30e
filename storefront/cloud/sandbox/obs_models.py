"""Sandbox state for the emulated OBS: the partners' buckets and their objects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from storefront.cloud.sandbox.models import Base, utcnow


class ObsBucket(Base):
    """A bucket and its owner. ``realname_attachments``: the Partner Center's "real-name
    attachment upload" switch, naming this bucket as the one the provider reads from."""

    __tablename__ = "sandbox_obs_bucket"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    owner_id: Mapped[str] = mapped_column(ForeignKey("sandbox_account.domain_id"))
    realname_attachments: Mapped[bool] = mapped_column(default=False)


class ObsObject(Base):
    __tablename__ = "sandbox_obs_object"

    bucket: Mapped[str] = mapped_column(ForeignKey("sandbox_obs_bucket.name"), primary_key=True)
    key: Mapped[str] = mapped_column(String(1024), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str | None] = mapped_column(String(128))
    etag: Mapped[str] = mapped_column(String(64))
    stored_at: Mapped[datetime] = mapped_column(default=utcnow)
