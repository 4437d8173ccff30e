"""Quotes made at the same time from several threads: every one is stored and readable.

Each request writes its quote through its session's connection (SQLite's busy timeout queues
the writers); on PostgreSQL through pooled connections as well.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from storefront.catalog.models import Quote
from storefront.extensions import db

BODY = {
    "region": "cn-north-4",
    "billing_mode": "monthly",
    "period": 1,
    "items": [
        {"product": "ecs", "spec": "s6.large.2.linux", "quantity": 2},
        {"product": "evs", "spec": "SSD", "quantity": 1, "size_gb": 100},
    ],
}
THREADS, EACH = 6, 12


def test_concurrent_quotes_are_all_stored_and_readable(app: Flask, catalog: Any) -> None:
    def make_quotes(_: int) -> list[tuple[int, str, int]]:
        client = app.test_client()  # one visitor per thread, with its own owner cookie
        made = []
        for _ in range(EACH):
            resp = client.post("/api/v1/quotes", json=BODY)
            body = resp.get_json()
            quote_id = body.get("id", "")
            again = client.get(f"/api/v1/quotes/{quote_id}") if resp.status_code == 201 else None
            made.append((resp.status_code, quote_id, again.status_code if again else 0))
        return made

    with ThreadPoolExecutor(THREADS) as pool:
        results = [row for rows in pool.map(make_quotes, range(THREADS)) for row in rows]

    assert [status for status, _id, _again in results] == [201] * THREADS * EACH
    assert all(again == 200 for _status, _id, again in results)  # committed when answered
    ids = {quote_id for _status, quote_id, _again in results}
    assert len(ids) == THREADS * EACH
    with app.app_context():
        stored = db.session.scalars(select(Quote.id)).all()
        assert set(stored) == ids
        totals = db.session.scalars(select(func.count()).select_from(Quote).where(Quote.total > 0))
        assert totals.one() == THREADS * EACH
