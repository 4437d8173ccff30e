"""The two principals of a store: customers and staff. Both belong to exactly one store."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, String, UniqueConstraint, func
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


class Customer(UserMixin, StoreScoped, Model):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("store_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120))
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
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)

    def get_id(self) -> str:
        return f"c:{self.id}"

    @property
    def is_active(self) -> bool:
        return self.status != CustomerStatus.CLOSED

    def __repr__(self) -> str:
        return f"<Customer {self.id} store={self.store_id}>"


class Staff(UserMixin, StoreScoped, Model):
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
