"""Sandbox state of the provider's auth host and console: trusted partner IdPs (uploaded IdP
metadata per ``xAccountType``), VPC subnets and the console's action log (snapshots,
backups, attachments, unbinds)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storefront.cloud.sandbox.models import Base, utcnow


class IdpTrust(Base):
    """A partner platform's IdP, as the partner uploaded it in the partner center."""

    __tablename__ = "sandbox_idp_trust"

    xaccount_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    metadata_xml: Mapped[str] = mapped_column(Text)
    metadata_url: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Subnet(Base):
    __tablename__ = "sandbox_subnet"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    vpc_id: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(64))
    cidr: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsoleAction(Base):
    """What a console user did to a resource (the state change itself is on the resource)."""

    __tablename__ = "sandbox_console_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(40), index=True)
    customer_id: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
