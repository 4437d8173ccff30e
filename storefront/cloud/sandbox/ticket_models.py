"""Sandbox state of service tickets (OSM cases) and their messages. Separate tables, so older
sandbox databases keep working (``create_all`` adds them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storefront.cloud.sandbox.models import Base, utcnow


class Case(Base):
    """A service ticket (``IncidentDetailInfoV2``) of the account that opened it."""

    __tablename__ = "sandbox_case"

    incident_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str] = mapped_column(String(32), index=True)  # the caller's domain id
    status: Mapped[int] = mapped_column(default=0)  # 0 1 2 3 4 12 17, as documented
    business_type_id: Mapped[str] = mapped_column(String(64))
    product_category_id: Mapped[str] = mapped_column(String(64))
    incident_sub_type_id: Mapped[str] = mapped_column(String(64))
    simple_description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    pressed_at: Mapped[datetime | None]


class CaseNote(Base):
    """One message of a case (``IncidentMessageV2``): ``type`` 0 the customer's, 1 an engineer's."""

    __tablename__ = "sandbox_case_message"

    message_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    incident_id: Mapped[str] = mapped_column(
        ForeignKey("sandbox_case.incident_id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int]
    type: Mapped[int]
    replier: Mapped[str] = mapped_column(String(64))
    replier_name: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
