"""Rate every synced spec into the price book: as few calls as the provider allows.

The unit of price is a **series**: one spec in one region for one term (an hour; 1-9 months;
1-3 years), rated at one size (a flat spec) or at the probe sizes that reveal a linear spec's
tiers. Every row of a series is written together, with one ``fetched_at``: a series is fresh
when its rows were fetched within the window, missing when it has none, stale otherwise.

A run plans only the missing and stale series (``--force``: all of them) and packs them into
calls of at most :data:`MAX_RATING_ITEMS` items, the documented maximum of both rating APIs;
every item names its own region and term, so one call mixes regions, months and years. Each
call is one unit of work (:func:`.passes.run_units`): rated, written and committed on its own,
so a stopped run resumes with what is still missing, and a unit that keeps failing is tried in
a later pass. Up to :data:`IN_FLIGHT` calls are sent ahead while earlier answers are written;
the client's shared quota budget (:mod:`storefront.cloud.quota`) keeps each API under its
per-second quota. A rated series whose tiers did not change only has its ``fetched_at`` moved.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import delete, insert, select, text, update

from storefront.catalog import price_marks, pricing
from storefront.catalog.models import PriceBookEntry, Region, Spec, SpecRegion, TermPrice
from storefront.catalog.passes import PASSES, run_units
from storefront.cloud.interface import (
    MAX_RATING_ITEMS,
    CloudProvider,
    PeriodType,
    Rating,
    RatingItem,
    SizeUnit,
)

IN_FLIGHT = 4  # rating calls sent ahead of the one being written
HOUR, MONTH, YEAR = pricing.PeriodUnit.HOUR, pricing.PeriodUnit.MONTH, pricing.PeriodUnit.YEAR
# A prepaid term of several periods has its own price at the provider (it need not be N times
# one period), rated with ``period_num``: months 1..9, years 1..3.
TERMS = {
    HOUR: 1,
    MONTH: pricing.PERIOD_LIMITS[pricing.BillingMode.MONTHLY][1],
    YEAR: pricing.PERIOD_LIMITS[pricing.BillingMode.YEARLY][1],
}
_PERIOD = {MONTH: PeriodType.MONTH, YEAR: PeriodType.YEAR}
_PLACES = Decimal(1).scaleb(-10)  # the price book keeps ten places


@dataclass(frozen=True, slots=True)
class Series:
    """One spec's price in a region for one term (``count`` hours, months or years)."""

    region: str
    service_type: str
    resource_type: str
    spec: str
    unit: pricing.PeriodUnit
    count: int
    sizes: tuple[int, ...] = ()  # () flat; else the probe sizes of a linear spec
    measure: SizeUnit | None = None

    @property
    def key(self) -> tuple[str, str, str, str, int]:
        return (self.region, self.resource_type, self.spec, self.unit.value, self.count)

    @property
    def items(self) -> int:
        return max(1, len(self.sizes))


@dataclass(frozen=True, slots=True)
class Batch:
    """One rating call: on demand (``hour``) or prepaid (months and years)."""

    on_demand: bool
    series: tuple[Series, ...]

    @property
    def items(self) -> int:
        return sum(s.items for s in self.series)


@dataclass
class Stats:
    """What a run did: rating calls per API, series rated, rows written or kept."""

    calls: dict[str, int] = field(default_factory=lambda: {"on_demand": 0, "period": 0})
    fresh: int = 0  # series skipped: fetched within the window
    series: int = 0
    inserted: int = 0
    unchanged: int = 0  # rows whose price was the same (only fetched_at moved)
    deleted: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def called(self, on_demand: bool) -> None:
        with self.lock:
            self.calls["on_demand" if on_demand else "period"] += 1


# --------------------------------------------------------------------------- planning


def _probes(lo: int, hi: int, probe_sizes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted({lo, hi, *(s for s in probe_sizes if lo <= s <= hi)}))


