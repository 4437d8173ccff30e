"""Sync the catalogue and the price book from the provider into local tables.

Both jobs are split into small units of work (a region x resource type x charge mode for the
catalogue; one rating call of up to 100 items for prices, :mod:`.price_sync`). Each unit is
fetched and upserted
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

from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session

from storefront import sql
from storefront.catalog import price_sync
from storefront.catalog.base_data import PRODUCTS, REGIONS
from storefront.catalog.models import (
    Product,
    Region,
    Spec,
    SpecRegion,
    SyncMark,
)
from storefront.catalog.passes import PASSES, run_units
from storefront.clock import utcnow
from storefront.cloud.interface import (
    ChargeMode,
    CloudProvider,
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
    """``INSERT … ON CONFLICT (keys) DO UPDATE`` of ``rows`` (nothing for no rows): one
    single-row statement executed for every row (compiled once; a multi-row VALUES statement of
    800 specs compiled thousands of bind parameters per unit)."""
    if not rows:
        return
    core = getattr(table, "__table__", table)
    stmt = sql.dialect_insert(core)
    columns = [c for c in rows[0] if c not in keys]
    stmt = stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: stmt.excluded[c] for c in columns}
    )
    session.execute(stmt, rows)


def _fresh_marks(session: DBSession, now: datetime, window: timedelta) -> set[str]:
    """The catalogue units fetched within ``window`` (one query for the whole run)."""
    marks = session.execute(
        select(SyncMark.key, SyncMark.fetched_at).where(SyncMark.key.startswith("catalog:"))
    )
    return {key for key, at in marks if now - at < window}


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


def catalogue_units(session: DBSession | None = None) -> list[tuple[str, Source, ChargeMode]]:
    """Every region x resource type x charge mode: the regions of the catalogue's region
    table (the partner's; seeded with :data:`.base_data.REGIONS`), those alone without one."""
    codes = [code for code, _n, _z in REGIONS]
    if session is not None:
        ensure_base(session)
        codes = list(session.scalars(select(Region.code).order_by(Region.sort, Region.code)))
    return [
        (region, source, mode)
        for region in codes
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
    fresh = set() if force else _fresh_marks(session, now, window)
    fetch = partial(_catalog_unit, session, provider, now=now, fresh=fresh, force=force)
    todo = units if units is not None else catalogue_units(session)
    setup = partial(ensure_base, session)  # regions and products, committed before the units
    return run_units(todo, fetch, session=session, label="catalogue", passes=passes, setup=setup)


def _catalog_unit(
    session: DBSession,
    provider: CloudProvider,
    unit: tuple[str, Source, ChargeMode],
    *,
    now: datetime,
    fresh: set[str],
    force: bool,
) -> bool:
    region, source, mode = unit
    key = f"catalog:{region}:{source.resource_type}:{mode.name.lower()}"
    if not force and key in fresh:
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
        chinese = _chinese_names(session, source, specs, force, listing)
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


def _chinese_names(
    session: DBSession,
    source: Source,
    specs: tuple[ResourceSpec, ...],
    force: bool,
    listing: Any,
) -> dict[str, str | None]:
    """The specs' Chinese names: the names already synced, or (a spec new, renamed in English
    or without one; ``force``) the same listing asked again in Chinese."""
    known = {
        code: (name, name_zh)
        for code, name, name_zh in session.execute(
            select(Spec.code, Spec.name, Spec.name_zh).where(
                Spec.product_code == source.product, Spec.code.in_([s.spec for s in specs])
            )
        )
    }
    if not force and all(
        known.get(s.spec, ("", None))[1] and known[s.spec][0] == s.name for s in specs
    ):
        return {code: zh for code, (_en, zh) in known.items()}
    return {s.spec: s.name for s in listing(language=CHINESE)}


# --------------------------------------------------------------------------- prices


def price_units(
    session: DBSession,
    *,
    now: datetime | None = None,
    window: timedelta = DEFAULT_WINDOW,
    force: bool = False,
    stats: Any = None,
) -> list[Any]:
    """The rating calls a price sync would make now (:func:`.price_sync.plan`)."""
    when = now if now is not None else utcnow()
    return price_sync.plan(session, now=when, window=window, force=force, stats=stats)


def sync_prices(
    session: DBSession,
    provider: CloudProvider,
    *,
    now: datetime,
    window: timedelta = DEFAULT_WINDOW,
    force: bool = False,
    units: Iterable[Any] | None = None,
    passes: int = PASSES,
    stats: Any = None,
    in_flight: int | None = None,
) -> int:
    """Rate every missing or stale price series, as few calls as the provider allows
    (:mod:`.price_sync`); returns the rating calls made."""
    return price_sync.sync_prices(
        session,
        provider,
        now=now,
        window=window,
        force=force,
        units=units,
        passes=passes,
        stats=stats,
        in_flight=in_flight or price_sync.IN_FLIGHT,
    )
