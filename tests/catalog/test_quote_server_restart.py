"""A quote right after the database server dropped every connection (a restart, a terminated
backend) is answered, not failed: the pool refuses a connection the server closed when it is
checked out, without a ``SELECT 1`` on every request."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg
from flask import Flask

from storefront.extensions import db
from tests.billing.conftest import requires_postgres

ECS = {"product": "ecs", "spec": "s6.large.2.linux", "quantity": 1}
BODY = {"region": "cn-north-4", "billing_mode": "monthly", "period": 1, "items": [ECS]}


def _drop_every_connection(app: Flask) -> int:
    """What a server restart does to the app's pooled connections, from outside the pool."""
    with app.app_context():
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        dropped = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    time.sleep(0.3)  # the server's goodbye reaches the pooled sockets
    return int(dropped[0]) if dropped else 0


@requires_postgres
def test_quotes_after_the_server_dropped_every_connection(
    app: Flask, quote: Callable[..., Any]
) -> None:
    for _ in range(3):  # the pool holds connections the server knows
        assert quote(BODY).status_code == 201
    assert _drop_every_connection(app) >= 1
    for _ in range(3):
        resp = quote(BODY)
        assert resp.status_code == 201, resp.get_json()
