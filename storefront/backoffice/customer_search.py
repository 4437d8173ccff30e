"""Finding customers: the keyset-paginated search staff use (pages and API), one customer by
id, and the summary on a customer's page (permission ``customers.view``).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, func, literal, or_, select, tuple_, union_all

from storefront.accounts.models import (
    Customer,
    CustomerStatus,
    RealnameStatus,
    Staff,
)
from storefront.accounts.permissions import require_permission
from storefront.backoffice import money
from storefront.backoffice.customer_freeze import active_freeze
from storefront.backoffice.errors import (
    BackofficeError,
    InvalidCursor,
    NotFound,
)
from storefront.backoffice.models import CustomerFreeze
from storefront.extensions import db

MAX_LIMIT = 100
DEFAULT_LIMIT = 25


@dataclass
class CustomerQuery:
    q: str = ""
    realname: str | None = None
    frozen: bool | None = None
    has_balance: bool | None = None
    registered_from: date | None = None
    registered_to: date | None = None
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


def _encode_cursor(customer: Customer) -> str:
    raw = f"{customer.created_at.isoformat()}|{customer.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _sep, ident = raw.partition("|")
        parsed = datetime.fromisoformat(when)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed, int(ident)
    except (ValueError, UnicodeDecodeError):
        raise InvalidCursor(_("The cursor is invalid."), fields={"cursor": _("Invalid.")}) from None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# A complete address (``local@domain.tld``) is looked up exactly, through the unique
# (store_id, email) index, before any substring search.
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Huawei Cloud account ids (domain ids) are 32 hexadecimal characters.
PROVIDER_ID_RE = re.compile(r"^[0-9a-fA-F]{32}$")
PHONE_RE = re.compile(r"^\+?[0-9]+$")
# Newest rows a substring search first examines through an ordered index (see search_customers).
PROBE_ROWS = 2000


def _match(q: str, dialect: str, c: Any = Customer) -> Any:
    """Email, name or phone containing ``q`` (PostgreSQL, trigram-indexed) or starting with it
    (SQLite, btree-indexed); or exactly the provider account id. ``c``: Customer or an alias."""
    needle = q.strip().lower()
    if dialect == "postgresql" and len(needle) >= 3:
        pattern = f"%{_like_escape(needle)}%"
        arms = [
            func.lower(c.email).like(pattern, escape="\\"),
            func.lower(c.name).like(pattern, escape="\\"),
        ]
        if PHONE_RE.match(q.strip()):  # phones are stored as E.164: nothing else can match
            arms.append(c.phone.like(f"%{_like_escape(q.strip())}%", escape="\\"))
        return or_(*arms, c.provider_customer_id == q.strip())
    prefix = f"{_like_escape(needle)}%"
    return or_(
        func.lower(c.email).like(prefix, escape="\\"),
        func.lower(c.name).like(prefix, escape="\\"),
        c.phone.like(f"{_like_escape(q.strip())}%", escape="\\"),
        c.phone.like(f"+86{_like_escape(q.strip())}%", escape="\\"),
        c.provider_customer_id == q.strip(),
    )


def _filters(params: CustomerQuery) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the filters (not the text search), validated."""
    conds: list[ColumnElement[bool]] = []
    if params.realname:
        if params.realname not in {s.value for s in RealnameStatus}:
            raise BackofficeError(
                _("Unknown real-name status."), fields={"realname": _("Unknown.")}
            )
        conds.append(Customer.realname_status == RealnameStatus(params.realname))
    if params.frozen is not None:
        frozen = Customer.status == CustomerStatus.FROZEN
        conds.append(frozen if params.frozen else ~frozen)
    if params.has_balance is not None:
        conds.append(money.has_balance(params.has_balance))
    if params.registered_from is not None:
        conds.append(Customer.created_at >= _day_start(params.registered_from))
    if params.registered_to is not None:  # inclusive: the whole day
        conds.append(Customer.created_at < _day_start(params.registered_to) + timedelta(days=1))
    return conds


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


NEWEST = (Customer.created_at.desc(), Customer.id.desc())


def _after(cursor: str | None) -> list[ColumnElement[bool]]:
    """Keyset condition: rows strictly after ``cursor`` in newest-first order. A row-value
    comparison, so PostgreSQL uses it as an index bound, not a filter."""
    if not cursor:
        return []
    when, ident = _decode_cursor(cursor)
    bound = tuple_(literal(when, Customer.created_at.type), literal(ident, Customer.id.type))
    return [tuple_(Customer.created_at, Customer.id) < bound]


def _rows(query: Select[tuple[Customer]]) -> list[Customer]:
    return list(db.session.scalars(query))


