"""The staff customer search's text match. SQLite (and any term under 3 characters): the email,
name or phone starts with the term (the phone also without its ``+86``), through btree indexes.
PostgreSQL, 3 characters or more: substring of the email, name or phone; in both, or exactly
the provider account id. Newest first, with PostgreSQL plans that stay cheap whatever the term
(see README, *Customer search at scale*):

1. A complete email address or a provider account id: exact lookups on their btree indexes;
   a hit is the answer.

Steps 2-4 are one statement (one round trip), each later step behind a one-time filter.

2. Probe: test the newest ``PROBE_ROWS`` rows that pass the filters (one ordered index range).
   ``limit`` matches there are the newest matches overall: common terms end here.
3. Wide probe, when the probe found a few matches (a medium term: ``zhao-f``, one row in
   128): the newest rows it takes at that rate to fill the page twice over (at most
   ``WIDE_ROWS``). Reading a few thousand rows in order is cheaper than fetching every match
   of the term from the heap to sort them.
4. Otherwise the term is rare among recent rows: every match through the trigram GIN indexes
   (one per real-name status, migration 0037, so a filter's rows are already apart), sorted.
   Trigrams that many values of a column contain (40 % of a sample of the store's newest
   customers, kept a minute: ``use`` and ``ser`` in ``user12345@…``, ``138`` in the phones)
   are left out of the index condition when enough rarer ones remain, since their posting
   lists are read whole (583 instead of 50 index pages for ``user12345``). The whole term is
   then checked on each candidate row (``strpos``), so the rows are exactly the substring
   matches.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Set
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, union_all

from storefront.accounts.models import Customer, CustomerStatus
from storefront.extensions import db

# A complete address (``local@domain.tld``) is looked up exactly, through the unique
# (store_id, email) index, before any substring search.
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Huawei Cloud account ids (domain ids) are 32 hexadecimal characters.
PROVIDER_ID_RE = re.compile(r"^[0-9a-fA-F]{32}$")
PHONE_RE = re.compile(r"^\+?[0-9]+$")
# Newest rows the probe examines through an ordered index.
PROBE_ROWS = 1000
# At most this many newest rows in the wide probe.
WIDE_ROWS = 20000
# A trigram in at least this share of a column's values is "dense"; at least this many rarer
# trigrams must remain for the dense ones to be left out of the index condition.
DENSE_SHARE = 0.4
MIN_KEPT_TRIGRAMS = 3
# Newest rows of a store sampled for the dense trigrams, and for how long they are kept.
SAMPLE_ROWS = 200
SAMPLE_SECONDS = 60.0
NEWEST = (Customer.created_at.desc(), Customer.id.desc())
COLUMNS = ("email", "name", "phone")


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(expr: Any, needle: str) -> Any:
    return expr.like(f"%{like_escape(needle)}%", escape="\\")


def prefix_match(q: str, c: Any = Customer) -> ColumnElement[bool]:
    """Email, name or phone starting with ``q`` (the phone also after ``+86``), or exactly the
    provider account id."""
    text = q.strip()
    prefix = f"{like_escape(text.lower())}%"
    return or_(
        func.lower(c.email).like(prefix, escape="\\"),
        func.lower(c.name).like(prefix, escape="\\"),
        c.phone.like(f"{like_escape(text)}%", escape="\\"),
        c.phone.like(f"+86{like_escape(text)}%", escape="\\"),
        c.provider_customer_id == text,
    )


def substring_search(q: str) -> bool:
    """PostgreSQL searches ``q`` as a substring (trigram indexes need 3 characters)."""
    return len(q.strip()) >= 3


def _fields(q: str, c: Any = Customer) -> dict[str, tuple[Any, str]]:
    """The searched columns as (expression, needle): phones only for a phone-like term
    (stored as E.164: nothing else can match)."""
    text = q.strip()
    fields = {
        "email": (func.lower(c.email), text.lower()),
        "name": (func.lower(c.name), text.lower()),
    }
    if PHONE_RE.match(text):
        fields["phone"] = (c.phone, text)
    return fields


def match(q: str, c: Any = Customer) -> ColumnElement[bool]:
    """Email, name or phone containing ``q``, or exactly the provider account id (a term under
    3 characters: ``prefix_match``)."""
    if not substring_search(q):
        return prefix_match(q, c)
    arms = [_contains(expr, needle) for expr, needle in _fields(q, c).values()]
    return or_(*arms, c.provider_customer_id == q.strip())


def kept_pieces(needle: str, dense: Set[str]) -> list[str]:
    """The parts of ``needle`` whose trigrams the index condition keeps: ``[needle]`` unless
    leaving the dense trigrams out still keeps ``MIN_KEPT_TRIGRAMS`` rarer ones, then the
    maximal runs of rarer trigrams (each at least 3 characters)."""
    grams = [needle[i : i + 3] for i in range(len(needle) - 2)]
    if not dense or not any(g in dense for g in grams):
        return [needle]
    pieces: list[str] = []
    start: int | None = None
    for i, gram in enumerate([*grams, None]):
        if gram is not None and gram not in dense:
            start = i if start is None else start
        elif start is not None:
            pieces.append(needle[start : i + 2])
            start = None
    if sum(len(p) - 2 for p in pieces) < MIN_KEPT_TRIGRAMS:
        return [needle]
    return pieces


def dense_trigrams(values: list[str]) -> frozenset[str]:
    """The trigrams at least ``DENSE_SHARE`` of ``values`` contain."""
    counts: Counter[str] = Counter()
    for value in values:
        counts.update({value[i : i + 3] for i in range(len(value) - 2)})
    return frozenset(g for g, n in counts.items() if values and n >= DENSE_SHARE * len(values))


_dense: dict[tuple[str, int], tuple[float, dict[str, frozenset[str]]]] = {}


def _dense_trigrams(store_id: int) -> dict[str, frozenset[str]]:
    """Per column, the dense trigrams of the store's newest ``SAMPLE_ROWS`` customers (one
    index range), kept ``SAMPLE_SECONDS`` in the process (a few dozen trigrams a store): they
    change slowly, and a search then takes one round trip. Only the plan depends on them, never
    the rows a search returns."""
    key = (db.engine.url.render_as_string(), store_id)
    now = time.monotonic()
    kept = _dense.get(key)
    if kept is not None and now - kept[0] < SAMPLE_SECONDS:
        return kept[1]
    rows = db.session.execute(
        select(func.lower(Customer.email), func.lower(Customer.name), Customer.phone)
        .where(Customer.store_id == store_id)
        .order_by(*NEWEST)
        .limit(SAMPLE_ROWS)
    ).all()
    dense = {col: dense_trigrams([r[i] for r in rows if r[i]]) for i, col in enumerate(COLUMNS)}
    if len(_dense) >= 4096:  # bounded
        _dense.clear()
    _dense[key] = (now, dense)
    return dense


def forget_dense_trigrams() -> None:
    """Drop the kept dense trigrams (tests that build a store's customers and search at once)."""
    _dense.clear()


def _indexed_match(store_id: int, q: str) -> ColumnElement[bool]:
    """``match`` written for the GIN indexes: per column, the kept pieces as the index
    condition and the whole term checked on the row."""
    if not substring_search(q):
        return match(q)
    dense = _dense_trigrams(store_id)
    arms = []
    for col, (expr, needle) in _fields(q).items():
        pieces = kept_pieces(needle, dense[col])
        if pieces == [needle]:
            arms.append(_contains(expr, needle))
        else:
            exact = func.strpos(expr, needle) > 0
            arms.append(and_(*[_contains(expr, p) for p in pieces], exact))
    return or_(*arms, Customer.provider_customer_id == q.strip())


def _newest_matches(
    q: str, scoped: list[Any], frozen: bool | None, rows: Any, limit: int, name: str
) -> Any:
    """The newest ``limit`` matches (and frozen or not, unless ``frozen`` is None) among the
    newest ``rows`` rows passing ``scoped``: with a real-name filter the frozen one is checked
    here, on those rows, so that one ordered index serves the scan (frozen and real-name
    filters together: 1,000 rows that pass both cost up to 4,000 heap pages). The
    LIMIT keeps the planner from pushing the match into the subquery: it reads the newest rows
    from an ordered index, in order, and stops at the ``limit``-th match."""
    recent = (
        select(
            Customer.id,
            Customer.created_at,
            Customer.email,
            Customer.name,
            Customer.phone,
            Customer.provider_customer_id,
            Customer.status,
        )
        .where(*scoped)
        .order_by(*NEWEST)
        .limit(rows)
        .subquery(f"{name}_rows")
    )
    status = []
    if frozen is not None:
        is_frozen = recent.c.status == CustomerStatus.FROZEN
        status.append(is_frozen if frozen else ~is_frozen)
    return (
        select(recent.c.id, recent.c.created_at)
        .where(match(q, recent.c), *status)
        .order_by(recent.c.created_at.desc(), recent.c.id.desc())
        .limit(limit)
        .cte(name)
        .prefix_with("MATERIALIZED")
    )


def _top(store_id: int, q: str, scoped: list[Any], frozen: bool | None, limit: int) -> Any:
    """Probe, wide probe and trigram search in one statement, each later step behind a
    one-time filter that skips it when an earlier one found ``limit`` matches: ``(id,
    created_at)`` of the newest ``limit`` matches."""
    found = _newest_matches(q, scoped, frozen, PROBE_ROWS, limit, "found")
    found_n = select(func.count()).select_from(found).scalar_subquery()
    # Rows it takes at the probe's rate to find 2 × limit matches; none unless the probe came
    # up short with enough matches to make that at most WIDE_ROWS (LIMIT 0 reads nothing).
    need = 2 * limit * PROBE_ROWS
    rows = case(
        (or_(found_n >= limit, found_n * WIDE_ROWS < need), 0),
        else_=(need + found_n - 1) // found_n,
    )
    wide = _newest_matches(q, scoped, frozen, select(rows).scalar_subquery(), limit, "wide")
    wide_n = select(func.count()).select_from(wide).scalar_subquery()
    # MATERIALIZED: the planner cannot turn it into a backward scan of the whole table hoping
    # for an early match
    hits = (
        select(Customer.id, Customer.created_at)
        .where(_indexed_match(store_id, q), *scoped, *_frozen(frozen), found_n < limit)
        .where(wide_n < limit)
        .cte("hits")
        .prefix_with("MATERIALIZED")
    )
    return union_all(
        select(found.c.id, found.c.created_at).where(found_n >= limit),
        select(wide.c.id, wide.c.created_at).where(wide_n >= limit),
        select(hits.c.id, hits.c.created_at)
        .order_by(hits.c.created_at.desc(), hits.c.id.desc())
        .limit(limit),
    ).subquery("top")


def _page(top: Any) -> list[Customer]:
    return list(
        db.session.scalars(
            select(Customer)
            .join(top, top.c.id == Customer.id)
            .order_by(top.c.created_at.desc(), top.c.id.desc())
        )
    )


def _frozen(frozen: bool | None) -> list[ColumnElement[bool]]:
    if frozen is None:
        return []
    is_frozen = Customer.status == CustomerStatus.FROZEN
    return [is_frozen if frozen else ~is_frozen]


def pg_text_search(
    store_id: int,
    q: str,
    conds: list[ColumnElement[bool]],
    limit: int,
    frozen: bool | None = None,
) -> list[Customer]:
    """Customers of ``store_id`` passing ``conds`` (and frozen or not, unless ``frozen`` is
    None) whose email, name or phone contains ``q`` (or whose provider account id is ``q``),
    newest first, at most ``limit``."""
    text = q.strip()
    scoped = [Customer.store_id == store_id, *conds]
    exact = [*scoped, *_frozen(frozen)]
    if EMAIL_RE.match(text):
        rows = list(
            db.session.scalars(
                select(Customer).where(Customer.email == text.lower(), *exact).limit(limit)
            )
        )
        if rows:
            return rows
    if PROVIDER_ID_RE.match(text):
        rows = list(
            db.session.scalars(
                select(Customer)
                .where(Customer.provider_customer_id == text, *exact)
                .order_by(*NEWEST)
                .limit(limit)
            )
        )
        if rows:
            return rows
    return _page(_top(store_id, text, scoped, frozen, limit))
