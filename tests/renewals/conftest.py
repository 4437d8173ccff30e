"""Renewals fixtures: a customer with a monthly server bought through the API and the worker
(``owned``), the money checks, and moving the storefront's and the sandbox's clocks together."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from storefront import clock
from storefront.accounts.models import Customer
from storefront.billing import services
from storefront.billing.cli import check_ledger
from storefront.extensions import db
from tests.accounts.helpers import PASSWORD
from tests.shop import drain, token

__all__ = ["drain", "token"]


def _csrf(page: str, prefix: str = "") -> str:
    found = re.search(rf'name="{prefix}csrf_token" type="hidden" value="([^"]+)"', page)
    assert found, page[:2000]
    return found.group(1)


def customer_client(app: Flask, owned: Owned) -> FlaskClient:
    browser = app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    resp = browser.post("/login", data={"email": owned.customer.email, "password": PASSWORD,
                                         "csrf_token": _csrf(page)})  # fmt: skip
    assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:3000]
    return browser


@dataclass
class Owned:
    customer: Customer
    headers: dict[str, str]
    resource: dict[str, Any]

    @property
    def id(self) -> int:
        return int(self.resource["id"])


@pytest.fixture
def owned(
    app: Flask, client: Any, buyer: Customer, bought: Callable[..., list[dict[str, Any]]]
) -> Owned:
    """``buyer`` owns one monthly server (wallet funded 100000, the server paid from it)."""
    [server] = bought(buyer)
    return Owned(buyer, token(client, buyer), server)


def balance(app: Flask, customer: Customer) -> Decimal:
    with app.app_context():
        fresh = db.session.get(Customer, customer.id)
        assert fresh is not None
        return services.balance(fresh)


def ledger_ok(app: Flask) -> None:
    with app.app_context():
        report = check_ledger()
        assert report.ok, report


@pytest.fixture
def time_travel(sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[
    Callable[[timedelta], None]
]:
    """``time_travel(delta)``: the sandbox's and the storefront's clocks ``delta`` ahead of
    real time (what ``POST /_sandbox/clock`` does with ``STOREFRONT_CLOCK_OFFSET_FILE``)."""
    path = tmp_path / "clock-offset.json"
    clock.follow_offset_file(path)
    monkeypatch.setattr(clock, "OFFSET_CACHE_S", 0.0)

    def move(delta: timedelta) -> None:
        sandbox._control(
            "POST", "/_sandbox/clock", {"offset_s": delta.total_seconds(), "signatures": False}
        )
        clock.write_offset(path, delta.total_seconds())

    yield move
    move(timedelta(0))
    clock.follow_offset_file(None)
