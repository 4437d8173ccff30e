"""Concurrent orders: row locks stop double-spends; one Idempotency-Key makes one order."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from storefront.accounts.models import Customer
from storefront.billing import orders, services
from storefront.billing.errors import InsufficientBalance
from storefront.billing.models import Order
from storefront.extensions import db
from tests.billing.conftest import assert_ledger_invariants
from tests.billing.test_concurrency import run_threads
from tests.billing.test_orders_support import buyer, catalog, make_buyer, make_quote, quote_total

__all__ = ["buyer", "catalog", "make_buyer", "make_quote"]


def test_twenty_concurrent_orders_against_money_for_two(
    app: Flask, buyer: Customer, make_quote: Callable[..., str],
    give: Callable[[Customer, str], None],
) -> None:
    quotes = [make_quote(buyer) for _ in range(20)]
    price = quote_total(app, quotes[0])
    give(buyer, str(price * 2))

    def buy(i: int) -> dict[str, Any]:
        with app.app_context():
            return orders.place_order(buyer, quotes[i], f"key-{i}")

    results, errors, elapsed = run_threads(20, buy)
    print(f"\n20 concurrent orders: {elapsed * 1000:.0f} ms")
    assert len(results) == 2 and all(r["status"] == "paid" for r in results)
    assert len(errors) == 18 and all(isinstance(e, InsufficientBalance) for e in errors), errors
    with app.app_context():
        assert services.balance(buyer) == Decimal("0.00")
        assert db.session.scalar(select(func.count(Order.id))) == 2
        assert_ledger_invariants()


def test_same_idempotency_key_from_ten_threads_makes_one_order(
    app: Flask, buyer: Customer, make_quote: Callable[..., str],
    give: Callable[[Customer, str], None],
) -> None:
    quote_id = make_quote(buyer)
    give(buyer, "10000.00")

    def buy(i: int) -> dict[str, Any]:
        with app.app_context():
            return orders.place_order(buyer, quote_id, "double-click")

    results, errors, _ = run_threads(10, buy)
    assert errors == [], errors
    assert len(results) == 10 and all(r == results[0] for r in results)
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 1
        assert services.balance(buyer) == Decimal("10000.00") - quote_total(app, quote_id)
        assert_ledger_invariants()
