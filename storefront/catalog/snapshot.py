"""An in-process, read-only copy of what pricing needs, so quotes and catalogue pages do not
query the price book, specs and rules on every request.

- :func:`catalog`: regions, products, specs and the price book (shared by every store), one
  copy per app (:class:`storefront.caching.Kept`). The price book and the term prices are kept
  compact (:mod:`storefront.catalog.price_book`); descriptions and store rules apart. Built on
  first use; when older than ``CATALOG_CACHE_SECONDS`` (default 30 s) a request starts a
  refresh in a background thread and is answered from the copy in hand; the refresh reloads only
  what changed (each table's signature, then only the price-book slabs with new rows). With
  ``CATALOG_COPY_SHARED`` (the default) that refresh runs in one builder process for all the
  workers, which read its file (:mod:`storefront.catalog.copy_builder`). A commit in this
  process that writes one of its tables rebuilds it in the committing thread.
- :func:`store_copy`: a store's hidden items and price rules, per store
  (:class:`storefront.caching.Cache`: dropped when that store's rows are committed, kept
  ``STORE_CACHE_SECONDS``, at most ``STOREFRONT_STORE_CACHE_SIZE`` stores).

Neither ever shows a change before it is committed (see :mod:`storefront.caching`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from flask import current_app
from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection

from storefront import caching
from storefront.catalog import price_book, pricing
from storefront.catalog.copy_builder import SharedCopy
from storefront.catalog.models import (
    CustomerGroup,
    HiddenItem,
    PriceBookEntry,
    PriceRule,
    Product,
    Region,
    Spec,
    SpecRegion,
    TermPrice,
)
from storefront.extensions import db
from storefront.stores.tenancy import in_store

RateCard = price_book.RateCard
_BOOK = cast(Table, PriceBookEntry.__table__)
_TERMS = cast(Table, TermPrice.__table__)
_SPECS = cast(Table, Spec.__table__)
_SPEC_REGIONS = cast(Table, SpecRegion.__table__)
BOOK_SLAB = ("region_code", "period_unit")
TERM_SLAB = ("region_code", "period_unit", "period_num")


@dataclass(frozen=True, slots=True)
class RegionView:
    code: str
    name: str
    name_zh: str
    sort: int


@dataclass(frozen=True, slots=True)
class ProductView:
    code: str
    name: str
    name_zh: str
    description: str
    description_zh: str
    sort: int


@dataclass(frozen=True, slots=True)
class SpecOffer:
    region_code: str
    on_demand: bool
    period: bool


@dataclass(frozen=True, slots=True)
class SpecView:
    """The parts of a :class:`Spec` that pricing and quote pages read."""

    id: int
    product_code: str
    code: str
    name: str
    family: str | None
    os: str | None
    name_zh: str | None
    family_zh: str | None
    vcpus: int | None
    memory_gib: Decimal | None
    sort: int
    size_unit: str | None
    resource_type: str
    min_size: int | None
    max_size: int | None
    bandwidth_resource_type: str | None
    bandwidth_spec: str | None
    regions: tuple[SpecOffer, ...]


@dataclass(frozen=True)
class Catalog:
    version: int  # changes whenever a refresh changed anything
    regions: frozenset[str]
    region_list: tuple[RegionView, ...]  # in display order
    products: dict[str, ProductView]  # in display order
    specs: dict[tuple[str, str], SpecView]  # in catalogue order
    book: price_book.Book  # slabs by (region, period unit)
    terms: price_book.Book  # slabs by (region, period unit, period_num): whole-term cards
    spec_signature: tuple[Any, ...]


_last_version = [0]


def _next_version() -> int:
    """A version no other copy has, in this process or another (the builder's): the clock's
    nanoseconds, always above the last one this process gave."""
    _last_version[0] = max(time.time_ns(), _last_version[0] + 1)
    return _last_version[0]


def _regions(conn: Connection) -> tuple[RegionView, ...]:
    r = cast(Table, Region.__table__).c
    rows = conn.execute(select(r.code, r.name, r.name_zh, r.sort).order_by(r.sort, r.code))
    return tuple(RegionView(*row) for row in rows)


def _products(conn: Connection) -> dict[str, ProductView]:
    p = cast(Table, Product.__table__).c
    rows = conn.execute(
        select(p.code, p.name, p.name_zh, p.description, p.description_zh, p.sort).order_by(
            p.sort, p.code
        )
    )
    return {row[0]: ProductView(*row) for row in rows}


def _spec_signature(conn: Connection) -> tuple[Any, ...]:
    found: tuple[Any, ...] = ()
    for table in (_SPECS, _SPEC_REGIONS):
        c = table.c
        found += tuple(
            conn.execute(select(func.count(), func.max(c.id), func.max(c.synced_at))).one()
        )
    return found


def _specs(conn: Connection) -> dict[tuple[str, str], SpecView]:
    r = _SPEC_REGIONS.c
    offers: dict[int, list[SpecOffer]] = {}
    kept: dict[tuple[str, bool, bool], SpecOffer] = {}  # few distinct offers: one object each
    for spec_id, region, on_demand, period in conn.execute(
        select(r.spec_id, r.region_code, r.on_demand, r.period).order_by(r.spec_id, r.id)
    ):
        key = (region, bool(on_demand), bool(period))
        offer = kept.get(key)
        if offer is None:
            offer = kept[key] = SpecOffer(sys.intern(region), *key[1:])
        offers.setdefault(spec_id, []).append(offer)
    s = _SPECS.c
    columns = (
        s.id, s.product_code, s.code, s.name, s.family, s.os, s.name_zh, s.family_zh, s.vcpus,
        s.memory_gib, s.sort, s.size_unit, s.resource_type, s.min_size, s.max_size,
        s.bandwidth_resource_type, s.bandwidth_spec,
    )  # fmt: skip
    specs: dict[tuple[str, str], SpecView] = {}
    for row in conn.execute(select(*columns).order_by(s.product_code, s.sort, s.id)):
        values: list[Any] = [sys.intern(v) if isinstance(v, str) else v for v in row]
        specs[(values[1], values[2])] = SpecView(*values, tuple(offers.get(row[0], ())))  # type: ignore[call-arg]
    return specs


def build_copy(conn: Connection) -> Catalog:
    region_list = _regions(conn)
    return Catalog(
        version=_next_version(),
        regions=frozenset(r.code for r in region_list),
        region_list=region_list,
        products=_products(conn),
        specs=_specs(conn),
        book=price_book.build(conn, _BOOK, BOOK_SLAB),
        terms=price_book.build(conn, _TERMS, TERM_SLAB),
        spec_signature=_spec_signature(conn),
    )


def refresh_copy(conn: Connection, old: Catalog, written: frozenset[str]) -> Catalog:
    """``old`` when nothing changed; else a copy that reuses every unchanged part (the tables
    this process ``written`` are reread in full)."""
    region_list, products = _regions(conn), _products(conn)
    signature = _spec_signature(conn)
    book = price_book.refresh(conn, _BOOK, old.book, full=_BOOK.name in written)
    terms = price_book.refresh(conn, _TERMS, old.terms, full=_TERMS.name in written)
    same_specs = signature == old.spec_signature and not written & {
        _SPECS.name,
        _SPEC_REGIONS.name,
    }
    if (
        same_specs
        and book is old.book
        and terms is old.terms
        and region_list == old.region_list
        and products == old.products
    ):
        return old
    return Catalog(
        version=_next_version(),
        regions=frozenset(r.code for r in region_list),
        region_list=region_list,
        products=products,
        specs=old.specs if same_specs else _specs(conn),
        book=book,
        terms=terms,
        spec_signature=signature,
    )


CATALOG_TABLES = (
    "catalog_regions", "catalog_products", "catalog_specs", "catalog_spec_regions",
    "catalog_price_book", "catalog_term_prices",
)  # fmt: skip


def shared_copy() -> SharedCopy | None:
    """This app's file of the copy (None: ``CATALOG_COPY_SHARED`` is off)."""
    if not current_app.config.get("CATALOG_COPY_SHARED", True):
        return None
    url = db.engine.url.render_as_string(hide_password=False)
    seconds = float(current_app.config.get("CATALOG_CACHE_SECONDS", 30))
    return SharedCopy.at(current_app.instance_path, url, seconds)


COPY: caching.Kept[Catalog] = caching.Kept(
    "catalog", tables=CATALOG_TABLES, build=build_copy, refresh=refresh_copy,
    seconds="CATALOG_CACHE_SECONDS", shared=shared_copy,
)  # fmt: skip


def catalog() -> Catalog:
    """This app's copy of regions, specs and the price book (shared by all stores)."""
    return COPY.get()


@dataclass(frozen=True)
class StoreCopy:
    hidden: tuple[tuple[str, str], ...]
    rules: tuple[pricing.Rule, ...]

    @property
    def content(self) -> tuple[Any, ...]:
        """What pages priced under this store depend on (stores alike share what they render)."""
        return (self.hidden, self.rules)


def rule_of(row: PriceRule) -> pricing.Rule:
    return pricing.Rule(
        kind=pricing.RuleKind(row.kind),
        adjustment=pricing.Adjustment(row.adjustment),
        value=Decimal(row.value),
        product=row.product_code,
        spec=row.spec_code,
        group=row.group_id,
        allow_below_cost=row.allow_below_cost,
        id=row.id,
    )


def _load_store(store_id: int) -> StoreCopy:
    hidden = tuple(
        (kind, code)
        for kind, code in db.session.execute(
            in_store(
                select(HiddenItem.kind, HiddenItem.code).order_by(HiddenItem.kind, HiddenItem.code),
                store_id,
            )
        )
    )
    rules = tuple(
        rule_of(row)
        for row in db.session.scalars(in_store(select(PriceRule).order_by(PriceRule.id), store_id))
    )
    return StoreCopy(hidden, rules)


STORES: caching.Cache[StoreCopy] = caching.Cache(
    "catalog.store",
    tables=("catalog_hidden", "catalog_price_rules", CustomerGroup.__tablename__),
    limit=lambda settings: settings.store_cache_size,
)


def store_copy(store_id: int) -> StoreCopy:
    """The store's hidden items and price rules (as pricing rules, converted once per load
    rather than on every quote)."""
    return STORES.get(store_id, lambda: _load_store(store_id), scope=store_id)


def version(store_id: int) -> tuple[Any, ...]:
    """What the copies now in use for ``store_id`` hold: it changes whenever the catalogue is
    refreshed with a change or the store's rules or hidden items change, so anything derived
    from them (rendered fragments, starting prices) can be keyed on it. Stores with the same
    rules and hidden items have the same version."""
    return (catalog().version, store_copy(store_id).content)


def cards_for(
    region: str, unit: str, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], RateCard]:
    book = catalog().book
    found = {}
    for rtype, pspec in keys:
        card = book.card((region, unit), rtype, pspec)
        if card is not None:
            found[(rtype, pspec)] = card
    return found


def term_cards_for(
    region: str, unit: str, period_num: int, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], RateCard]:
    """The provider's whole-term cards for ``period_num`` months or years (empty if none)."""
    terms = catalog().terms
    found = {}
    for rtype, pspec in keys:
        card = terms.card((region, unit, period_num), rtype, pspec)
        if card is not None:
            found[(rtype, pspec)] = card
    return found


def invalidate() -> None:
    """Forget this app's copies and the file the workers share (after writes made behind the
    ORM's back, e.g. raw SQL)."""
    shared = shared_copy()
    if shared is not None:
        shared.forget()
    caching.drop_all()


def install() -> None:
    caching.install()