def _pg_text_search(
    store_id: int, q: str, conds: list[ColumnElement[bool]], limit: int
) -> list[Customer]:
    """PostgreSQL text search, newest first, ``limit`` rows: plans that stay fast whatever the
    planner believes about how common ``q`` is.

    1. A complete email address or a provider account id: exact lookups on their btree
       indexes; a hit is the answer.
    2. Probe: match ``q`` against the newest ``PROBE_ROWS`` rows that pass the filters (one
       ordered index range scan). When that yields ``limit`` rows they are the newest matches
       overall: every newer row was examined. Common terms end here.
    3. Otherwise the term is rare among recent rows: collect every match through the trigram
       GIN indexes and sort the few hits.

    Steps 2 and 3 are one statement (one round trip); step 3 runs only when 2 came up short.
    """
    text = q.strip()
    scoped = [Customer.store_id == store_id, *conds]
    if EMAIL_RE.match(text):
        rows = _rows(select(Customer).where(Customer.email == text.lower(), *scoped).limit(limit))
        if rows:
            return rows
    if PROVIDER_ID_RE.match(text):
        rows = _rows(
            select(Customer)
            .where(Customer.provider_customer_id == text, *scoped)
            .order_by(*NEWEST)
            .limit(limit)
        )
        if rows:
            return rows
    match = _match(text, "postgresql")
    # The LIMIT keeps the planner from pushing ``match`` into the subquery: it reads exactly the
    # newest PROBE_ROWS rows from the ordered index and tests only those (only the columns the
    # match reads; the page's rows are fetched by id afterwards).
    recent = (
        select(
            Customer.id,
            Customer.created_at,
            Customer.email,
            Customer.name,
            Customer.phone,
            Customer.provider_customer_id,
        )
        .where(*scoped)
        .order_by(*NEWEST)
        .limit(PROBE_ROWS)
        .subquery("recent")
    )
    found = (
        select(recent.c.id, recent.c.created_at)
        .where(_match(text, "postgresql", recent.c))
        .order_by(recent.c.created_at.desc(), recent.c.id.desc())
        .limit(limit)
        .cte("found")
        .prefix_with("MATERIALIZED")
    )
    enough = select(func.count()).select_from(found).scalar_subquery()
    # Only when the probe came up short: the uncorrelated condition becomes a one-time filter,
    # so PostgreSQL does not run this scan at all otherwise. MATERIALIZED: the planner cannot
    # turn it into a backward scan of the whole table hoping for an early match.
    hits = (
        select(Customer.id, Customer.created_at)
        .where(match, *scoped, enough < limit)
        .cte("hits")
        .prefix_with("MATERIALIZED")
    )
    top = union_all(
        select(found.c.id, found.c.created_at).where(enough >= limit),
        select(hits.c.id, hits.c.created_at)
        .order_by(hits.c.created_at.desc(), hits.c.id.desc())
        .limit(limit),
    ).subquery("top")
    return _rows(
        select(Customer)
        .join(top, top.c.id == Customer.id)
        .order_by(top.c.created_at.desc(), top.c.id.desc())
    )


def search_customers(actor: Staff, params: CustomerQuery) -> tuple[list[Customer], str | None]:
    """Newest first, keyset-paginated: ``(items, next_cursor)``."""
    require_permission(actor, "customers.view")
    limit = max(1, min(int(params.limit or DEFAULT_LIMIT), MAX_LIMIT))
    conds = [*_filters(params), *_after(params.cursor)]
    if params.q.strip() and db.engine.dialect.name == "postgresql":
        rows = _pg_text_search(actor.store_id, params.q, conds, limit + 1)
    else:
        query = select(Customer).where(*conds)
        if params.q.strip():
            query = query.where(_match(params.q, db.engine.dialect.name))
        rows = _rows(query.order_by(*NEWEST).limit(limit + 1))
    next_cursor = _encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def get_customer(actor: Staff, customer_id: int) -> Customer:
    require_permission(actor, "customers.view")
    customer = db.session.scalar(select(Customer).where(Customer.id == customer_id))
    if customer is None:  # another store's customer is "not found" too
        raise NotFound(_("No such customer."))
    return customer


@dataclass
class CustomerSummary:
    customer: Customer
    balance: Any
    orders_count: int
    freeze: CustomerFreeze | None


def summary(actor: Staff, customer: Customer) -> CustomerSummary:
    require_permission(actor, "customers.view")
    return CustomerSummary(
        customer=customer,
        balance=money.balance(customer),
        orders_count=money.orders_count(customer),
        freeze=active_freeze(customer),
    )
