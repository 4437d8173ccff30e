"""The association switch's settlement rows (a customer left the partner).

A settlement records what was paid to the partner but not consumed when the customer left: the
wallet balance and the unconsumed part of prepaid resources. It is a record for staff to settle
offline; nothing is refunded or kept by the system.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from storefront.extensions import Model
from storefront.stores.models import StoreScoped

MONEY = Numeric(18, 2, asdecimal=True)


class SettlementStatus(enum.StrEnum):
    OPEN = "open"
    SETTLED = "settled"


class AssociationSettlement(StoreScoped, Model):
    """What is to be settled between the partner and a customer who left (one per switch)."""

    __tablename__ = "association_settlements"
    __table_args__ = (Index("ix_association_settlements_store_status", "store_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="RESTRICT"), index=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    wallet_balance: Mapped[Decimal] = mapped_column(MONEY)
    prepaid_unconsumed: Mapped[Decimal] = mapped_column(MONEY)
    total: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[SettlementStatus] = mapped_column(
        Enum(
            SettlementStatus,
            name="association_settlement_status",
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=SettlementStatus.OPEN,
    )
    reason: Mapped[str] = mapped_column(String(500))
    # vouchers reclaimed, provider vouchers kept, cash coupons, prepaid resources (pro rata)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime]
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="RESTRICT"))
    settled_at: Mapped[datetime | None]
    settled_note: Mapped[str | None] = mapped_column(String(500))
    # The provider has no API that ends the association: staff disassociate the customer in
    # Partner Center and record it here (migration 0017_backoffice_search).
    provider_unbound_on: Mapped[date | None]
    provider_unbound_by: Mapped[str | None] = mapped_column(String(255))
    provider_unbound_note: Mapped[str | None] = mapped_column(String(500))
    provider_unbound_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="RESTRICT")
    )
    provider_unbound_recorded_at: Mapped[datetime | None]
