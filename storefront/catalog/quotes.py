"""Binding quotes: priced, stored and found again by their owner (a customer, or the
anonymous key of :mod:`storefront.catalog.owner`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from storefront.catalog import quote_store
from storefront.catalog.basket import Basket, load_context, price_basket
from storefront.catalog.errors import CatalogError, CatalogNotFound
from storefront.catalog.models import Quote
from storefront.catalog.requests import QuoteRequest
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.stores.tenancy import current_store_id

QUOTE_TTL = timedelta(minutes=30)


def not_found_quote() -> CatalogError:
    return CatalogNotFound(_("No such quote."))


@dataclass(frozen=True, slots=True)
class StoredLine:
    product_code: str
    spec_code: str
    quantity: int
    size: int | None
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class StoredQuote:
    """A stored quote as the API and pages show it (what was written, or what was read)."""

    id: str
    customer_id: int | None
    session_key: str | None
    region_code: str
    currency: str
    billing_mode: str
    period: int | None
    total: Decimal
    monthly_estimate: Decimal | None
    stale: bool
    created_at: datetime
    expires_at: datetime
    lines: tuple[StoredLine, ...]

    @classmethod
    def of(cls, quote: Quote) -> StoredQuote:
        return cls(
            id=quote.id,
            customer_id=quote.customer_id,
            session_key=quote.session_key,
            region_code=quote.region_code,
            currency=quote.currency,
            billing_mode=quote.billing_mode,
            period=quote.period,
            total=quote.total,
            monthly_estimate=quote.monthly_estimate,
            stale=quote.stale,
            created_at=quote.created_at,
            expires_at=quote.expires_at,
            lines=tuple(
                StoredLine(
                    line.product_code,
                    line.spec_code,
                    line.quantity,
                    line.size,
                    line.unit_price,
                    line.amount,
                )
                for line in quote.lines
            ),
        )


def new_quote_id(now: datetime) -> str:
    """32 hex digits: the creation time in microseconds (14), then 72 random bits (18).

    Time first, so each new quote lands at the end of the primary key's index instead of on a
    random page of it; the random part keeps ids unguessable (owners are checked anyway).
    """
    micros = int(now.timestamp() * 1_000_000)
    return f"{micros:014x}{secrets.token_hex(9)}"


def create_quote(
    req: QuoteRequest,
    *,
    customer_id: int | None,
    session_key: str | None,
    now: datetime | None = None,
    ttl: timedelta = QUOTE_TTL,
    alone: bool = False,
) -> StoredQuote:
    """Price and store a quote, owned by a customer or an anonymous session key.

    The hot path of the quote API: one ``INSERT`` (the lines are kept in the quote's row),
    pre-rendered and run on the session's connection (:mod:`storefront.catalog.quote_store`:
    no unit of work, ORM events or reload); the answer is built from the values written, which
    are already rounded to the column scale. The caller commits.

    ``alone``: the caller's request writes nothing but this quote (the edge says so), so the
    quote is committed here, at once, by the quote writer
    (:func:`~storefront.catalog.quote_store.save_alone`): the quote store's one exception to
    "the edge commits".
    """
    if customer_id is None and not session_key:
        raise ValueError("a quote needs an owner")
    store_id = current_store_id()
    if store_id is None:
        raise RuntimeError("a quote needs a current store")
    now = now or utcnow()
    basket = price_basket(req, load_context(customer_id), now=now)
    owner_key = None if customer_id is not None else session_key
    stored = _stored(basket, new_quote_id(now), customer_id, owner_key, now, now + ttl)
    row = _quote_row(stored, basket, store_id)
    if alone:
        quote_store.save_alone(row)
    else:
        quote_store.insert_quote(row)
    return stored


def _stored(
    basket: Basket,
    quote_id: str,
    customer_id: int | None,
    session_key: str | None,
    now: datetime,
    expires_at: datetime,
) -> StoredQuote:
    """The quote as answered: what is about to be written."""
    return StoredQuote(
        id=quote_id,
        customer_id=customer_id,
        session_key=session_key,
        region_code=basket.region,
        currency=basket.currency,
        billing_mode=basket.mode.value,
        period=basket.period,
        total=basket.total,
        monthly_estimate=basket.monthly_estimate,
        stale=basket.stale,
        created_at=now,
        expires_at=expires_at,
        lines=tuple(
            StoredLine(
                line.product,
                line.spec.code,
                line.quantity,
                line.size,
                line.priced.unit_price,
                line.priced.amount,
            )
            for line in basket.lines
        ),
    )


def _quote_row(stored: StoredQuote, basket: Basket, store_id: int) -> dict[str, Any]:
    """The quote's row, costs included, with its lines in the shape QuoteLine.from_json reads."""
    return {
        "id": stored.id,
        "store_id": store_id,
        "customer_id": stored.customer_id,
        "session_key": stored.session_key,
        "region_code": stored.region_code,
        "billing_mode": stored.billing_mode,
        "period": stored.period,
        "currency": stored.currency,
        "total": stored.total,
        "cost_total": basket.cost_total,
        "monthly_estimate": stored.monthly_estimate,
        "stale": stored.stale,
        "created_at": stored.created_at,
        "expires_at": stored.expires_at,
        "lines": [
            {
                "position": i,
                "product_code": line.product,
                "spec_code": line.spec.code,
                "quantity": line.quantity,
                "size": line.size,
                "unit_price": str(line.priced.unit_price),
                "amount": str(line.priced.amount),
                "unit_cost": str(line.priced.unit_cost),
                "cost_amount": str(line.priced.cost_amount),
                "official_amount": str(line.priced.official_amount),
                "rule_id": line.rule_id,
            }
            for i, line in enumerate(basket.lines)
        ],
    }


def commit_quote() -> None:
    """The edge's commit of a request that only created a quote (see
    :func:`storefront.catalog.quote_store.commit_quote`: on PostgreSQL, without waiting for
    the disk)."""
    quote_store.commit_quote()


def find_quote(quote_id: str, *, customer_id: int | None, session_key: str | None) -> Quote | None:
    """The quote if the requester owns it (the tenant filter keeps it in the store)."""
    quote = db.session.get(Quote, quote_id)
    if quote is None:
        return None
    if quote.customer_id is not None:
        return quote if quote.customer_id == customer_id else None
    return (
        quote
        if session_key and secrets.compare_digest(quote.session_key or "", session_key)
        else None
    )


def is_expired(quote: Quote | StoredQuote, now: datetime | None = None) -> bool:
    return (now or utcnow()) >= quote.expires_at
