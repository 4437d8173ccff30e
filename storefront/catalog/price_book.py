"""The price book and the term prices in a compact, immutable form (part of the catalogue
copy, :mod:`storefront.catalog.snapshot`).

At the provider's real size (30 regions x 400 flavours: about 86,000 price-book rows and
300,000 term prices) one Python object per row and per ``Decimal`` cost a worker 880 MB. Here
the rows of one *slab* (a region and period unit, plus the term's length for term prices) sit in
a few ``array`` columns: amounts as integers of 10⁻¹⁰ (the columns' scale), the oldest
``fetched_at`` and the currency per rate card. A card (:class:`RateCard`, tiers of
``Decimal`` rates) is made when a quote or a page asks for it, from those arrays.

A refresh asks each table for its signature (row count, highest id, newest ``fetched_at``): an
unchanged table keeps its slabs; new or re-fetched rows reload only the slabs they fall in;
rows gone (the count fell short) reload the whole table.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeAlias

from sqlalchemy import BigInteger, Table, cast, func, or_, select, tuple_
from sqlalchemy.engine import Connection

from storefront.catalog import pricing

SCALE = 10**10
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
FETCH_ROWS = 5_000  # rows streamed at a time while building


@dataclass(frozen=True, slots=True)
class RateCard:
    tiers: tuple[pricing.Tier, ...]
    fetched_at: datetime
    currency: str


Column: TypeAlias = "array[int] | memoryview"  # built: an array; read from the file: a view


@dataclass(frozen=True, slots=True)
class Slab:
    """One slab's rate cards: ``kids`` (key ids, ascending) and per card its first row, oldest
    fetch (µs since the epoch) and currency; per row its ``size_from``, official and cost.
    Columns read from the copy's file (:mod:`storefront.catalog.copy_file`) are read-only
    views of its mapping."""

    kids: Column
    first: Column
    fetched: Column
    currency: Column
    starts: Column
    official: Column
    cost: Column

    def rows(self, kid: int) -> tuple[int, int] | None:
        at = bisect_left(self.kids, kid)
        if at == len(self.kids) or self.kids[at] != kid:
            return None
        end = self.first[at + 1] if at + 1 < len(self.first) else len(self.starts)
        return at, end

    def nbytes(self) -> int:
        columns = (self.kids, self.first, self.fetched, self.currency)
        return sum(c.itemsize * len(c) for c in (*columns, self.starts, self.official, self.cost))


def _amount(value: int) -> Decimal:
    return Decimal(value).scaleb(-10)


@dataclass(frozen=True)
class Book:
    """The rate cards of one table, slab by slab."""

    group: tuple[str, ...]  # the columns a slab is keyed by
    keys: dict[tuple[str, str], int]  # (resource type, provider spec) -> key id
    currencies: tuple[str, ...]
    slabs: dict[tuple[Any, ...], Slab]
    signature: tuple[Any, ...]

    def card(self, slab: tuple[Any, ...], rtype: str, pspec: str) -> RateCard | None:
        kid = self.keys.get((rtype, pspec))
        found = self.slabs.get(slab)
        if kid is None or found is None:
            return None
        span = found.rows(kid)
        if span is None:
            return None
        at, end = span
        start = found.first[at]
        tiers = tuple(
            pricing.Tier(
                found.starts[i],
                pricing.Rate(_amount(found.official[i]), _amount(found.cost[i])),
            )
            for i in range(start, end)
        )
        fetched = EPOCH + found.fetched[at] * MICROSECOND
        return RateCard(tiers, fetched, self.currencies[found.currency[at]])

    def nbytes(self) -> int:
        return sum(s.nbytes() for s in self.slabs.values())

    def __len__(self) -> int:
        return sum(len(s.starts) for s in self.slabs.values())


class _SlabBuilder:
    def __init__(self) -> None:
        self.cards: list[tuple[int, int, int, int]] = []  # kid, first row, fetched µs, currency
        self.starts = array("i")
        self.official = array("q")
        self.cost = array("q")

    def done(self) -> Slab:
        # cards in key-id order, each card's rows copied after it (SQL's order is the
        # database's collation; the lookup's is the ids')
        order = sorted(range(len(self.cards)), key=lambda i: self.cards[i][0])
        kids, first, fetched, currency = array("i"), array("i"), array("q"), array("b")
        starts, official, cost = array("i"), array("q"), array("q")
        ends = [c[1] for c in self.cards[1:]] + [len(self.starts)]
        for i in order:
            kid, begin, oldest, money = self.cards[i]
            kids.append(kid)
            first.append(len(starts))
            fetched.append(oldest)
            currency.append(money)
            starts.extend(self.starts[begin : ends[i]])
            official.extend(self.official[begin : ends[i]])
            cost.extend(self.cost[begin : ends[i]])
        return Slab(kids, first, fetched, currency, starts, official, cost)


def _micros(value: datetime) -> int:
    return (value - EPOCH) // MICROSECOND


def signature(conn: Connection, table: Table) -> tuple[Any, ...]:
    c = table.c
    row = conn.execute(select(func.count(), func.max(c.id), func.max(c.fetched_at))).one()
    return tuple(row)


def _load(
    conn: Connection,
    table: Table,
    group: tuple[str, ...],
    keys: dict[tuple[str, str], int],
    currencies: list[str],
    where: Any = None,
) -> dict[tuple[Any, ...], Slab]:
    """The slabs of ``table`` (those ``where`` selects), streamed in slab and card order."""
    c = table.c
    slab_cols = [c[name] for name in group]
    query = select(
        *slab_cols,
        c.resource_type,
        c.provider_spec,
        c.size_from,
        cast(func.round(c.official * SCALE), BigInteger),
        cast(func.round(c.cost * SCALE), BigInteger),
        c.fetched_at,
        c.currency,
    ).order_by(*slab_cols, c.resource_type, c.provider_spec, c.size_from)
    if where is not None:
        query = query.where(where)
    n = len(group)
    slabs: dict[tuple[Any, ...], Slab] = {}
    builder: _SlabBuilder | None = None
    current: tuple[Any, ...] | None = None
    last_key: tuple[str, str] | None = None
    oldest: datetime | None = None
    intern = sys.intern
    result = conn.execution_options(stream_results=True, yield_per=FETCH_ROWS).execute(query)
    for row in result:
        slab_key = tuple(row[:n])
        rtype, pspec, start, official, cost, fetched, currency = row[n:]
        if slab_key != current:
            if builder is not None and current is not None:
                slabs[current] = builder.done()
            current, builder, last_key = slab_key, _SlabBuilder(), None
            current = tuple(intern(v) if isinstance(v, str) else v for v in slab_key)
        assert builder is not None
        key = (rtype, pspec)
        if key != last_key:
            kid = keys.get(key)
            if kid is None:
                kid = keys[(intern(rtype), intern(pspec))] = len(keys)
            if currency not in currencies:
                currencies.append(currency)
            builder.cards.append(
                (kid, len(builder.starts), _micros(fetched), currencies.index(currency))
            )
            last_key, oldest = key, fetched
        elif fetched < (oldest or fetched):
            oldest = fetched
            kid, first, _f, cur = builder.cards[-1]
            builder.cards[-1] = (kid, first, _micros(fetched), cur)
        builder.starts.append(int(start))
        builder.official.append(int(official))
        builder.cost.append(int(cost))
    if builder is not None and current is not None:
        slabs[current] = builder.done()
    return slabs


class _NewKey(Exception):
    """A slab names a card the book's key ids do not know: build the book again."""


