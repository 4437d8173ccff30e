"""Payments fixtures: a live server (the adapters reach the emulators over HTTP, as they would
reach Alipay and WeChat Pay), API tokens, and helpers that pay at an emulator like a payer."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests
from flask import Flask

from storefront.accounts.models import Customer
from storefront.billing import services
from storefront.extensions import db
from storefront.payments.emulators import alipay as alipay_emulator
from storefront.payments.emulators import wechat as wechat_emulator
from storefront.payments.emulators.common import EmulatorState


@pytest.fixture
def gateways(app: Flask, live_server: Any) -> Iterator[Any]:
    """The live server, with both emulators emptied and delivering over HTTP."""
    for name in (alipay_emulator.NAME, wechat_emulator.NAME):
        state: EmulatorState = app.extensions[name]
        state.trades.clear()
        state.outbox.clear()
        state.delivery, state.delay_s = "http", 0.0
    yield live_server
    for name in (alipay_emulator.NAME, wechat_emulator.NAME):
        app.extensions[name].delivery, app.extensions[name].delay_s = "http", 0.0


def emulator(app: Flask, method: str) -> EmulatorState:
    found: EmulatorState = app.extensions[
        alipay_emulator.NAME if method == "alipay" else wechat_emulator.NAME
    ]
    return found


@pytest.fixture
def api(
    app: Flask, gateways: Any, make_customer: Callable[..., Customer],
    token_for: Callable[[Any], str],
) -> Any:
    """A customer and a ``requests`` session holding their API token, on the live server."""
    customer = make_customer()
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token_for(customer)}"})
    session.customer = customer  # type: ignore[attr-defined]
    session.base = gateways.url  # type: ignore[attr-defined]
    return session


def start_topup(api: Any, amount: str, method: str, key: str | None = None) -> dict[str, Any]:
    headers = {"Idempotency-Key": key} if key else {}
    response = api.post(f"{api.base}/api/v1/wallet/topups",
                        json={"amount": amount, "method": method}, headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def pay_at_emulator(started: dict[str, Any]) -> requests.Response:
    """Open the cashier (Alipay) or the scanned QR code (WeChat Pay) and press Pay."""
    url = started.get("pay_url") or started["qr_code"]
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and "emulator-cashier" in page.text, page.text[:300]
    action = re.search(r'action="([^"]+)"', page.text)
    assert action is not None
    base = re.match(r"https?://[^/]+", page.url)
    assert base is not None
    return requests.post(base.group(0) + action.group(1), data={"action": "pay"},
                         allow_redirects=False, timeout=10)


def balance(app: Flask, customer: Customer) -> Decimal:
    with app.app_context():
        db.session.expire_all()
        return services.balance(customer)


def wait_for_balance(app: Flask, customer: Customer, expected: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while balance(app, customer) != Decimal(expected):
        assert time.monotonic() < deadline, f"balance stayed {balance(app, customer)}"
        time.sleep(0.1)
