"""Catalogue fixtures (imported by tests/catalog/conftest.py and the catalogue e2e tests)."""

from __future__ import annotations

import fcntl
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select, text

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


@pytest.fixture(scope="session")
def _catalog_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the synced catalogue is kept for every test process of the run (pytest-xdist
    workers share the directory above their own temporary directories)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    return root / "synced-catalogue.pickle"


def _sync_once(path: Path) -> bool:
    """Fill ``_snapshot``: from the file another process wrote (False), else by syncing from
    the sandbox into this test's tables (True; about 230 provider calls, paced by the client's
    per-second quota: 20-30 s at the documented quotas, a few seconds at the session sandbox's
    raised ones, ``tests.conftest.QUOTA_SCALE``) and writing the file. A lock makes the other
    processes wait for the first one's sync."""
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            _snapshot.update(pickle.loads(path.read_bytes()))  # noqa: S301 (written by this run)
            return False
        now = utcnow()
        sync.sync_catalog(db.session, cloud_provider(), now=now)
        sync.sync_prices(db.session, cloud_provider(), now=now)
        for model in TABLES:
            rows = db.session.execute(select(model.__table__)).mappings().all()
            _snapshot[model.__table__.name] = [dict(r) for r in rows]
        db.session.rollback()
        path.write_bytes(pickle.dumps(_snapshot))
        return True


def _copy(table: str, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: the rows in one ``COPY`` (psycopg's ``executemany`` sends one statement per
    row: about 1,900 a test, 60 ms of the fixture's 80)."""
    columns = list(rows[0])
    cursor = db.session.connection().connection.driver_connection.cursor()
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


@pytest.fixture
def catalog(app: Flask, default_store: Store, _catalog_file: Path) -> dict[str, Any]:
    """The sandbox's catalogue and prices in the local tables (fetched_at: now).

    Synced from the sandbox once per run (every sandbox serves the same catalogue), then
    replayed into each test's empty tables."""
    with app.app_context():
        if not _snapshot and _sync_once(_catalog_file):
            return {"store": default_store}
        now = utcnow()
        postgresql = db.engine.dialect.name == "postgresql"
        for model in TABLES:
            rows = [dict(r) for r in _snapshot[model.__table__.name]]
            for row in rows:
                for key in ("fetched_at", "synced_at"):
                    if row.get(key) is not None:
                        row[key] = now
            if rows and postgresql:
                _copy(model.__table__.name, rows)
            elif rows:
                db.session.execute(insert(model.__table__), rows)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
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
