"""Sandbox state for partner coupons: quotas and the coupons issued from them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from storefront.cloud.sandbox.models import Base, utcnow

# The quota every partner account has in the sandbox (``STOREFRONT_VOUCHER_QUOTA_ID``'s default
# with the sandbox): created on first use with this much to issue.
SANDBOX_QUOTA_ID = "sandbox-coupon-quota"
SANDBOX_QUOTA_AMOUNT = Decimal("1000000")


class CouponQuota(Base):
    __tablename__ = "sandbox_coupon_quota"

    id: Mapped[int] = mapped_column(primary_key=True)
    quota_id: Mapped[str] = mapped_column(String(64))
    partner_id: Mapped[str] = mapped_column(ForeignKey("sandbox_account.domain_id"))
    remaining: Mapped[Decimal] = mapped_column(Numeric(18, 2))


class PartnerCoupon(Base):
    __tablename__ = "sandbox_partner_coupon"

    coupon_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("sandbox_account.domain_id"), index=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("sandbox_account.domain_id"), index=True)
    quota_id: Mapped[str] = mapped_column(String(64))
    face_value: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    balance: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    status: Mapped[int] = mapped_column(default=2)  # 2 usable, 5 reclaimed
    effective_time: Mapped[datetime]
    expire_time: Mapped[datetime]
    cloud_service_types: Mapped[str | None] = mapped_column(String(500))
    memo: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
