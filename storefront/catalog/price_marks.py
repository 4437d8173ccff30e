"""Which prices are fresh (:class:`Fresh`), and the price book's version mark: a run that
left nothing missing or stale says so, and a later run skips planning while nothing changed
since (a no-op re-sync reads a handful of aggregates).

The mark is a :class:`SyncMark` whose key holds a fingerprint of what a plan depends on: the
regions and specs sold where (counts and the latest ``synced_at``) and the price rows (counts).
It holds while the fingerprint is unchanged and the oldest price row is still within the
window; any catalogue refresh, price write or deleted row changes the fingerprint, and the next
run plans in full (:func:`.price_sync.plan`), then marks the book again when it is complete.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, distinct, func, select

from storefront.catalog import pricing
from storefront.catalog.models import PriceBookEntry, Region, Spec, SpecRegion, SyncMark, TermPrice

PREFIX = "prices:complete:"
HOUR, MONTH, YEAR = pricing.PeriodUnit.HOUR, pricing.PeriodUnit.MONTH, pricing.PeriodUnit.YEAR
_SLOT = {HOUR: 0, MONTH: 1, YEAR: 2}


class Fresh:
    """Which series were fetched at or after ``cutoff``: two aggregates with one row per region
    x spec (which of hour, month, year are fresh; how many longer terms are), the terms of a
    spec only partly fresh (a run stopped between two calls) asked row by row."""

    def __init__(self, session: Any, cutoff: datetime, terms_of: dict[Any, int]) -> None:
        self._session, self._cutoff, self._terms_of = session, cutoff, terms_of
        book, terms = PriceBookEntry.__table__.c, TermPrice.__table__.c

        def has(unit: pricing.PeriodUnit) -> Any:
            return func.max(case((book.period_unit == unit.value, 1), else_=0))

        def count(unit: pricing.PeriodUnit) -> Any:
            return func.count(distinct(case((terms.period_unit == unit.value, terms.period_num))))

        self._spec: dict[tuple[str, str, str], list[int]] = {}
        for r, t, sp, h, m, y in session.execute(
            select(book.region_code, book.resource_type, book.provider_spec, has(HOUR), has(MONTH),
                   has(YEAR))
            .where(book.fetched_at >= cutoff)
            .group_by(book.region_code, book.resource_type, book.provider_spec)
        ):  # fmt: skip
            self._spec[(r, t, sp)] = [h, m, y, 0, 0]
        for r, t, sp, months, years in session.execute(
            select(terms.region_code, terms.resource_type, terms.provider_spec, count(MONTH),
                   count(YEAR))
            .where(terms.fetched_at >= cutoff)
            .group_by(terms.region_code, terms.resource_type, terms.provider_spec)
        ):  # fmt: skip
            self._spec.setdefault((r, t, sp), [0, 0, 0, 0, 0])[3:] = [months, years]

    def all_fresh(self, region: str, rtype: str, spec: str, units: tuple[Any, ...]) -> bool:
        flags = self._spec.get((region, rtype, spec))
        if flags is None:
            return False
        return all(flags[_SLOT[u]] and (u is HOUR or flags[_SLOT[u] + 2] == self._terms_of[u] - 1)
                   for u in units)  # fmt: skip

    def series(self, region: str, rtype: str, spec: str, unit: Any, count: int) -> bool:
        flags = self._spec.get((region, rtype, spec))
        if flags is None:
            return False
        if count == 1:
            return bool(flags[_SLOT[unit]])
        fresh_terms = flags[_SLOT[unit] + 2]
        if fresh_terms in (0, self._terms_of[unit] - 1):
            return bool(fresh_terms)
        return (unit.value, count) in self._terms(region, rtype, spec)

    def _terms(self, region: str, rtype: str, spec: str) -> set[tuple[str, int]]:
        t = TermPrice
        rows = self._session.execute(
            select(t.period_unit, t.period_num)
            .where(t.region_code == region, t.resource_type == rtype)
            .where(t.provider_spec == spec, t.fetched_at >= self._cutoff)
            .distinct()
        )
        return {(unit, num) for unit, num in rows}


def _fingerprint(session: Any) -> str:
    parts = [
        session.scalar(select(func.count()).select_from(Region)),
        session.scalar(select(func.count()).select_from(SpecRegion)),
        session.scalar(select(func.max(SpecRegion.synced_at))),
        session.scalar(select(func.max(Spec.synced_at))),
        session.scalar(select(func.count()).select_from(PriceBookEntry)),
        session.scalar(select(func.count()).select_from(TermPrice)),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def _oldest(session: Any) -> datetime | None:
    found = [
        session.scalar(select(func.min(PriceBookEntry.fetched_at))),
        session.scalar(select(func.min(TermPrice.fetched_at))),
    ]
    dates = [d for d in found if d is not None]
    return min(dates) if len(dates) == len(found) else None


def fresh_series(session: Any, cutoff: datetime) -> int | None:
    """The number of price series when the book is marked complete and nothing is older than
    ``cutoff``; None when the run must plan."""
    marks = session.scalars(
        select(SyncMark.key).where(SyncMark.key.startswith(PREFIX + _fingerprint(session) + ":"))
    ).all()
    if not marks:
        return None
    oldest = _oldest(session)
    if oldest is None or _naive(oldest) < _naive(cutoff):
        return None
    return int(marks[0].rsplit(":", 1)[1])


def mark_complete(session: Any, now: datetime, series: int) -> None:
    """Record that every series is priced and fresh (the caller commits)."""
    session.execute(delete(SyncMark).where(SyncMark.key.startswith(PREFIX)))
    session.add(SyncMark(key=f"{PREFIX}{_fingerprint(session)}:{series}", fetched_at=now))


def _naive(value: datetime) -> datetime:
    return value.replace(tzinfo=None)
