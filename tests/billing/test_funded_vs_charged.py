"""What we fund at the provider against what the provider charges (../shared/PROVIDER.md,
"Money"): the provider charges the customer's account at the price it computes; a surplus goes
back to the partner, a shortfall is flagged for staff, and both are staff-only events."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.billing.models import Order, OrderLine, OrderStatus
from storefront.billing.reconcile import reconcile
from storefront.extensions import cloud_provider, db
from tests.shop import EIP, drain, quote_total, token


def _buy(client: FlaskClient, app: Flask, buyer: Customer, quote_id: str, give: Any) -> Order:
    give(buyer, str(quote_total(app, quote_id)))
    resp = client.post("/api/v1/orders", json={"quote_id": quote_id}, headers=token(client, buyer))
    assert resp.status_code == 201, resp.get_json()
    drain(app)
    with app.app_context():
        order = db.session.get(Order, resp.get_json()["id"])
        assert order is not None and order.status == OrderStatus.ACTIVE
        db.session.expunge(order)
        return order


def _provider_balance(sandbox: Any, customer_id: str) -> Decimal:
    funds = sandbox._control("GET", "/_sandbox/resources", None)["funds"]
    return Decimal(str(funds.get(customer_id, "0.00")))


def _events(app: Flask, order_id: int) -> list[tuple[str, str]]:
    with app.app_context():
        order = db.session.get(Order, order_id)
        assert order is not None
        return [(e.status, e.note) for e in order.events]


def test_an_eip_is_charged_for_its_address_and_its_bandwidth(
    app: Flask, client: FlaskClient, buyer: Customer, make_quote: Callable[..., str],
    give: Any, sandbox: Any,
) -> None:
    """The quote prices an EIP as IP + bandwidth; so does the provider: funded == charged."""
    quote_id = make_quote(buyer, items=[EIP])
    order = _buy(client, app, buyer, quote_id, give)
    with app.app_context():
        line = db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)).one()
        charged = cloud_provider().show_customer_order(order_id=str(line.provider_order_id))
    assert charged is not None and charged.amount == order.funded_amount == order.cost_total
    assert charged.amount > Decimal("4.50")  # not the address alone
    [settled] = [n for s, n in _events(app, order.id) if s == "charge_settled"]
    assert "reclaimed" not in settled


def test_a_surplus_goes_back_to_the_partner(
    app: Flask, client: FlaskClient, make_buyer: Callable[..., Customer],
    make_quote: Callable[..., str], give: Any, sandbox: Any,
) -> None:
    buyer = make_buyer()
    # The provider grants this customer 20 % off: it charges less than we funded.
    sandbox._control(
        "POST", f"/_sandbox/customers/{buyer.provider_customer_id}/discount", {"rate": "0.8"}
    )
    quote_id = make_quote(buyer)
    order = _buy(client, app, buyer, quote_id, give)
    cost = quote_total(app, quote_id)  # sold at list, bought at list
    charged = (cost * Decimal("0.8")).quantize(Decimal("0.01"))
    assert order.funded_amount == charged  # the surplus was reclaimed
    assert _provider_balance(sandbox, str(buyer.provider_customer_id)) == Decimal("0.00")
    [note] = [n for s, n in _events(app, order.id) if s == "charge_settled"]
    assert f"reclaimed {cost - charged}" in note
    # the customer's timeline shows none of it
    detail = client.get(f"/api/v1/orders/{order.id}", headers=token(client, buyer)).get_json()
    assert [e["status"] for e in detail["events"]] == ["pending", "paid", "provisioning", "active"]


def test_a_shortfall_is_flagged_by_reconcile(
    app: Flask, client: FlaskClient, make_buyer: Callable[..., Customer],
    make_quote: Callable[..., str], give: Any, sandbox: Any,
) -> None:
    buyer = make_buyer()
    # The customer has money of its own at the provider, and the provider charges more than
    # the price we rated (say its price rose after our last sync).
    with app.app_context():
        cloud_provider().fund_customer(
            customer_id=str(buyer.provider_customer_id), amount=Decimal("500.00")
        )
    sandbox._control(
        "POST", f"/_sandbox/customers/{buyer.provider_customer_id}/discount", {"rate": "1.1"}
    )
    order = _buy(client, app, buyer, make_quote(buyer), give)
    assert [s for s, _ in _events(app, order.id)].count("charge_shortfall") == 1
    with app.app_context():
        report = reconcile(sync=False)
    assert order.id in report.shortfalls


def test_reconcile_settles_what_could_not_be_checked(
    app: Flask, client: FlaskClient, make_buyer: Callable[..., Customer],
    make_quote: Callable[..., str], give: Any, sandbox: Any,
) -> None:
    buyer = make_buyer()
    sandbox._control(
        "POST", f"/_sandbox/customers/{buyer.provider_customer_id}/discount", {"rate": "0.5"}
    )
    quote_id = make_quote(buyer)
    # The provider's order details stay unreachable while the order completes: the first try
    # and both retries (STOREFRONT_CLOUD_RETRIES defaults to 2).
    for _ in range(3):
        sandbox._control(
            "POST", "/_sandbox/faults/once",
            {"method": "GET", "path": "/v2/orders/customer-orders/details/*", "when": "before"},
        )
    order = _buy(client, app, buyer, quote_id, give)
    assert [s for s, _ in _events(app, order.id)][-1] == "settle_failed"
    assert order.funded_amount == quote_total(app, quote_id)  # nothing reclaimed yet
    with app.app_context():
        report = reconcile(sync=False)
    assert order.id in report.charges_settled
    with app.app_context():
        settled = db.session.get(Order, order.id)
        assert settled is not None
        assert settled.funded_amount == (quote_total(app, quote_id) / 2).quantize(Decimal("0.01"))
