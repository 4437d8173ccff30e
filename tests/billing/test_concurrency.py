"""Concurrent writers: row locks stop double-spends; one Idempotency-Key moves money once.

Each thread has its own app context, hence its own session and connection. The brief's
PostgreSQL scenarios are the point (``SELECT … FOR UPDATE``); they run on SQLite too, where
the wallet lock takes SQLite's write lock before reading the balance.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from storefront.accounts.models import Customer, Staff
from storefront.billing import services
from storefront.billing.errors import InsufficientBalance
from storefront.billing.models import JournalTransaction, TransactionKind
from storefront.extensions import db
from tests.billing.conftest import assert_ledger_invariants


def run_threads(n: int, work: Callable[[int], Any]) -> tuple[list[Any], list[BaseException], float]:
    barrier = threading.Barrier(n)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def target(i: int) -> None:
        barrier.wait()
        try:
            value = work(i)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        else:
            with lock:
                results.append(value)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results, errors, time.perf_counter() - started


def test_twenty_concurrent_debits_against_two_debits_worth(
    app: Flask, customer: Customer, give: Callable[[Customer, str], None]
) -> None:
    give(customer, "20.00")

    def debit(i: int) -> int:
        with app.app_context():
            try:
                txn = services.debit(customer, "10.00", "order", f"order:{i}")
                db.session.commit()
                return txn.id
            finally:
                db.session.rollback()

    results, errors, elapsed = run_threads(20, debit)
    print(f"\n20 concurrent debits ({db_name(app)}): {elapsed * 1000:.0f} ms")
    assert len(results) == 2
    assert len(errors) == 18 and all(isinstance(e, InsufficientBalance) for e in errors), errors
    with app.app_context():
        assert services.balance(customer) == Decimal("0.00")
        debits = db.session.scalar(
            select(func.count(JournalTransaction.id)).where(
                JournalTransaction.kind == TransactionKind.DEBIT
            ).execution_options(all_stores=True)
        )
        assert debits == 2
        assert_ledger_invariants()


def test_same_idempotency_key_from_ten_threads_funds_once(
    app: Flask, customer: Customer, owner: Staff
) -> None:
    def fund(i: int) -> dict[str, Any]:
        with app.app_context():
            return services.fund(customer, "15.00", "bonus", owner, idempotency_key="same-key")

    results, errors, elapsed = run_threads(10, fund)
    print(f"\n10 concurrent same-key fundings ({db_name(app)}): {elapsed * 1000:.0f} ms")
    assert errors == []
    assert len(results) == 10 and all(r == results[0] for r in results)
    assert results[0]["balance"] == "15.00"
    with app.app_context():
        assert services.balance(customer) == Decimal("15.00")
        funds = db.session.scalar(
            select(func.count(JournalTransaction.id)).execution_options(all_stores=True)
        )
        assert funds == 1
        assert_ledger_invariants()


def test_concurrent_first_fundings_create_one_wallet(
    app: Flask, customer: Customer, owner: Staff
) -> None:
    def fund(i: int) -> dict[str, Any]:
        with app.app_context():
            return services.fund(customer, "1.00", f"n{i}", owner, idempotency_key=f"k{i}")

    results, errors, _ = run_threads(10, fund)
    assert errors == [] and len(results) == 10
    with app.app_context():
        assert services.balance(customer) == Decimal("10.00")
        assert_ledger_invariants()


def db_name(app: Flask) -> str:
    with app.app_context():
        return db.engine.dialect.name
