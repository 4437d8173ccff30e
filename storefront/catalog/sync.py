"""Sync the catalogue and the price book from the provider into local tables.

Both jobs are split into small units of work (a region x resource type x charge mode for the
catalogue; a region x time unit x batch of specs for prices). Each unit is fetched and upserted
here, and committed on its own by the runner (:func:`.passes.run_units`), so the jobs are safe
to run while the storefront serves, and a job
that stopped half-way continues where it stopped: units done within ``window`` are skipped.
Units whose calls keep failing are tried again in later passes (:mod:`.passes`), so a sync
completes while the provider fails or throttles some of its calls.

Schedule a refresh with cron, e.g. every 6 hours (prices are flagged stale after 24 h)::

    17 */6 * * *  cd /srv/storefront && FLASK_APP=storefront .venv/bin/flask storefront sync-catalog --quiet && FLASK_APP=storefront .venv/bin/flask storefront sync-prices --quiet
"""  # noqa: E501

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session, scoped_session

from storefront import sql
from storefront.catalog import pricing
from storefront.catalog.base_data import PRODUCTS, REGIONS
from storefront.catalog.models import (
    PriceBookEntry,
    Product,
    Region,
    Spec,
    SpecRegion,
    SyncMark,
    TermPrice,
)
from storefront.catalog.passes import PASSES, run_units
from storefront.cloud.interface import (
    ChargeMode,
    CloudProvider,
    PeriodType,
    RatingItem,
    ResourceSpec,
    SizeUnit,
)

log = logging.getLogger(__name__)

EC2, EBS, VPC = "hws.service.type.ec2", "hws.service.type.ebs", "hws.service.type.vpc"
VM, VOLUME = "hws.resource.type.vm", "hws.resource.type.volume"
IP, BANDWIDTH = "hws.resource.type.ip", "hws.resource.type.bandwidth"
VPC_RESOURCE = "hws.resource.type.vpc"

DEFAULT_WINDOW = timedelta(hours=6)
# The provider names specs in the language of the request's ``X-Language`` header.
ENGLISH, CHINESE = "en_US", "zh_CN"
RATING_BATCH = 50  # items per rating call (the provider takes up to 100)


@dataclass(frozen=True, slots=True)
class Source:
    """Where a product's specs come from at the provider."""

    product: str | None  # None: not a product of its own (EIP bandwidth)
    service_type: str
    resource_type: str
    size_unit: str | None = None
    min_size: int | None = None
    max_size: int | None = None
    measure: SizeUnit | None = None


# The interface does not report size bounds: the provider's documented ones.
SOURCES: tuple[Source, ...] = (
    Source("ecs", EC2, VM),
    Source("evs", EBS, VOLUME, "GB", 10, 32768, SizeUnit.GB),
    Source("vpc", VPC, VPC_RESOURCE),
    Source("eip", VPC, IP, "Mbit/s", 1, 300),
    Source(None, VPC, BANDWIDTH, "Mbit/s", 1, 300, SizeUnit.MBIT_S),
)
BY_RESOURCE = {s.resource_type: s for s in SOURCES}
PROBE_SIZES = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)

DBSession = Session | scoped_session[Any]


def upsert(session: DBSession, table: Any, rows: list[dict[str, Any]], keys: list[str]) -> None:
    """``INSERT … ON CONFLICT (keys) DO UPDATE`` of ``rows`` (nothing for no rows)."""
    stmt = sql.upsert(table, rows, keys)
    if stmt is not None:
        session.execute(stmt)


def _fresh(session: DBSession, key: str, now: datetime, window: timedelta) -> bool:
    mark = session.get(SyncMark, key)
    return mark is not None and now - mark.fetched_at < window


def _mark(session: DBSession, key: str, now: datetime) -> None:
    upsert(session, SyncMark, [{"key": key, "fetched_at": now}], ["key"])


# --------------------------------------------------------------------------- catalogue


def ensure_base(session: DBSession) -> None:
    """Regions and product texts (inserted once; later edits by a store are kept)."""
    existing = set(session.scalars(select(Region.code)))
    for sort, (code, name, name_zh) in enumerate(REGIONS):
        if code not in existing:
            session.add(Region(code=code, name=name, name_zh=name_zh, sort=sort))
    products = set(session.scalars(select(Product.code)))
    for sort, (code, name, name_zh, text, text_zh) in enumerate(PRODUCTS):
        if code not in products:
            session.add(
                Product(
                    code=code,
                    name=name,
                    name_zh=name_zh,
                    description=text,
                    description_zh=text_zh,
                    sort=sort,
                )
            )
    session.flush()


