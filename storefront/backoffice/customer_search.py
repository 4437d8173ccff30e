"""Finding customers: the keyset-paginated search staff use (pages and API), one customer by
id, and the summary on a customer's page (permission ``customers.view``).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, literal, select, tuple_

from storefront.accounts.models import (
    Customer,
    CustomerStatus,
    RealnameStatus,
    Staff,
)
from storefront.accounts.permissions import require_permission
from storefront.backoffice import money
from storefront.backoffice.customer_freeze import active_freeze
from storefront.backoffice.customer_text_search import NEWEST, pg_text_search, prefix_match
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


def _after(cursor: str | None) -> list[ColumnElement[bool]]:
    """Keyset condition: rows strictly after ``cursor`` in newest-first order. A row-value
    comparison, so PostgreSQL uses it as an index bound, not a filter."""
    if not cursor:
        return []
    when, ident = _decode_cursor(cursor)
    bound = tuple_(literal(when, Customer.created_at.type), literal(ident, Customer.id.type))
    return [tuple_(Customer.created_at, Customer.id) < bound]


def search_customers(actor: Staff, params: CustomerQuery) -> tuple[list[Customer], str | None]:
    """Newest first, keyset-paginated: ``(items, next_cursor)``."""
    require_permission(actor, "customers.view")
    limit = max(1, min(int(params.limit or DEFAULT_LIMIT), MAX_LIMIT))
    conds = [*_filters(params), *_after(params.cursor)]
    if params.q.strip() and db.engine.dialect.name == "postgresql":
        # with a real-name filter, the frozen one is checked on the probe's rows: one ordered
        # index serves the probe (see customer_text_search)
        frozen = params.frozen if params.realname else None
        kept = [*_filters(replace(params, frozen=None)), *_after(params.cursor)]
        rows = pg_text_search(
            actor.store_id, params.q, kept if frozen is not None else conds, limit + 1, frozen
        )
    else:
        query = select(Customer).where(*conds)
        if params.q.strip():
            query = query.where(prefix_match(params.q))
        rows = list(db.session.scalars(query.order_by(*NEWEST).limit(limit + 1)))
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