class _Unordered(Exception):
    """The server aggregated a slab's rows out of key order."""


def _load_aggregated(
    conn: Connection,
    table: Table,
    group: tuple[str, ...],
    keys: dict[tuple[str, str], int],
    currencies: list[str],
    where: Any = None,
) -> dict[tuple[Any, ...], Slab]:
    """As :func:`_load`, on PostgreSQL: one row per slab, its columns aggregated in arrays in
    key-id order (the ids are the keys' ranks in code-point order, the "C" collation's), so the
    per-row work is the server's, not Python's (a full build: ~1 s instead of ~5)."""
    c = table.c
    slab_cols = [c[name] for name in group]
    values = (
        c.resource_type, c.provider_spec, c.size_from,
        cast(func.round(c.official * SCALE), BigInteger).label("official"),
        cast(func.round(c.cost * SCALE), BigInteger).label("cost"),
        cast(func.extract("epoch", c.fetched_at) * 1_000_000, BigInteger).label("micros"),
        c.currency,
    )  # fmt: skip
    # one sort, the aggregates take the rows in its order (an ORDER BY in each of the seven
    # aggregates sorted each slab seven times: 7 s instead of 1 s for the term prices)
    inner = select(*slab_cols, *values).order_by(
        *slab_cols, c.resource_type.collate("C"), c.provider_spec.collate("C"), c.size_from
    )
    if where is not None:
        inner = inner.where(where)
    sorted_rows = inner.subquery()
    outer_slab = [sorted_rows.c[name] for name in group]
    query = select(*outer_slab, *(func.array_agg(sorted_rows.c[v.name]) for v in values)).group_by(
        *outer_slab
    )
    n = len(group)
    slabs: dict[tuple[Any, ...], Slab] = {}
    for row in conn.execute(query):
        rtypes, pspecs, starts, official, cost, fetched, currency = row[n:]
        try:
            kid_of_row = [keys[key] for key in zip(rtypes, pspecs, strict=True)]
        except KeyError as exc:
            raise _NewKey from exc
        kids, first, oldest, money = array("i"), array("i"), array("q"), array("b")
        previous = -1
        for i, kid in enumerate(kid_of_row):
            if kid < previous:  # not in key order after all: take the row-by-row way
                raise _Unordered
            if kid != previous:
                if currency[i] not in currencies:
                    currencies.append(currency[i])
                kids.append(kid)
                first.append(i)
                oldest.append(fetched[i])
                money.append(currencies.index(currency[i]))
                previous = kid
            elif fetched[i] < oldest[-1]:
                oldest[-1] = fetched[i]
        slab = Slab(
            kids, first, oldest, money,
            array("i", starts), array("q", official), array("q", cost),
        )  # fmt: skip
        slabs[tuple(sys.intern(v) if isinstance(v, str) else v for v in row[:n])] = slab
    return slabs


