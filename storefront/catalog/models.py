"""Catalogue, price book, store price rules and visibility, customer groups, quotes.

The provider's catalogue and price book are shared by every store (one partner account);
what a store hides, its price rules, its customer groups and its quotes are store-scoped.
Unit rates in the price book keep ten places (per-GB-hour prices are tiny); every money
amount a customer sees or owes is ``Numeric(18, 2)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storefront.extensions import Model
from storefront.stores.models import StoreScoped

RATE = Numeric(20, 10)
MONEY = Numeric(18, 2)


class Region(Model):
    __tablename__ = "catalog_regions"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120))
    sort: Mapped[int] = mapped_column(default=100)
    synced_at: Mapped[datetime | None]


class Product(Model):
    __tablename__ = "catalog_products"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_zh: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    sort: Mapped[int] = mapped_column(default=100)


class Spec(Model):
    """A sellable spec: an ECS flavour + OS, an EVS disk type, an EIP line, the VPC."""

    __tablename__ = "catalog_specs"
    __table_args__ = (UniqueConstraint("product_code", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_code: Mapped[str] = mapped_column(ForeignKey("catalog_products.code"), index=True)
    code: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    # the provider's Chinese name (``X-Language: zh_cn``); None until synced in Chinese
    name_zh: Mapped[str | None] = mapped_column(String(200))
    service_type: Mapped[str] = mapped_column(String(80))
    resource_type: Mapped[str] = mapped_column(String(80))
    family: Mapped[str | None] = mapped_column(String(80))
    family_zh: Mapped[str | None] = mapped_column(String(80))
    os: Mapped[str | None] = mapped_column(String(20))
    vcpus: Mapped[int | None]
    memory_gib: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    size_unit: Mapped[str | None] = mapped_column(String(10))  # "GB", "Mbit/s"
    min_size: Mapped[int | None]
    max_size: Mapped[int | None]
    # EIP: the bandwidth spec billed per Mbit/s next to the address itself
    bandwidth_resource_type: Mapped[str | None] = mapped_column(String(80))
    bandwidth_spec: Mapped[str | None] = mapped_column(String(80))
    sort: Mapped[int] = mapped_column(default=100)
    synced_at: Mapped[datetime | None]

    regions: Mapped[list[SpecRegion]] = relationship(
        back_populates="spec", cascade="all, delete-orphan", lazy="selectin"
    )


class SpecRegion(Model):
    """Where (and in which charge modes) the provider sells a spec."""

    __tablename__ = "catalog_spec_regions"
    __table_args__ = (UniqueConstraint("spec_id", "region_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    spec_id: Mapped[int] = mapped_column(ForeignKey("catalog_specs.id", ondelete="CASCADE"))
    region_code: Mapped[str] = mapped_column(ForeignKey("catalog_regions.code"), index=True)
    on_demand: Mapped[bool] = mapped_column(default=False)
    period: Mapped[bool] = mapped_column(default=False)
    synced_at: Mapped[datetime | None]

    spec: Mapped[Spec] = relationship(back_populates="regions")


class PriceBookEntry(Model):
    """Official price and partner cost of one unit for one time unit, from the rating APIs.

    ``size_from`` is 0 for a flat spec; for a linear spec it is the first unit of size
    this tier's rate applies to (1, 6, …).
    """

    __tablename__ = "catalog_price_book"
    __table_args__ = (
        UniqueConstraint(
            "region_code", "resource_type", "provider_spec", "period_unit", "size_from"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(String(40))
    service_type: Mapped[str] = mapped_column(String(80))
    resource_type: Mapped[str] = mapped_column(String(80))
    provider_spec: Mapped[str] = mapped_column(String(80))
    billing_mode: Mapped[str] = mapped_column(String(12))  # on_demand | period
    period_unit: Mapped[str] = mapped_column(String(8))  # hour | month | year
    size_from: Mapped[int] = mapped_column(default=0)
    official: Mapped[Decimal] = mapped_column(RATE)
    cost: Mapped[Decimal] = mapped_column(RATE)
    currency: Mapped[str] = mapped_column(String(3))
    fetched_at: Mapped[datetime] = mapped_column(index=True)


class TermPrice(Model):
    """The provider's price of one unit for a whole prepaid term of ``period_num`` (2 or more)
    months or years (``list_rate_on_period_detail`` with that ``period_num``), next to the
    one-period row in :class:`PriceBookEntry`; a term the book holds is quoted at this price
    instead of N x one period. ``size_from`` as there."""

    __tablename__ = "catalog_term_prices"
    __table_args__ = (
        UniqueConstraint(
            "region_code",
            "resource_type",
            "provider_spec",
            "period_unit",
            "period_num",
            "size_from",
            name="uq_catalog_term_prices_key",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(String(40))
    service_type: Mapped[str] = mapped_column(String(80))
    resource_type: Mapped[str] = mapped_column(String(80))
    provider_spec: Mapped[str] = mapped_column(String(80))
    period_unit: Mapped[str] = mapped_column(String(8))  # month | year
    period_num: Mapped[int]
    size_from: Mapped[int] = mapped_column(default=0)
    official: Mapped[Decimal] = mapped_column(RATE)
    cost: Mapped[Decimal] = mapped_column(RATE)
    currency: Mapped[str] = mapped_column(String(3))
    fetched_at: Mapped[datetime] = mapped_column(index=True)


class SyncMark(Model):
    """When one unit of sync work (a region × resource type × mode) last completed."""

    __tablename__ = "catalog_sync_marks"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    fetched_at: Mapped[datetime]


class ProductText(StoreScoped, Model):
    """A store's own description of a product, per language (sandboxed template source).

    Empty means "not written": the page falls back to the other language, then to the
    catalogue's default text on :class:`Product`.
    """

    __tablename__ = "catalog_product_texts"
    __table_args__ = (UniqueConstraint("store_id", "product_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_code: Mapped[str] = mapped_column(
        ForeignKey("catalog_products.code", ondelete="CASCADE")
    )
    description: Mapped[str] = mapped_column(Text, default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))


class HiddenItem(StoreScoped, Model):
    """A product, region or spec this store does not offer."""

    __tablename__ = "catalog_hidden"
    __table_args__ = (UniqueConstraint("store_id", "kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # product | region | spec
    code: Mapped[str] = mapped_column(String(120))  # spec: "<product>/<spec>"


class CustomerGroup(StoreScoped, Model):
    __tablename__ = "catalog_customer_groups"
    __table_args__ = (UniqueConstraint("store_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))


class CustomerGroupMember(StoreScoped, Model):
    __tablename__ = "catalog_customer_group_members"
    __table_args__ = (UniqueConstraint("group_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_customer_groups.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )


class PriceRule(StoreScoped, Model):
    __tablename__ = "catalog_price_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_code: Mapped[str | None] = mapped_column(String(20))
    spec_code: Mapped[str | None] = mapped_column(String(80))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("catalog_customer_groups.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(10))  # markup | discount
    adjustment: Mapped[str] = mapped_column(String(10))  # percent | fixed
    value: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    allow_below_cost: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Quote(StoreScoped, Model):
    """A binding price for a basket, locked at quote time until ``expires_at``."""

    __tablename__ = "catalog_quotes"
    # The store's quotes newest first (the partner workspace); a quote is otherwise found by
    # its id. Ids start with their creation time, so new rows go to the end of each index.
    __table_args__ = (Index("ix_catalog_quotes_store_created", "store_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    session_key: Mapped[str | None] = mapped_column(String(64))
    region_code: Mapped[str] = mapped_column(String(40))
    billing_mode: Mapped[str] = mapped_column(String(12))
    period: Mapped[int | None]
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(MONEY)
    cost_total: Mapped[Decimal] = mapped_column(MONEY)
    monthly_estimate: Mapped[Decimal | None] = mapped_column(MONEY)
    stale: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    # No index: each one costs a b-tree insert per quote written (a hot path), and the only
    # reader, the daily purge of expired quotes, walks the table by primary key anyway.
    expires_at: Mapped[datetime]

    line_data: Mapped[list[dict[str, Any]]] = mapped_column("lines", JSON, server_default="[]")

    @property
    def lines(self) -> tuple[QuoteLine, ...]:
        """The priced lines, in order (kept in the quote's own row: one write per quote)."""
        return tuple(QuoteLine.from_json(item) for item in self.line_data)


@dataclass(frozen=True, slots=True)
class QuoteLine:
    """One priced line of a quote, as stored in :attr:`Quote.line_data` (amounts as text)."""

    position: int
    product_code: str
    spec_code: str
    quantity: int
    size: int | None
    unit_price: Decimal
    amount: Decimal
    unit_cost: Decimal
    cost_amount: Decimal
    official_amount: Decimal
    rule_id: int | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QuoteLine:
        return cls(
            position=int(data["position"]),
            product_code=str(data["product_code"]),
            spec_code=str(data["spec_code"]),
            quantity=int(data["quantity"]),
            size=None if data.get("size") is None else int(data["size"]),
            unit_price=Decimal(data["unit_price"]),
            amount=Decimal(data["amount"]),
            unit_cost=Decimal(data["unit_cost"]),
            cost_amount=Decimal(data["cost_amount"]),
            official_amount=Decimal(data["official_amount"]),
            rule_id=None if data.get("rule_id") is None else int(data["rule_id"]),
        )
