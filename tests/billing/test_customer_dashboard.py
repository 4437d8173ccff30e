"""The customer dashboard at /account: balance, to-dos, resources expiring soon, open orders
and recent activity, from the customer's own data only."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from storefront.accounts.models import Customer, Staff
from storefront.billing import orders
from storefront.billing import services as billing
from storefront.billing.models import CHARGE_SETTLED, OrderEvent, Resource, ResourceStatus
from storefront.extensions import db
from tests.catalog.test_pages import login
from tests.shop import drain


def _card(page: str, card_id: str) -> str:
    start = page.index(f'id="{card_id}"')
    return re.sub(r"\s+", " ", page[start : page.index("</div></div></div>", start)])


def test_a_new_customer_sees_what_to_do_and_empty_lists(
    client: Any, make_customer: Callable[..., Customer]
) -> None:
    customer = make_customer()
    login(client, customer)
    page = client.get("/account").get_data(as_text=True)
    assert "0.00" in _card(page, "dash-balance")
    todo = _card(page, "dash-actions")
    assert 'id="todo-email"' in todo and "Complete real-name verification" in todo
    assert "None" in _card(page, "dash-expiring") and "None" in _card(page, "dash-orders")
    assert "Nothing yet." in _card(page, "dash-events")
    assert 'id="profile"' in page and 'id="tokens"' in page  # the account features stay


def test_balance_open_orders_expiring_resources_and_activity(
    app: Flask,
    client: Any,
    buyer: Customer,
    owner: Staff,
    make_quote: Callable[..., str],
    make_buyer: Callable[..., Customer],
) -> None:
    with app.app_context():
        billing.fund(buyer, "1000.00", "setup", owner)
        first = orders.place_order(buyer, make_quote(buyer))
    drain(app)  # the first order becomes active, its resources exist
    with app.app_context():
        second = orders.place_order(buyer, make_quote(buyer))  # paid, not provisioned yet
        now = datetime.now(UTC)
        resources = db.session.scalars(
            select(Resource).where(Resource.customer_id == buyer.id).order_by(Resource.id)
        ).all()
        assert resources
        soon = resources[0]
        soon.expires_at, soon.name = now + timedelta(days=5), "web-1"
        for later in resources[1:]:
            later.expires_at = now + timedelta(days=90)
        gone = Resource(
            store_id=buyer.store_id,
            customer_id=buyer.id,
            provider_resource_id="gone-1",
            product_code="evs",
            spec_code="SSD",
            region_code="cn-north-4",
            billing_mode="monthly",
            name="old-disk",
            status=ResourceStatus.RELEASED,
            expires_at=now + timedelta(days=1),
        )
        db.session.add(gone)
        balance = billing.balance(buyer)
        db.session.commit()
    other = make_buyer()  # someone else's order never shows
    with app.app_context():
        billing.fund(other, "1000.00", "setup", owner)
        theirs = orders.place_order(other, make_quote(other))

    login(client, buyer)
    page = client.get("/account").get_data(as_text=True)
    assert f"{balance:.2f}" in _card(page, "dash-balance")
    assert "Nothing to do" in _card(page, "dash-actions") or 'id="todo-email"' in page
    expiring = _card(page, "dash-expiring")
    assert "web-1" in expiring and (now + timedelta(days=5)).strftime("%Y-%m-%d") in expiring
    assert "old-disk" not in expiring and expiring.count("<li>") == 1  # 90 days: not soon
    open_orders = _card(page, "dash-orders")
    assert f"Order {second['id']}" in open_orders and f"Order {first['id']}" not in open_orders
    assert f"Order {theirs['id']}" not in open_orders
    events = _card(page, "dash-events")
    assert f"Order {first['id']}</a>: Active" in events
    assert "Payment from your wallet" in events
    assert f"Order {theirs['id']}" not in events
    with app.app_context():  # the partner's own money check on the order is for staff only
        settled = select(OrderEvent.id).where(
            OrderEvent.order_id == first["id"], OrderEvent.status == CHARGE_SETTLED
        )
        assert db.session.scalars(settled).all()
    assert "charge settled" not in events.lower()


def test_the_newest_activity_comes_first(
    app: Flask,
    client: Any,
    buyer: Customer,
    owner: Staff,
    make_quote: Callable[..., str],
) -> None:
    """A wallet movement right after an order's events is listed above them (its time is
    not cut to the second)."""
    with app.app_context():
        billing.fund(buyer, "1000.00", "setup", owner)
        order = orders.place_order(buyer, make_quote(buyer))
        billing.fund(buyer, "7.00", "later", owner)
    login(client, buyer)
    items = _card(client.get("/account").get_data(as_text=True), "dash-events").split("<li>")
    assert "Funds from the store" in items[1] and "7.00" in items[1], items
    assert f"Order {order['id']}</a>: Paid" in items[2] + items[3], items


def test_the_dashboard_in_chinese(client: Any, make_customer: Callable[..., Customer]) -> None:
    customer = make_customer()
    login(client, customer)
    page = client.get("/account", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "余额" in _card(page, "dash-balance") and "实名认证" in _card(page, "dash-actions")
