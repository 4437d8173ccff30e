"""Sandbox state for buying: customer funds, agency keys, projects, orders and cloud resources.

A :class:`CloudResource` is what a storefront order creates in a customer's project (ECS
server, EVS volume, VPC, EIP). Its ``status`` is one of ``creating``, ``active``, ``stopped``,
``frozen``, ``expired``, ``released``; prepaid resources stay ``creating`` until their order is
paid, on-demand ones are ``active`` at once and accrue one usage record per full hour of life.
The console (another area) operates these rows: start/stop changes ``status``, release sets
``released_at``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storefront.cloud.sandbox.models import Base, utcnow

# The sandbox keeps one lifecycle word per resource (``RESOURCE_STATES``); each listing
# answers with the codes its SDK model documents (../shared/PROVIDER.md, "Codes and states").
RESOURCE_STATES = ("creating", "active", "stopped", "expired", "frozen", "released")
# ``list_pay_per_use_customer_resources``: 2 in use, 3 closed, 4 frozen, 5 expired. A stopped
# server is still "in use" for billing; a resource whose order is unpaid is not listed.
PREPAID_CODES = {"active": 2, "stopped": 2, "released": 3, "frozen": 4, "expired": 5}
# ``list_customer_on_demand_resources``: 1 normal, 2 grace period, 3 frozen, 4 changing,
# 5 closing, 6 closed.
ON_DEMAND_CODES = {
    "creating": 1,
    "active": 1,
    "stopped": 1,
    "expired": 2,
    "frozen": 3,
    "released": 6,
}
# ``CustomerOrderV2.status``: 3 processing, 4 cancelled, 5 completed, 6 pending payment.
ORDER_PROCESSING, ORDER_CANCELLED, ORDER_COMPLETED, ORDER_UNPAID = 3, 4, 5, 6


class CustomerFunds(Base):
    """A customer's cash balance at the provider (funded by its partner)."""

    __tablename__ = "sandbox_customer_funds"

    customer_id: Mapped[str] = mapped_column(
        ForeignKey("sandbox_account.domain_id"), primary_key=True
    )
    balance: Mapped[Decimal] = mapped_column(Numeric(18, 2), default=Decimal("0.00"))


class Transfer(Base):
    __tablename__ = "sandbox_transfer"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[str] = mapped_column(String(32), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))  # negative: reclaimed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Project(Base):
    """A customer's project in one region (IAM), where resources are created."""

    __tablename__ = "sandbox_project"
    __table_args__ = (UniqueConstraint("domain_id", "region"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    domain_id: Mapped[str] = mapped_column(ForeignKey("sandbox_account.domain_id"))
    region: Mapped[str] = mapped_column(String(40))

    @staticmethod
    def id_for(domain_id: str, region: str) -> str:
        return hashlib.sha256(f"{domain_id}/{region}".encode()).hexdigest()[:32]


class CloudOrder(Base):
    """A provider order (prepaid resources): 5 pending payment -> 4 completed."""

    __tablename__ = "sandbox_order"

    order_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(32), index=True)
    service_type: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(default=ORDER_UNPAID)
    official_amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    period_type: Mapped[int | None]  # 2 month, 3 year
    period_num: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]


class CloudResource(Base):
    """One resource in a customer's project (see the module docstring)."""

    __tablename__ = "sandbox_resource"
    __table_args__ = (Index("ix_sandbox_resource_token", "customer_id", "client_token"),)

    resource_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(32), index=True)
    project_id: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(8))  # ecs | evs | vpc | eip
    service_type: Mapped[str] = mapped_column(String(64))
    resource_type: Mapped[str] = mapped_column(String(64))
    spec: Mapped[str] = mapped_column(String(80))
    size: Mapped[int | None]
    name: Mapped[str] = mapped_column(String(128), default="")
    status: Mapped[str] = mapped_column(String(12), default="creating")
    charge_mode: Mapped[str] = mapped_column(String(10))  # prePaid | postPaid
    order_id: Mapped[str | None] = mapped_column(String(40), index=True)
    client_token: Mapped[str] = mapped_column(String(80))
    hourly_official: Mapped[Decimal] = mapped_column(Numeric(20, 6), default=Decimal(0))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    active_at: Mapped[datetime | None]
    expire_at: Mapped[datetime | None]
    released_at: Mapped[datetime | None]


class ResourceMarker(Base):
    """A VPC's or subnet's ``description``, or an EIP's ``alias`` (its own table: older
    sandbox databases keep working, ``create_all`` adds it)."""

    __tablename__ = "sandbox_resource_marker"

    resource_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    text: Mapped[str] = mapped_column(String(255), default="")