def _rateables(session: Any) -> dict[tuple[str, bool], list[tuple[str, str, str, Any, Any]]]:
    """Per (region, on demand?): ``(service type, resource type, spec, sizes, measure)`` of
    every spec the catalogue sells there (an EIP brings its bandwidth spec)."""
    from storefront.catalog.sync import BY_RESOURCE, PROBE_SIZES

    sr, sp = SpecRegion.__table__.c, Spec.__table__.c  # Core columns: plain tuples, fast
    rows = session.execute(
        select(sr.region_code, sr.on_demand, sr.period, sp.service_type, sp.resource_type,
               sp.code, sp.min_size, sp.max_size, sp.bandwidth_resource_type, sp.bandwidth_spec)
        .join_from(SpecRegion.__table__, Spec.__table__, sp.id == sr.spec_id)
        .order_by(sp.product_code, sp.sort, sp.id)
    ).all()  # fmt: skip
    found: dict[tuple[str, bool], dict[tuple[str, str], tuple[str, str, str, Any, Any]]] = {}
    for region, on_demand, period, service, rtype, code, lo, hi, bw_type, bw_spec in rows:
        specs = [(service, rtype, code, lo, hi)]
        if bw_spec and bw_type:
            bw = BY_RESOURCE[bw_type]
            specs.append((service, bw_type, bw_spec, bw.min_size, bw.max_size))
        for mode, sold in ((True, on_demand), (False, period)):
            if not sold:
                continue
            into = found.setdefault((region, mode), {})
            for service_type, resource_type, spec, low, high in specs:
                source = BY_RESOURCE[resource_type]
                linear = source.measure is not None and low and high
                sizes = _probes(low, high, PROBE_SIZES) if linear else ()
                into[(resource_type, spec)] = (
                    service_type,
                    resource_type,
                    spec,
                    sizes,
                    source.measure if linear else None,
                )
    return {k: list(v.values()) for k, v in found.items()}


def plan(
    session: Any,
    *,
    now: datetime,
    window: timedelta,
    force: bool = False,
    stats: Stats | None = None,
) -> list[Batch]:
    """The rating calls that bring every missing or stale series up to date (none, at once,
    while the book's completeness mark holds: :mod:`.price_marks`)."""
    known = None if force else price_marks.fresh_series(session, now - window)
    if known is not None:
        if stats is not None:
            stats.fresh = known
        return []
    fresh = None if force else price_marks.Fresh(session, now - window, TERMS)
    rateables = _rateables(session)
    on_demand: list[Series] = []
    period: list[Series] = []
    skipped = 0
    for region in session.scalars(select(Region.code).order_by(Region.sort, Region.code)):
        for units in ((HOUR,), (MONTH, YEAR)):
            into = on_demand if units == (HOUR,) else period
            for service, rtype, spec, sizes, measure in rateables.get(
                (region, units == (HOUR,)), ()
            ):
                if fresh is not None and fresh.all_fresh(region, rtype, spec, units):
                    skipped += sum(TERMS[u] for u in units)
                    continue
                for unit in units:
                    for count in range(1, TERMS[unit] + 1):
                        if fresh is not None and fresh.series(region, rtype, spec, unit, count):
                            skipped += 1
                        else:
                            into.append(
                                Series(region, service, rtype, spec, unit, count, sizes, measure)
                            )
    if stats is not None:
        stats.fresh = skipped
    return _interleave(_pack(on_demand, True), _pack(period, False))


def _pack(series: list[Series], on_demand: bool) -> list[Batch]:
    """Series in order, as many per call as fit in :data:`MAX_RATING_ITEMS` items."""
    batches: list[Batch] = []
    current: list[Series] = []
    size = 0
    for s in series:
        if current and size + s.items > MAX_RATING_ITEMS:
            batches.append(Batch(on_demand, tuple(current)))
            current, size = [], 0
        current.append(s)
        size += s.items
    if current:
        batches.append(Batch(on_demand, tuple(current)))
    return batches


