"""Parallel renewals of one resource: one Idempotency-Key renews once (every caller gets the
same answer); different keys still make one renewal at a time (the wallet lock serialises
the in-flight check). PostgreSQL: real row locks between connections."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from storefront.accounts.models import Customer
from storefront.billing.models import Order, OrderKind
from storefront.extensions import db
from storefront.renewals import services
from storefront.renewals.errors import NotRenewable
from storefront.stores.models import Store
from storefront.stores.tenancy import store_context
from tests.billing.conftest import requires_postgres
from tests.billing.test_concurrency import run_threads
from tests.renewals.conftest import Owned, balance, drain, ledger_ok


def _renew(app: Flask, store: Store, owned: Owned, key: str) -> dict[str, Any]:
    with app.app_context(), store_context(store):
        customer = db.session.get(Customer, owned.customer.id)
        assert customer is not None
        return services.renew(customer, owned.id, "month", 1, key)


def _renewals(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(Order.id)).where(Order.kind == OrderKind.RENEWAL)
        ) or 0


@requires_postgres
def test_twenty_parallel_renewals_with_one_key_renew_once(
    app: Flask, owned: Owned, default_store: Store
) -> None:
    wallet = balance(app, owned.customer)
    results, errors, elapsed = run_threads(20, lambda i: _renew(app, default_store, owned, "k"))
    print(f"\n20 parallel renewals, one key: {elapsed * 1000:.0f} ms")
    assert errors == [], errors
    assert len(results) == 20 and all(r == results[0] for r in results)
    assert _renewals(app) == 1
    assert balance(app, owned.customer) == wallet - Decimal(results[0]["total"])
    drain(app)
    ledger_ok(app)


@requires_postgres
def test_twenty_parallel_renewals_with_different_keys_make_one(
    app: Flask, owned: Owned, default_store: Store
) -> None:
    wallet = balance(app, owned.customer)
    results, errors, _ = run_threads(20, lambda i: _renew(app, default_store, owned, f"k{i}"))
    assert len(results) == 1, errors
    assert len(errors) == 19 and all(isinstance(e, NotRenewable) for e in errors), errors
    assert _renewals(app) == 1
    assert balance(app, owned.customer) == wallet - Decimal(results[0]["total"])
    ledger_ok(app)
