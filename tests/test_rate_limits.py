"""Flask-Limiter works only on views marked ``@rate_limited``; every other request skips it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

PACKAGE = Path(__file__).resolve().parent.parent / "storefront"


def test_a_limited_route_counts_and_an_unlimited_one_is_left_alone(
    app: Flask, default_store: Any
) -> None:
    client = app.test_client()
    limited = client.post("/api/v1/auth/token", json={"email": "x@example.com", "password": "x"})
    assert limited.status_code == 401
    assert limited.headers["X-RateLimit-Limit"] and limited.headers["X-RateLimit-Remaining"]
    free = client.get("/healthz")
    assert free.status_code == 200 and "X-RateLimit-Limit" not in free.headers


def test_the_limited_route_still_refuses_once_its_limit_is_spent(
    make_app: Any, app: Flask, default_store: Any
) -> None:
    tight = make_app(ACCOUNTS_LIMIT_LOGIN="2 per minute")
    client = tight.test_client()
    answers = [
        client.post("/api/v1/auth/token", json={"email": "x@example.com", "password": "x"})
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [401, 401, 429]


def test_every_limit_goes_through_rate_limited() -> None:
    found = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in PACKAGE.rglob("*.py")
        if path.name != "extensions.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "limiter.limit(" in line or "limiter.shared_limit(" in line
    ]
    assert found == [], "decorate with storefront.extensions.rate_limited"