def _family(source: Source, name: str | None) -> str | None:
    """An ECS flavour's family: the first part of the provider's "family | flavour | …" name."""
    parts = [p.strip() for p in (name or "").split("|")]
    return parts[0] if source.product == "ecs" and len(parts) > 1 else None


def _spec_row(
    source: Source, spec: ResourceSpec, now: datetime, sort: int, name_zh: str | None = None
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "product_code": source.product,
        "code": spec.spec,
        "name": spec.name,
        "name_zh": name_zh,
        "family_zh": _family(source, name_zh),
        "service_type": spec.service_type,
        "resource_type": spec.resource_type,
        "family": _family(source, spec.name),
        "os": None,
        "vcpus": spec.vcpus,
        "memory_gib": spec.memory_gib,
        "size_unit": source.size_unit,
        "min_size": source.min_size,
        "max_size": source.max_size,
        "sort": sort,
        "synced_at": now,
    }
    if source.product == "ecs":
        row["os"] = "windows" if spec.spec.endswith(".win") else "linux"
    if source.product == "eip":
        line = spec.spec.split("_", 1)[-1]
        row["bandwidth_resource_type"] = BANDWIDTH
        row["bandwidth_spec"] = f"19_{line}"
    return row


def catalogue_units() -> list[tuple[str, Source, ChargeMode]]:
    return [
        (region, source, mode)
        for region, _n, _z in REGIONS
        for source in SOURCES
        for mode in (ChargeMode.ON_DEMAND, ChargeMode.PERIOD)
    ]


def sync_catalog(
    session: DBSession,
    provider: CloudProvider,
    *,
    now: datetime,
    window: timedelta = DEFAULT_WINDOW,
    force: bool = False,
    units: Iterable[tuple[str, Source, ChargeMode]] | None = None,
    passes: int = PASSES,
) -> int:
    """Fetch specs per region, resource type and charge mode; returns the units fetched.
    Units that keep failing are tried again in later passes (:func:`passes.run_units`)."""
    fetch = partial(_catalog_unit, session, provider, now=now, window=window, force=force)
    todo = units if units is not None else catalogue_units()
    setup = partial(ensure_base, session)  # regions and products, committed before the units
    return run_units(todo, fetch, session=session, label="catalogue", passes=passes, setup=setup)


def _catalog_unit(
    session: DBSession,
    provider: CloudProvider,
    unit: tuple[str, Source, ChargeMode],
    *,
    now: datetime,
    window: timedelta,
    force: bool,
) -> bool:
    region, source, mode = unit
    key = f"catalog:{region}:{source.resource_type}:{mode.name.lower()}"
    if not force and _fresh(session, key, now, window):
        return False
    listing = partial(
        provider.list_resource_specs,
        service_type=source.service_type,
        resource_type=source.resource_type,
        region=region,
        charge_mode=mode,
    )
    specs = listing(language=ENGLISH)
    if source.product is not None:
        # the same listing in Chinese, for the names Chinese pages show
        chinese = {s.spec: s.name for s in listing(language=CHINESE)}
        rows = [_spec_row(source, s, now, i, chinese.get(s.spec)) for i, s in enumerate(specs)]
        upsert(session, Spec, rows, ["product_code", "code"])
        codes = [s.spec for s in specs]
        ids = session.scalars(
            select(Spec.id).where(Spec.product_code == source.product, Spec.code.in_(codes))
        ).all()
        flag = "on_demand" if mode is ChargeMode.ON_DEMAND else "period"
        upsert(
            session,
            SpecRegion,
            [{"spec_id": i, "region_code": region, flag: True, "synced_at": now} for i in ids],
            ["spec_id", "region_code"],
        )
    region_row = session.get(Region, region)
    if region_row is not None:
        region_row.synced_at = now
    _mark(session, key, now)
    return True


# --------------------------------------------------------------------------- prices

UNITS: tuple[tuple[pricing.PeriodUnit, ChargeMode], ...] = (
    (pricing.PeriodUnit.HOUR, ChargeMode.ON_DEMAND),
    (pricing.PeriodUnit.MONTH, ChargeMode.PERIOD),
    (pricing.PeriodUnit.YEAR, ChargeMode.PERIOD),
)


@dataclass(frozen=True, slots=True)
class Rateable:
    """One provider spec to rate in a region: flat, or linear with probe sizes."""

    service_type: str
    resource_type: str
    spec: str
    sizes: tuple[int, ...] = ()
    measure: SizeUnit | None = None