def _interleave(first: list[Batch], second: list[Batch]) -> list[Batch]:
    """Both lists spread evenly over one run (each API's calls apart in time: each has its
    own per-second quota)."""
    total = len(first) + len(second)
    if not first or not second:
        return first + second
    merged: list[Batch] = []
    a = b = 0
    for _ in range(total):
        if b >= len(second) or (a < len(first) and a * len(second) <= b * len(first)):
            merged.append(first[a])
            a += 1
        else:
            merged.append(second[b])
            b += 1
    return merged


# --------------------------------------------------------------------------- rating


def _item_key(series: Series, size: int) -> str:
    return f"{series.region}|{series.resource_type}|{series.spec}|{series.unit.value}" + (
        f"|{series.count}|{size}"
    )


def rate(provider: CloudProvider, batch: Batch) -> tuple[str, dict[Series, list[pricing.Tier]]]:
    """One rating call for ``batch``: each series' tiers (and the answer's currency)."""
    items = [
        RatingItem(
            key=_item_key(s, size),
            service_type=s.service_type,
            resource_type=s.resource_type,
            spec=s.spec,
            region=s.region,
            size=size or None,
            size_unit=s.measure if size else None,
            period=_PERIOD.get(s.unit),
            period_num=None if s.unit is HOUR else s.count,
        )
        for s in batch.series
        for size in s.sizes or (0,)
    ]
    rating: Rating
    if batch.on_demand:
        rating = provider.rate_on_demand(items=items, hours=1)
    else:
        rating = provider.rate_period(items=items, period=PeriodType.MONTH)
    tiers: dict[Series, list[pricing.Tier]] = {}
    answered = {it.key: it for it in rating.items}
    for s in batch.series:
        samples = []
        for size in s.sizes or (0,):
            price = answered.get(_item_key(s, size)) or rating.item(_item_key(s, size))
            samples.append((size, pricing.Rate(price.official, price.amount)))
        if s.sizes:
            tiers[s] = pricing.compress_tiers(samples, places=10)
        else:
            tiers[s] = [pricing.Tier(0, samples[0][1])]
    return rating.currency, tiers


class Prefetch:
    """Sends the rating calls of the next :data:`IN_FLIGHT` units while one is written."""

    def __init__(self, call: Callable[[Batch], Any], depth: int = IN_FLIGHT) -> None:
        self._call = call
        self._depth = depth
        self._pool = ThreadPoolExecutor(max_workers=depth, thread_name_prefix="price-sync")
        self._futures: dict[int, Future[Any]] = {}

    def ahead(self, units: Iterable[Batch]) -> Iterator[Batch]:
        """``units`` as they come, with the calls of the next ones already under way."""
        source = iter(units)
        window: deque[Batch] = deque()
        while True:
            while len(window) < self._depth + 1:
                nxt = next(source, None)
                if nxt is None:
                    break
                window.append(nxt)
                self._futures[id(nxt)] = self._pool.submit(self._call, nxt)
            if not window:
                return
            yield window.popleft()

    def result(self, unit: Batch) -> Any:
        future = self._futures.pop(id(unit), None)
        return future.result() if future is not None else self._call(unit)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._futures.clear()


# --------------------------------------------------------------------------- writing


def _write(
    session: Any,
    batch: Batch,
    currency: str,
    tiers: dict[Series, list[pricing.Tier]],
    now: datetime,
    stats: Stats,
) -> None:
    """The batch's series into the price book (one period) and the term prices (longer)."""
    if session.get_bind().dialect.name == "postgresql":
        # thousands of small commits: no wait for the WAL flush (a crash loses at most the
        # last calls' rows, which the next run finds missing and asks again)
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    for table, group in (
        (PriceBookEntry, [s for s in batch.series if s.count == 1]),
        (TermPrice, [s for s in batch.series if s.count > 1]),
    ):
        if group:
            _write_table(session, table.__table__, group, currency, tiers, now, stats)
    stats.series += len(batch.series)


