"""The two principals of a store: customers and staff. Both belong to exactly one store."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from storefront.extensions import Model
from storefront.stores.models import StoreScoped


class CustomerStatus(enum.StrEnum):
    PENDING_EMAIL = "pending_email"
    ACTIVE = "active"
    FROZEN = "frozen"
    CLOSED = "closed"


class RealnameStatus(enum.StrEnum):
    UNVERIFIED = "unverified"
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class ProviderLink(enum.StrEnum):
    NONE = "none"
    LINKING = "linking"
    LINKED = "linked"
    FAILED = "failed"


class StaffRole(enum.StrEnum):
    OWNER = "owner"
    SUPPORT = "support"
    FINANCE = "finance"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        cls, name=name, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
    )


class SecondFactor:
    """Columns both principals share: the session version and TOTP two-factor state."""

    # Bumped by "log out everywhere" and password changes: older sessions stop loading.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    totp_secret_enc: Mapped[str | None] = mapped_column(Text)  # Fernet, see accounts.crypto
    totp_enabled: Mapped[bool] = mapped_column(default=False, server_default="0")
    totp_last_step: Mapped[int | None] = mapped_column()  # replay guard


class Customer(UserMixin, SecondFactor, StoreScoped, Model):
    __tablename__ = "customers"
    __table_args__ = (
        UniqueConstraint("store_id", "email"),
        # staff's customer list and its filters, newest first (keyset pages); the text
        # search indexes differ per database and live in the migrations only (0005, 0017)
        Index("ix_customers_store_newest", "store_id", "created_at", "id"),
        Index("ix_customers_store_status_newest", "store_id", "status", "created_at", "id"),
        Index(
            "ix_customers_store_realname_newest", "store_id", "realname_status", "created_at", "id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120))  # display name: any script, not unique
    phone: Mapped[str | None] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(2), default="CN")
    locale: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[CustomerStatus] = mapped_column(
        _enum(CustomerStatus, "customer_status"), default=CustomerStatus.PENDING_EMAIL
    )
    realname_status: Mapped[RealnameStatus] = mapped_column(
        _enum(RealnameStatus, "realname_status"), default=RealnameStatus.UNVERIFIED
    )
    provider_link: Mapped[ProviderLink] = mapped_column(
        _enum(ProviderLink, "provider_link"), default=ProviderLink.NONE
    )
    provider_customer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # The provider login name: the one asked for at registration, else the one the provider
    # generated (None until the provider answered).
    account_name: Mapped[str | None] = mapped_column(String(64))
    # Our id for this customer at the provider (xaccount_id): random, so retries can reconcile.
    provider_xaccount_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    provider_error: Mapped[str | None] = mapped_column(String(255))
    email_verified_at: Mapped[datetime | None] = mapped_column()
    realname_type: Mapped[str | None] = mapped_column(String(16))
    realname_masked: Mapped[str | None] = mapped_column(String(32))
    realname_opinion: Mapped[str | None] = mapped_column(Text)
    realname_checked_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)

    def get_id(self) -> str:
        return f"c:{self.id}"

    @property
    def is_active(self) -> bool:
        return self.status != CustomerStatus.CLOSED

    def __repr__(self) -> str:
        return f"<Customer {self.id} store={self.store_id}>"


class Staff(UserMixin, SecondFactor, StoreScoped, Model):
    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("store_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[StaffRole] = mapped_column(
        _enum(StaffRole, "staff_role"), default=StaffRole.SUPPORT
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    def get_id(self) -> str:
        return f"s:{self.id}"

    def __repr__(self) -> str:
        return f"<Staff {self.id} {self.role} store={self.store_id}>"


class ConsentRecord(StoreScoped, Model):
    """What a customer agreed to at registration: which terms versions, when, from where."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    terms: Mapped[dict[str, Any]] = mapped_column(JSON)  # {document: {version, url}}
    personal_info_consent: Mapped[bool] = mapped_column()
    accepted_at: Mapped[datetime] = mapped_column()
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))


class ApiToken(StoreScoped, Model):
    """A bearer token for the API. Only its sha256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    principal: Mapped[str] = mapped_column(String(24), index=True)  # "c:<id>" / "s:<id>"
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80), default="API")
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class RecoveryCode(StoreScoped, Model):
    """Single-use 2FA recovery codes, stored as sha256."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    principal: Mapped[str] = mapped_column(String(24), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column()


class RealnameSubmission(StoreScoped, Model):
    """One real-name submission and its review; the customer's history."""

    __tablename__ = "realname_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # individual | enterprise
    subject_name: Mapped[str] = mapped_column(String(200))  # person or company name
    legal_person: Mapped[str | None] = mapped_column(String(120))
    number_enc: Mapped[str] = mapped_column(Text)  # Fernet: id number / credit code
    masked: Mapped[str] = mapped_column(String(32))
    documents: Mapped[list[str]] = mapped_column(JSON, default=list)  # encrypted file names
    status: Mapped[RealnameStatus] = mapped_column(
        _enum(RealnameStatus, "realname_status"), default=RealnameStatus.PENDING
    )
    opinion: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column()
    reviewed_at: Mapped[datetime | None] = mapped_column()


class StoreSecurityPolicy(Model):
    """Per-store security switches (kept in accounts so the stores table stays the lead's)."""

    __tablename__ = "store_security_policies"

    store_id: Mapped[int] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), primary_key=True
    )
    staff_2fa_required: Mapped[bool] = mapped_column(default=False)