def _probes(lo: int, hi: int) -> tuple[int, ...]:
    return tuple(sorted({lo, hi, *(s for s in PROBE_SIZES if lo <= s <= hi)}))


def rateables(session: DBSession, region: str, mode: ChargeMode) -> list[Rateable]:
    flag = SpecRegion.on_demand if mode is ChargeMode.ON_DEMAND else SpecRegion.period
    specs = session.scalars(
        select(Spec)
        .join(SpecRegion)
        .where(SpecRegion.region_code == region, flag.is_(True))
        .order_by(Spec.product_code, Spec.sort, Spec.id)
    ).all()
    found: dict[tuple[str, str], Rateable] = {}
    for spec in specs:
        source = BY_RESOURCE[spec.resource_type]
        if source.measure is not None and spec.min_size and spec.max_size:
            item = Rateable(
                spec.service_type,
                spec.resource_type,
                spec.code,
                _probes(spec.min_size, spec.max_size),
                source.measure,
            )
        else:
            item = Rateable(spec.service_type, spec.resource_type, spec.code)
        found[(item.resource_type, item.spec)] = item
        if spec.bandwidth_spec and spec.bandwidth_resource_type:
            bw = BY_RESOURCE[spec.bandwidth_resource_type]
            assert bw.min_size is not None and bw.max_size is not None
            found[(bw.resource_type, spec.bandwidth_spec)] = Rateable(
                spec.service_type,
                bw.resource_type,
                spec.bandwidth_spec,
                _probes(bw.min_size, bw.max_size),
                bw.measure,
            )
    return list(found.values())


def _batches(items: list[Rateable]) -> list[list[Rateable]]:
    batches: list[list[Rateable]] = []
    current: list[Rateable] = []
    size = 0
    for item in items:
        n = max(1, len(item.sizes))
        if current and size + n > RATING_BATCH:
            batches.append(current)
            current, size = [], 0
        current.append(item)
        size += n
    if current:
        batches.append(current)
    return batches


def price_units(
    session: DBSession,
) -> list[tuple[str, pricing.PeriodUnit, ChargeMode, list[Rateable]]]:
    units = []
    for region in session.scalars(select(Region.code).order_by(Region.sort)):
        for unit, mode in UNITS:
            for batch in _batches(rateables(session, region, mode)):
                units.append((region, unit, mode, batch))
    return units


def _rate(
    provider: CloudProvider,
    region: str,
    unit: pricing.PeriodUnit,
    batch: list[Rateable],
    count: int = 1,
) -> tuple[str, dict[tuple[str, str], list[pricing.Tier]]]:
    items: list[RatingItem] = []
    for r in batch:
        for size in r.sizes or (0,):
            items.append(
                RatingItem(
                    key=f"{r.resource_type}|{r.spec}|{size}",
                    service_type=r.service_type,
                    resource_type=r.resource_type,
                    spec=r.spec,
                    region=region,
                    size=size or None,
                    size_unit=r.measure if size else None,
                )
            )
    if unit is pricing.PeriodUnit.HOUR:
        rating = provider.rate_on_demand(items=items, hours=1)
    else:
        period = PeriodType.MONTH if unit is pricing.PeriodUnit.MONTH else PeriodType.YEAR
        rating = provider.rate_period(items=items, period=period, count=count)
    tiers: dict[tuple[str, str], list[pricing.Tier]] = {}
    for r in batch:
        if not r.sizes:
            price = rating.item(f"{r.resource_type}|{r.spec}|0")
            tiers[(r.resource_type, r.spec)] = [
                pricing.Tier(0, pricing.Rate(price.official, price.amount))
            ]
            continue
        samples = []
        for size in r.sizes:
            price = rating.item(f"{r.resource_type}|{r.spec}|{size}")
            samples.append((size, pricing.Rate(price.official, price.amount)))
        tiers[(r.resource_type, r.spec)] = pricing.compress_tiers(samples, places=10)
    return rating.currency, tiers


def _batch_fresh(
    session: DBSession,
    region: str,
    unit: pricing.PeriodUnit,
    batch: list[Rateable],
    now: datetime,
    window: timedelta,
) -> bool:
    keys = [(r.resource_type, r.spec) for r in batch]
    rows = session.execute(
        select(
            PriceBookEntry.resource_type, PriceBookEntry.provider_spec, PriceBookEntry.fetched_at
        ).where(
            PriceBookEntry.region_code == region,
            PriceBookEntry.period_unit == unit.value,
            tuple_(PriceBookEntry.resource_type, PriceBookEntry.provider_spec).in_(keys),
        )
    ).all()
    newest: dict[tuple[str, str], datetime] = {}
    for rtype, spec, fetched in rows:
        newest[(rtype, spec)] = min(fetched, newest.get((rtype, spec), fetched))
    return all(k in newest and now - newest[k] < window for k in keys)