def _write_table(
    session: Any,
    table: Any,
    group: list[Series],
    currency: str,
    tiers: dict[Series, list[pricing.Tier]],
    now: datetime,
    stats: Stats,
) -> None:
    """Core statements on ``table`` (a :class:`sqlalchemy.Table`): no ORM work per row."""
    term = table is TermPrice.__table__
    c = table.c
    key_cols = [c.region_code, c.resource_type, c.provider_spec, c.period_unit]
    if term:
        key_cols.append(c.period_num)
    keys = [s.key if term else s.key[:4] for s in group]
    wanted = set(keys)
    existing: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    # one IN list per key column (the unique index answers it; SQLite scans the whole table
    # for a row-value IN), then only the rows of these series
    columns = [col.in_(sorted({k[i] for k in keys})) for i, col in enumerate(key_cols)]
    for row in session.execute(
        select(*key_cols, c.id, c.size_from, c.official, c.cost, c.currency).where(*columns)
    ):
        key = tuple(row[: len(key_cols)])
        if key in wanted:
            existing.setdefault(key, []).append(tuple(row[len(key_cols) :]))
    keep: list[int] = []
    drop: list[int] = []
    rows: list[dict[str, Any]] = []
    for s, key in zip(group, keys, strict=True):
        new = sorted((t.start, _q(t.rate.official), _q(t.rate.cost), currency) for t in tiers[s])
        old = existing.get(key, [])
        if sorted((f, _q(o), _q(c), cur) for _i, f, o, c, cur in old) == new:
            keep += [r[0] for r in old]
            continue
        drop += [r[0] for r in old]
        base: dict[str, Any] = {
            "region_code": s.region,
            "service_type": s.service_type,
            "resource_type": s.resource_type,
            "provider_spec": s.spec,
            "period_unit": s.unit.value,
            "currency": currency,
            "fetched_at": now,
        }
        if term:
            base["period_num"] = s.count
        else:
            base["billing_mode"] = "on_demand" if s.unit is HOUR else "period"
        rows += [{**base, "size_from": f, "official": o, "cost": c} for f, o, c, _cur in new]
    if keep:
        session.execute(update(table).where(c.id.in_(keep)).values(fetched_at=now))
    if drop:
        session.execute(delete(table).where(c.id.in_(drop)))
    if rows:
        session.execute(insert(table), rows)
    stats.unchanged += len(keep)
    stats.deleted += len(drop)
    stats.inserted += len(rows)


def _q(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(_PLACES)


# --------------------------------------------------------------------------- the job


def sync_prices(
    session: Any,
    provider: CloudProvider,
    *,
    now: datetime,
    window: timedelta,
    force: bool = False,
    units: Iterable[Batch] | None = None,
    passes: int = PASSES,
    stats: Stats | None = None,
    in_flight: int = IN_FLIGHT,
) -> int:
    """Rate every missing or stale series (``units``: the plan, default :func:`plan`);
    returns the calls made. A call's series are written in one transaction, or none of them
    (a failed call: later passes). ``in_flight``: calls sent ahead (1: one at a time, in
    order)."""
    stats = stats if stats is not None else Stats()
    todo = (
        units
        if units is not None
        else plan(session, now=now, window=window, force=force, stats=stats)
    )

    def call(batch: Batch) -> tuple[str, dict[Series, list[pricing.Tier]]]:
        stats.called(batch.on_demand)
        return rate(provider, batch)

    prefetch = Prefetch(call, depth=in_flight)

    def fetch(batch: Batch) -> bool:
        currency, tiers = prefetch.result(batch)
        _write(session, batch, currency, tiers, now, stats)
        return True

    try:
        done = run_units(
            prefetch.ahead(todo), partial(fetch), session=session, label="prices", passes=passes
        )
    finally:
        prefetch.close()
    check = Stats()
    if not plan(session, now=now, window=window, stats=check):  # complete: mark it so
        price_marks.mark_complete(session, now, check.fresh)
        session.commit()
    return done
