"""The pre-rendered quote ``INSERT`` (``storefront.catalog.quote_store``): the row it stores is
the one the ORM would store, and it writes in the request's own transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text

from storefront.accounts.models import Customer
from storefront.catalog import quote_store, services
from storefront.catalog.models import Quote
from storefront.extensions import db
from storefront.stores.tenancy import store_context

ECS = {"product": "ecs", "spec": "s6.large.2.linux", "quantity": 2}


def _row(quote_id: str, store_id: int) -> dict[str, Any]:
    now = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
    return {
        "id": quote_id,
        "store_id": store_id,
        "customer_id": None,
        "session_key": "k" * 32,
        "region_code": "cn-north-4",
        "billing_mode": "monthly",
        "period": 1,
        "currency": "CNY",
        "total": Decimal("123.45"),
        "cost_total": Decimal("100.00"),
        "monthly_estimate": Decimal("123.45"),
        "stale": True,
        "created_at": now,
        "expires_at": now + timedelta(minutes=30),
        "lines": [{"position": 0, "product_code": "ecs", "unit_price": "1.50", "名": "中文"}],
    }


def test_the_prepared_insert_stores_what_the_orm_stores(app: Any, catalog: Any) -> None:
    store_id = catalog["store"].id
    with app.app_context(), store_context(catalog["store"]):
        quote_store.insert_quote(_row("a" * 32, store_id))
        by_orm = _row("b" * 32, store_id)
        db.session.add(Quote(**{k: v for k, v in by_orm.items() if k != "lines"},
                             line_data=by_orm["lines"]))  # fmt: skip
        db.session.commit()
        stored = {
            row[0]: row[1:]
            for row in db.session.execute(
                text("SELECT * FROM catalog_quotes WHERE id IN (:a, :b)"),
                {"a": "a" * 32, "b": "b" * 32},
            )
        }
        assert stored["a" * 32] == stored["b" * 32]  # same text, numbers, dates, JSON
        loaded = db.session.get(Quote, "a" * 32)
        assert loaded is not None and loaded.total == Decimal("123.45") and loaded.stale
        assert loaded.created_at == by_orm["created_at"]
        assert loaded.line_data == by_orm["lines"]


def test_a_quote_after_a_session_write_in_the_same_request(
    app: Any, catalog: Any, make_customer: Any
) -> None:
    """A request that has written through the session, then makes a quote: one transaction,
    one connection (a second connection waited for the first's lock: "database is locked")."""
    customer_id = make_customer().id
    req = {"region": "cn-north-4", "billing_mode": "on_demand", "items": [ECS]}

    def rename_and_quote(name: str) -> str:
        customer = db.session.get(Customer, customer_id)
        assert customer is not None
        customer.name = name
        db.session.flush()  # the session's transaction now holds SQLite's write lock
        parsed = services.parse_quote_request(req)
        return services.create_quote(parsed, customer_id=customer_id, session_key=None).id

    with (
        app.test_request_context("/", headers={"Host": "127.0.0.1"}),
        store_context(catalog["store"]),
    ):
        dropped = rename_and_quote("Dropped")
        db.session.rollback()  # both writes are the request's: both go
        kept = rename_and_quote("Kept")
        db.session.commit()
    with app.app_context(), store_context(catalog["store"]):
        assert db.session.get(Quote, dropped) is None
        quote = db.session.get(Quote, kept)
        assert quote is not None and quote.customer_id == customer_id
        assert db.session.scalar(select(Customer.name).where(Customer.id == customer_id)) == "Kept"