def sync_prices(
    session: DBSession,
    provider: CloudProvider,
    *,
    now: datetime,
    window: timedelta = DEFAULT_WINDOW,
    force: bool = False,
    units: Iterable[tuple[str, pricing.PeriodUnit, ChargeMode, list[Rateable]]] | None = None,
    passes: int = PASSES,
) -> int:
    """Rate every synced spec per region and time unit; returns the batches fetched. A batch
    replaces its own price rows in one transaction, or nothing (failed batches: later passes)."""
    fetch = partial(_price_unit, session, provider, now=now, window=window, force=force)
    todo = units if units is not None else price_units(session)
    return run_units(todo, fetch, session=session, label="prices", passes=passes)


def _price_unit(
    session: DBSession,
    provider: CloudProvider,
    unit: tuple[str, pricing.PeriodUnit, ChargeMode, list[Rateable]],
    *,
    now: datetime,
    window: timedelta,
    force: bool,
) -> bool:
    region, period_unit, mode, batch = unit
    if not force and _batch_fresh(session, region, period_unit, batch, now, window):
        return False
    currency, tiers = _rate(provider, region, period_unit, batch)
    by_type = {r.resource_type: r.service_type for r in batch}
    for (rtype, spec), spec_tiers in tiers.items():
        base = {
            "region_code": region,
            "service_type": by_type[rtype],
            "resource_type": rtype,
            "provider_spec": spec,
            "billing_mode": "on_demand" if mode is ChargeMode.ON_DEMAND else "period",
            "period_unit": period_unit.value,
            "currency": currency,
            "fetched_at": now,
        }
        _store_tiers(session, PriceBookEntry, base, spec_tiers)
    if period_unit is not pricing.PeriodUnit.HOUR:
        _sync_terms(session, provider, region, period_unit, batch, now, by_type)
    return True


# A prepaid term of several periods has its own price at the provider (it need not be N times
# one period), rated with ``period_num``: months 2..9, years 2..3.
TERMS = {
    pricing.PeriodUnit.MONTH: pricing.PERIOD_LIMITS[pricing.BillingMode.MONTHLY][1],
    pricing.PeriodUnit.YEAR: pricing.PERIOD_LIMITS[pricing.BillingMode.YEARLY][1],
}


def _sync_terms(
    session: DBSession,
    provider: CloudProvider,
    region: str,
    unit: pricing.PeriodUnit,
    batch: list[Rateable],
    now: datetime,
    by_type: dict[str, str],
) -> None:
    """Rate ``batch`` for every multi-period term into :class:`TermPrice` (same transaction as
    the one-period rows, so a batch is either fully refreshed or not at all)."""
    for count in range(2, TERMS[unit] + 1):
        currency, tiers = _rate(provider, region, unit, batch, count)
        for (rtype, spec), spec_tiers in tiers.items():
            base = {
                "region_code": region,
                "service_type": by_type[rtype],
                "resource_type": rtype,
                "provider_spec": spec,
                "period_unit": unit.value,
                "period_num": count,
                "currency": currency,
                "fetched_at": now,
            }
            _store_tiers(session, TermPrice, base, spec_tiers)


# What identifies one spec's tiers in each price table (besides ``size_from``).
_TIER_KEYS: dict[type, tuple[str, ...]] = {
    PriceBookEntry: ("region_code", "resource_type", "provider_spec", "period_unit"),
    TermPrice: ("region_code", "resource_type", "provider_spec", "period_unit", "period_num"),
}


def _store_tiers(
    session: DBSession, table: Any, base: dict[str, Any], tiers: list[pricing.Tier]
) -> None:
    """Upsert one spec's size tiers into ``table`` (the price book or the term prices) and drop
    the tiers the provider no longer has."""
    keys = _TIER_KEYS[table]
    rows = [
        {**base, "size_from": t.start, "official": t.rate.official, "cost": t.rate.cost}
        for t in tiers
    ]
    upsert(session, table, rows, [*keys, "size_from"])
    session.execute(
        delete(table).where(
            *(getattr(table, k) == base[k] for k in keys),
            table.size_from.not_in([t.start for t in tiers]),
        )
    )
