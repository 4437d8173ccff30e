"""Sandbox state of IAM's custom identity broker: the security tokens issued with agency
credentials (who assumed which agency, as which session user) and the login tokens made from
them (single use, expiring), which ``authui/federation/login`` redeems."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storefront.cloud.sandbox.models import Base, utcnow


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SecurityToken(Base):
    """Temporary credentials (``OS-CREDENTIAL/securitytokens``) of an agency."""

    __tablename__ = "sandbox_security_token"

    ak: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    domain_id: Mapped[str] = mapped_column(String(32))  # the delegating (customer) account
    agency_name: Mapped[str] = mapped_column(String(64))
    assumed_by: Mapped[str] = mapped_column(String(32))  # the partner that assumed the agency
    session_user: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginToken(Base):
    """A login token (``OS-AUTH/securitytoken/logintokens``): used once, before it expires."""

    __tablename__ = "sandbox_login_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    domain_id: Mapped[str] = mapped_column(String(32))
    session_user: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
