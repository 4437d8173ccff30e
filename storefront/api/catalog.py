"""Catalogue and quotes: GET /regions, GET /products, POST /quotes, GET /quotes/<id>.

Thin: parse, call :mod:`storefront.catalog.services`, render. Reads only the local price book.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from storefront.api import bp
from storefront.api.auth import optional_customer
from storefront.catalog import descriptions, services
from storefront.catalog.owner import owner_key
from storefront.servers import choices
from storefront.stores.tenancy import request_store


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _locale() -> str:
    return str(get_locale() or "en")


def _api_customer_id() -> int | None:
    customer = optional_customer()
    return int(customer.id) if customer is not None else None


def quote_json(quote: services.StoredQuote) -> dict[str, Any]:
    lines = []
    for line in quote.lines:
        item: dict[str, Any] = {
            "product": line.product_code,
            "spec": line.spec_code,
            "quantity": line.quantity,
            "unit_price": money(line.unit_price),
            "amount": money(line.amount),
        }
        size_field = services.SIZE_FIELDS.get(line.product_code)
        if size_field is not None:
            item[size_field] = line.size
        lines.append(item)
    body: dict[str, Any] = {
        "id": quote.id,
        "region": quote.region_code,
        "currency": quote.currency,
        "billing_mode": quote.billing_mode,
        "period": quote.period,
        "total": money(quote.total),
        "lines": lines,
        "stale": quote.stale,
        "created_at": quote.created_at.isoformat(),
        "expires_at": quote.expires_at.isoformat(),
        "expired": services.is_expired(quote),
    }
    if quote.monthly_estimate is not None:
        body["monthly_estimate"] = money(quote.monthly_estimate)
    return body


@bp.get("/regions")
def list_regions() -> ResponseReturnValue:
    locale = _locale()
    items = [
        {"code": r.code, "name": services.localized(r, "name", locale)} for r in services.regions()
    ]
    return jsonify(items=items, next_cursor=None)


@bp.get("/products")
def list_products() -> ResponseReturnValue:
    locale = _locale()
    hid = services.hidden()
    region = request.args.get("region") or None
    if region is not None and region not in {r.code for r in services.regions(hid)}:
        raise services.unknown_region()
    ctx = services.load_context(_api_customer_id())
    prices = (
        services.list_prices(region, services.specs(region=region, hid=hid), ctx) if region else {}
    )
    by_product: dict[str, list[dict[str, Any]]] = {}
    for spec in services.specs(region=region, hid=hid):
        attrs = services.spec_attributes(spec)
        attrs["name"] = services.spec_name(spec, locale)
        if region is not None:
            attrs["prices"] = prices.get(spec.id)
        by_product.setdefault(spec.product_code, []).append(attrs)
    texts = descriptions.store_texts()
    store = request_store()
    items = [
        {
            "code": p.code,
            "name": services.localized(p, "name", locale),
            "description": descriptions.plain_for_visitor(p, locale, store, texts),
            "specs": by_product.get(p.code, []),
        }
        for p in services.products(hid)
    ]
    return jsonify(items=items, next_cursor=None)


@bp.post("/quotes")
def create_quote() -> ResponseReturnValue:
    customer_id = _api_customer_id()
    body, server_plans = choices.expand_quote_body(request.get_json(silent=True))  # #17
    req = services.parse_quote_request(body)
    quote = services.create_quote(
        req,
        customer_id=customer_id,
        session_key=None if customer_id is not None else owner_key(create=True),
        alone=not server_plans,  # nothing else to write: committed at once by the quote writer
    )
    if server_plans:
        choices.record_quote(quote.id, server_plans)
        services.commit_quote()  # nothing but the quote: PostgreSQL need not wait for the disk
    # Like the API's other creates (customers, orders): the new quote's id is in the body
    # (`GET /api/v1/quotes/<id>`), no Location header.
    response = jsonify(quote_json(quote))
    response.status_code = 201
    return response


@bp.get("/quotes/<quote_id>")
def get_quote(quote_id: str) -> ResponseReturnValue:
    quote = services.find_quote(
        quote_id, customer_id=_api_customer_id(), session_key=owner_key(create=False)
    )
    if quote is None:
        raise services.not_found_quote()
    return jsonify(quote_json(services.StoredQuote.of(quote)))
