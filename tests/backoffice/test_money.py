"""The back office reads billing directly: balances, orders, wallet lines, the has-balance
filter and the dashboard's claims, low balances and sales/margin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from storefront.accounts.models import Customer, Staff, StaffRole
from storefront.backoffice import services as backoffice
from storefront.billing import orders, remittance
from storefront.billing import services as billing
from storefront.catalog.models import PriceRule, Quote
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.stores.tenancy import store_context
from tests.backoffice.test_admin_api import auth


@pytest.fixture
def owner(make_staff: Callable[..., Staff]) -> Staff:
    return make_staff(role=StaffRole.OWNER)


def fund(app: Flask, customer: Customer, amount: str, staff: Staff) -> None:
    with app.app_context():
        billing.fund(customer, amount, "setup", staff)


def buy(app: Flask, customer: Customer, make_quote: Callable[..., str]) -> tuple[int, Quote]:
    quote_id = make_quote(customer)
    with app.app_context():
        order = orders.place_order(customer, quote_id)
        quote = db.session.get(Quote, quote_id)
        assert quote is not None and order["status"] == "paid"
        db.session.expunge(quote)
        return int(order["id"]), quote


def test_customer_detail_shows_the_real_balance_and_orders(
    app: Flask,
    client: Any,
    buyer: Customer,
    owner: Staff,
    make_quote: Callable[..., str],
    token_for: Any,
    login: Any,
) -> None:
    fund(app, buyer, "1000.00", owner)
    order_id, quote = buy(app, buyer, make_quote)
    left = Decimal("1000.00") - quote.total
    body = client.get(
        f"/api/v1/admin/customers/{buyer.id}", headers=auth(token_for(owner))
    ).get_json()
    assert body["balance"] == f"{left:.2f}" and body["orders_count"] == 1
    assert "billing_available" not in body
    page = login(owner).get(f"/admin/customers/{buyer.id}").get_data(as_text=True)
    # money in the store's locale and the order's status in words
    assert f"CN¥{left:,.2f}" in page and f"#{order_id} Paid" in page
    assert "CN¥1,000.00" in page  # the funding line of the wallet
    assert "not installed" not in page


def test_has_balance_filter(
    app: Flask,
    client: Any,
    make_customer: Callable[..., Customer],
    owner: Staff,
    token_for: Any,
) -> None:
    rich, emptied, never = make_customer(), make_customer(), make_customer()
    fund(app, rich, "5.00", owner)
    fund(app, emptied, "7.00", owner)
    fund(app, emptied, "-7.00", owner)
    headers = auth(token_for(owner))

    def ids(q: str) -> set[int]:
        resp = client.get(f"/api/v1/admin/customers?{q}", headers=headers)
        assert resp.status_code == 200, resp.get_json()
        return {c["id"] for c in resp.get_json()["items"]}

    assert ids("has_balance=true") == {rich.id}
    assert ids("has_balance=false") == {emptied.id, never.id}


def test_dashboard_numbers(
    app: Flask,
    buyer: Customer,
    owner: Staff,
    make_customer: Callable[..., Customer],
    make_staff: Callable[..., Staff],
    make_quote: Callable[..., str],
    default_store: Store,
    login: Any,
) -> None:
    with app.app_context(), store_context(default_store):
        # the partner's cost is the list price the provider rates: the margin is the store's rule
        db.session.add(PriceRule(kind="markup", adjustment="percent", value=Decimal(10)))
        db.session.commit()
    low, fine = make_customer(), make_customer()
    fund(app, low, "9.99", owner)
    fund(app, fine, "10.00", owner)
    fund(app, buyer, "5000.00", owner)
    _, first = buy(app, buyer, make_quote)
    _, second = buy(app, buyer, make_quote)
    refunded, _ = buy(app, buyer, make_quote)
    with app.app_context():
        orders.refund_order(refunded, "test")  # a refunded order is not a sale
        db.session.commit()
        remittance.update_billing_settings(
            db.session.get(Staff, owner.id), bank_name="BOC", bank_account="1", bank_holder="Co"
        )
        db.session.commit()
        remittance.submit_claim(low, "50.00", date.today(), "Zhang San", "SN-D1")
        db.session.commit()
        remittance.submit_claim(low, "60.00", date.today(), "Zhang San", "SN-D2")
        db.session.commit()
    with app.app_context(), store_context(default_store):
        data = backoffice.dashboard(db.session.get(Staff, owner.id))  # type: ignore[arg-type]
        assert data["claims_pending"] == 2
        assert [(c.id, amount) for c, amount in data["low_balances"]] == [(low.id, Decimal("9.99"))]
        assert len(data["sales"]) == 1
        day = data["sales"][0]
        assert day["sales"] == first.total + second.total
        assert day["margin"] == (first.total - first.cost_total) + (
            second.total - second.cost_total
        )
        assert day["margin"] > 0
        support = make_staff(role=StaffRole.SUPPORT)
        assert backoffice.dashboard(db.session.get(Staff, support.id))["sales"] is None  # type: ignore[arg-type]
    page = login(owner).get("/admin/").get_data(as_text=True)
    assert "sales-chart" in page and low.email in page and fine.email not in page
