"""Concurrent orders: row locks stop double-spends; one Idempotency-Key makes one order."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from storefront.accounts.models import Customer, CustomerStatus
from storefront.billing import orders, services
from storefront.billing.errors import InsufficientBalance
from storefront.billing.models import Order, Wallet
from storefront.extensions import db
from tests.billing.conftest import assert_ledger_invariants, requires_postgres
from tests.billing.test_concurrency import run_threads
from tests.shop import quote_total


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


@requires_postgres
def test_order_waiting_on_the_wallet_lock_rereads_the_customer(
    app: Flask, buyer: Customer, make_quote: Callable[..., str],
    give: Callable[[Customer, str], None],
) -> None:
    """Deterministic: another connection holds the wallet row lock, freezes the customer and
    commits while the order waits on that lock; the order must then see the freeze."""
    quote_id = make_quote(buyer)
    give(buyer, "10000.00")
    outcome: dict[str, Any] = {}

    def buy() -> None:
        with app.app_context():
            try:
                outcome["result"] = orders.place_order(buyer, quote_id, "wait-then-frozen")
            except BaseException as exc:  # reported below
                outcome["error"] = exc

    with app.app_context():
        wallet_id = db.session.scalar(select(Wallet.id).where(Wallet.customer_id == buyer.id))
        db.session.commit()
        with Session(db.engine) as holder:
            holder.execute(select(Wallet).where(Wallet.id == wallet_id).with_for_update())
            thread = threading.Thread(target=buy)
            thread.start()
            deadline = time.monotonic() + 30
            with db.engine.connect() as watcher:  # wait until the order blocks on our lock
                while True:
                    waiting = watcher.execute(
                        text(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname ="
                            " current_database() AND wait_event_type = 'Lock'"
                            " AND query ILIKE '%FROM wallets%FOR UPDATE%'"
                        )
                    ).scalar()
                    watcher.rollback()  # pg_stat_activity is a per-transaction snapshot
                    if waiting:
                        break
                    assert thread.is_alive(), outcome
                    assert time.monotonic() < deadline, "the order never waited on the lock"
                    time.sleep(0.02)
            frozen = holder.get(Customer, buyer.id)
            assert frozen is not None
            frozen.status = CustomerStatus.FROZEN
            holder.commit()  # the freeze commits and the wallet lock is released
        thread.join(timeout=30)
        assert not thread.is_alive()
        assert isinstance(outcome.get("error"), orders.AccountFrozen), outcome
        assert outcome["error"].code == "account_frozen"
        assert services.balance(buyer) == Decimal("10000.00")
        assert db.session.scalar(select(func.count(Order.id))) == 0
        assert_ledger_invariants()
