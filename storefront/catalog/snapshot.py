"""An in-process, read-only copy of what pricing needs, so quotes and catalogue pages do not
query the price book, specs and rules on every request.

The copy is per app and reloaded when older than ``CATALOG_CACHE_SECONDS`` (default 30 s: other
processes see a sync or a rule change within that) or at once after this process flushes a
change to any of the cached tables (see :func:`install`). Sync commands call
:func:`invalidate` after their bulk writes.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session

from storefront.catalog import pricing
from storefront.catalog.models import (
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

CACHED = (Region, Product, Spec, SpecRegion, PriceBookEntry, TermPrice, PriceRule, HiddenItem)
_generation = itertools.count(1)
_current = next(_generation)
_lock = threading.Lock()


def invalidate() -> None:
    """Make every app in this process reload its copy on next use."""
    global _current
    _current = next(_generation)


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


@dataclass(frozen=True, slots=True)
class RateCard:
    tiers: tuple[pricing.Tier, ...]
    fetched_at: datetime
    currency: str


@dataclass(frozen=True)
class Catalog:
    generation: int
    loaded_at: float
    fresh_until: float  # time.monotonic() past which it is reloaded
    regions: frozenset[str]
    region_list: tuple[RegionView, ...]  # in display order
    products: dict[str, ProductView]  # in display order
    specs: dict[tuple[str, str], SpecView]  # in catalogue order
    # (region, period unit, resource type, provider spec) -> card
    cards: dict[tuple[str, str, str, str], RateCard]
    # (region, period unit, period_num, resource type, provider spec) -> the whole term's card
    terms: dict[tuple[str, str, int, str, str], RateCard] = field(default_factory=dict)


@dataclass(frozen=True)
class StoreCopy:
    generation: int
    loaded_at: float
    fresh_until: float
    hidden: list[tuple[str, str]]
    rules: tuple[pricing.Rule, ...]


def _times() -> tuple[float, float]:
    """(now, when a copy loaded now goes stale): asked once per load, not on each read."""
    now = time.monotonic()
    return now, now + float(current_app.config.get("CATALOG_CACHE_SECONDS", 30))


def _fresh(entry: Any) -> bool:
    return (
        entry is not None and entry.generation == _current and time.monotonic() < entry.fresh_until
    )


def _load_catalog() -> Catalog:
    generation = _current
    region_list = tuple(
        RegionView(r.code, r.name, r.name_zh, r.sort)
        for r in db.session.scalars(select(Region).order_by(Region.sort, Region.code))
    )
    regions = frozenset(r.code for r in region_list)
    products = {
        p.code: ProductView(p.code, p.name, p.name_zh, p.description, p.description_zh, p.sort)
        for p in db.session.scalars(select(Product).order_by(Product.sort, Product.code))
    }
    specs: dict[tuple[str, str], SpecView] = {}
    for spec in db.session.scalars(select(Spec).order_by(Spec.product_code, Spec.sort, Spec.id)):
        specs[(spec.product_code, spec.code)] = SpecView(
            id=spec.id,
            product_code=spec.product_code,
            code=spec.code,
            name=spec.name,
            family=spec.family,
            os=spec.os,
            name_zh=spec.name_zh,
            family_zh=spec.family_zh,
            vcpus=spec.vcpus,
            memory_gib=spec.memory_gib,
            sort=spec.sort,
            size_unit=spec.size_unit,
            resource_type=spec.resource_type,
            min_size=spec.min_size,
            max_size=spec.max_size,
            bandwidth_resource_type=spec.bandwidth_resource_type,
            bandwidth_spec=spec.bandwidth_spec,
            regions=tuple(SpecOffer(r.region_code, r.on_demand, r.period) for r in spec.regions),
        )
    book = PriceBookEntry
    cards = _rate_cards(
        select(book.region_code, book.period_unit, book.resource_type, book.provider_spec),
        book,
    )
    terms = TermPrice
    term_cards = _rate_cards(
        select(
            terms.region_code,
            terms.period_unit,
            terms.period_num,
            terms.resource_type,
            terms.provider_spec,
        ),
        terms,
    )
    return Catalog(generation, *_times(), regions, region_list, products, specs, cards, term_cards)


def _rate_cards(keys: Any, table: Any) -> dict[Any, RateCard]:
    """Rate cards keyed by the columns ``keys`` selects, tiers in size order, from ``table``
    (the price book or the term prices: both carry size_from, official, cost, fetched_at,
    currency)."""
    n = len(keys.selected_columns)
    rows = db.session.execute(
        keys.add_columns(
            table.size_from, table.official, table.cost, table.fetched_at, table.currency
        ).order_by(table.size_from)
    ).all()
    tiers: dict[Any, list[pricing.Tier]] = {}
    oldest: dict[Any, datetime] = {}
    currency: dict[Any, str] = {}
    for row in rows:
        key = tuple(row[:n])
        start, official, cost, fetched, cur = row[n:]
        tiers.setdefault(key, []).append(
            pricing.Tier(start, pricing.Rate(Decimal(official), Decimal(cost)))
        )
        oldest[key] = min(fetched, oldest.get(key, fetched))
        currency[key] = cur
    return {k: RateCard(tuple(v), oldest[k], currency[k]) for k, v in tiers.items()}


def catalog() -> Catalog:
    """This app's copy of regions, specs and the price book (shared by all stores)."""
    cache: dict[str, Any] = current_app.extensions.setdefault("catalog.snapshot", {})
    entry = cache.get("catalog")
    if not _fresh(entry):
        with _lock:
            entry = cache.get("catalog")
            if not _fresh(entry):
                entry = cache["catalog"] = _load_catalog()
    assert isinstance(entry, Catalog)
    return entry


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


def store_copy(store_id: int) -> StoreCopy:
    """The current store's hidden items and price rules (as pricing rules, converted once per
    load rather than on every quote)."""
    cache: dict[str, Any] = current_app.extensions.setdefault("catalog.snapshot", {})
    key = f"store:{store_id}"
    entry = cache.get(key)
    if not _fresh(entry):
        generation = _current
        hidden = [
            (kind, code)
            for kind, code in db.session.execute(select(HiddenItem.kind, HiddenItem.code))
        ]
        rules = tuple(
            rule_of(row) for row in db.session.scalars(select(PriceRule).order_by(PriceRule.id))
        )
        entry = cache[key] = StoreCopy(generation, *_times(), hidden, rules)
    assert isinstance(entry, StoreCopy)
    return entry


def version(store_id: int) -> tuple[int, float, int, float]:
    """Identifies the copies now in use for ``store_id``: it changes whenever either is reloaded
    (after a change in this process, or every ``CATALOG_CACHE_SECONDS``), so anything derived
    from them (rendered fragments) can be keyed on it."""
    book, mine = catalog(), store_copy(store_id)
    return (book.generation, book.loaded_at, mine.generation, mine.loaded_at)


def cards_for(
    region: str, unit: str, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], RateCard]:
    cards = catalog().cards
    found = {}
    for rtype, pspec in keys:
        card = cards.get((region, unit, rtype, pspec))
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
        card = terms.get((region, unit, period_num, rtype, pspec))
        if card is not None:
            found[(rtype, pspec)] = card
    return found


def _after_flush(session: Session, flush_context: Any) -> None:
    for obj in itertools.chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, CACHED):
            invalidate()
            return


_TABLES = frozenset(model.__tablename__ for model in CACHED)


def _after_bulk(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _TABLES:
            invalidate()


def install() -> None:
    """Invalidate on any ORM change (unit of work or bulk statement) to a cached table."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _after_bulk)
