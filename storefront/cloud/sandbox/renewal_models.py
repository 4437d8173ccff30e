"""Sandbox state for keeping yearly/monthly resources (rules in ``renewals.py``): each
resource's primary resource and expiry policy, its paid terms, renewal orders and the lines of
unsubscribe orders."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from storefront.cloud.sandbox.models import Base, utcnow

EXPIRE_GRACE = 0  # ``expire_policy``: 0 grace period, 1 pay-per-use, 3 auto-renew


class ResourceRenewal(Base):
    """What a resource keeps besides its row: its primary resource and its expiry policy."""

    __tablename__ = "sandbox_resource_renewal"

    resource_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    parent_resource_id: Mapped[str | None] = mapped_column(String(40), index=True)
    expire_policy: Mapped[int] = mapped_column(default=EXPIRE_GRACE)
    auto_period_type: Mapped[int | None]  # 2 month, 3 year (one period per auto-renewal)
    auto_times_left: Mapped[int] = mapped_column(default=0)  # 0: no limit


class ResourceTerm(Base):
    """One paid period of a primary resource (and its attached ones)."""

    __tablename__ = "sandbox_resource_term"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(40), index=True)
    order_id: Mapped[str] = mapped_column(String(40))
    period_type: Mapped[int]
    period_num: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))  # what the customer paid
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]


class RenewalOrder(Base):
    """A renewal order (``CloudOrder`` of ``order_type`` 2) and the resource it renews."""

    __tablename__ = "sandbox_renewal_order"

    order_id: Mapped[str] = mapped_column(ForeignKey("sandbox_order.order_id"), primary_key=True)
    resource_id: Mapped[str] = mapped_column(String(40), index=True)
    applied: Mapped[bool] = mapped_column(default=False)


class RefundLine(Base):
    """One line of an unsubscribe order (``OrderRefundInfoV2``): negative = refunded,
    positive = consumed or handling fee."""

    __tablename__ = "sandbox_refund_line"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(40), index=True)  # the unsubscribe order
    customer_id: Mapped[str] = mapped_column(String(32), index=True)
    resource_id: Mapped[str] = mapped_column(String(40))
    base_order_id: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    five_day: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
