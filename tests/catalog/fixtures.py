"""Catalogue fixtures (imported by tests/catalog/conftest.py and the catalogue e2e tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select

from storefront.catalog import sync
from storefront.catalog.models import (
    PriceBookEntry,
    Product,
    Region,
    Spec,
    SpecRegion,
    SyncMark,
    TermPrice,
)
from storefront.clock import utcnow
from storefront.extensions import cloud_provider, db
from storefront.stores.models import Store

TABLES = (Region, Product, Spec, SpecRegion, PriceBookEntry, TermPrice, SyncMark)
_snapshot: dict[Any, list[dict[str, Any]]] = {}


@pytest.fixture
def catalog(app: Flask, default_store: Store) -> dict[str, Any]:
    """The sandbox's catalogue and prices in the local tables (fetched_at: now)."""
    with app.app_context():
        if not _snapshot:
            now = utcnow()
            sync.sync_catalog(db.session, cloud_provider(), now=now)
            sync.sync_prices(db.session, cloud_provider(), now=now)
            for model in TABLES:
                rows = db.session.execute(select(model.__table__)).mappings().all()
                _snapshot[model] = [dict(r) for r in rows]
        else:
            now = utcnow()
            for model in TABLES:
                rows = [dict(r) for r in _snapshot[model]]
                for row in rows:
                    for key in ("fetched_at", "synced_at"):
                        if row.get(key) is not None:
                            row[key] = now
                if rows:
                    db.session.execute(insert(model.__table__), rows)
            db.session.commit()
            if db.engine.dialect.name == "postgresql":
                from sqlalchemy import text

                reset = (
                    "SELECT setval(pg_get_serial_sequence(:t, 'id'), "
                    "(SELECT COALESCE(MAX(id), 1) FROM {}))"
                )
                for table in (
                    "catalog_specs",
                    "catalog_spec_regions",
                    "catalog_price_book",
                    "catalog_term_prices",
                ):
                    db.session.execute(text(reset.format(table)), {"t": table})
                db.session.commit()
    return {"store": default_store}


@pytest.fixture
def quote(client: Any, catalog: dict[str, Any]) -> Callable[..., Any]:
    """``quote(body)`` -> the test client's response to ``POST /api/v1/quotes``."""

    def post(body: Any, **kwargs: Any) -> Any:
        return client.post("/api/v1/quotes", json=body, **kwargs)

    return post
