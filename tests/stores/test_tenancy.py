"""Host -> store resolution and the central store scoping of queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from storefront.accounts.models import Customer
from storefront.extensions import db
from storefront.stores.services import normalise_host, resolve_store
from storefront.stores.tenancy import all_stores, store_context


def test_normalise_host() -> None:
    assert normalise_host("Shop.Example.COM:8443") == "shop.example.com"
    assert normalise_host("[::1]:5000") == "[::1]"


def test_store_is_chosen_by_host_and_unknown_hosts_get_none(
    app: Any, default_store: Any, make_store: Any
) -> None:
    other = make_store(name="Blue Cloud", domains=["blue.test"], primary_color="#0044aa")
    client = app.test_client()
    assert "Blue Cloud" in client.get("/", headers={"Host": "blue.test"}).get_data(as_text=True)
    assert "#0044aa" in client.get("/", headers={"Host": "BLUE.test:80"}).get_data(as_text=True)
    home = client.get("/", headers={"Host": "localhost"}).get_data(as_text=True)
    assert default_store.name in home and "Blue Cloud" not in home
    # no fallback to the default store for a host no store owns (see test_hosts.py)
    unknown = client.get("/", headers={"Host": "unknown.test"})
    assert unknown.status_code == 400 and default_store.name not in unknown.get_data(as_text=True)
    with app.app_context():
        assert resolve_store("blue.test").id == other.id  # type: ignore[union-attr]
        assert resolve_store("localhost").id == default_store.id  # type: ignore[union-attr]
        assert resolve_store("unknown.test") is None


def test_queries_see_only_the_current_store(
    app: Any, default_store: Any, make_store: Any, make_customer: Any
) -> None:
    other = make_store()
    mine = make_customer(email="same@example.com")
    theirs = make_customer(store=other, email="same@example.com")
    with app.app_context():
        with store_context(other):
            found = db.session.scalars(select(Customer)).all()
            assert [c.id for c in found] == [theirs.id]
            assert db.session.get(Customer, theirs.id) is not None
        with store_context(default_store):
            assert db.session.scalars(select(Customer.id)).all() == [mine.id]
            with all_stores():
                assert db.session.scalar(select(func.count(Customer.id))) == 2


def test_new_rows_are_stamped_with_the_current_store(app: Any, make_store: Any) -> None:
    other = make_store()
    with app.app_context(), store_context(other):
        customer = Customer(email="x@example.com", password_hash="x", name="X")
        db.session.add(customer)
        db.session.commit()
        assert customer.store_id == other.id