def _ranked_keys(conn: Connection, table: Table) -> dict[tuple[str, str], int]:
    c = table.c
    found = conn.execute(select(c.resource_type, c.provider_spec).distinct()).all()
    ordered = sorted((sys.intern(rtype), sys.intern(pspec)) for rtype, pspec in found)
    return {key: kid for kid, key in enumerate(ordered)}


def build(conn: Connection, table: Table, group: tuple[str, ...]) -> Book:
    sig = signature(conn, table)
    currencies: list[str] = []
    keys: dict[tuple[str, str], int] = {}
    if conn.dialect.name == "postgresql":
        try:
            keys = _ranked_keys(conn, table)
            slabs = _load_aggregated(conn, table, group, keys, currencies)
            return Book(group, keys, tuple(currencies), slabs, sig)
        except _Unordered:
            keys, currencies = {}, []
    slabs = _load(conn, table, group, keys, currencies)
    return Book(group, keys, tuple(currencies), slabs, sig)


def refresh(conn: Connection, table: Table, old: Book, *, full: bool = False) -> Book:
    """``old`` itself when the table did not change; else a new book sharing the slabs that
    did not change (see the module docstring). ``full``: reread every slab."""
    if full:
        return build(conn, table, old.group)
    sig = signature(conn, table)
    if sig == old.signature:
        return old
    count, _max_id, _newest = sig
    old_count, old_max_id, old_newest = old.signature
    c = table.c
    changed = or_(c.id > (old_max_id or 0), c.fetched_at > old_newest) if old_newest else None
    added = conn.scalar(select(func.count()).where(c.id > (old_max_id or 0)))
    if changed is None or count != old_count + (added or 0):  # rows deleted: start over
        return build(conn, table, old.group)
    cols = [c[name] for name in old.group]
    touched = [tuple(r) for r in conn.execute(select(*cols).where(changed).distinct())]
    if not touched or len(touched) * 2 > len(old.slabs):  # e.g. rows fetched earlier again
        return build(conn, table, old.group)
    keys, currencies = dict(old.keys), list(old.currencies)
    where = tuple_(*cols).in_(touched)
    if conn.dialect.name == "postgresql":
        try:
            fresh = _load_aggregated(conn, table, old.group, keys, currencies, where)
        except (_NewKey, _Unordered):  # a card never seen: new key ids for every slab
            return build(conn, table, old.group)
    else:
        fresh = _load(conn, table, old.group, keys, currencies, where)
    return Book(old.group, keys, tuple(currencies), {**old.slabs, **fresh}, sig)
