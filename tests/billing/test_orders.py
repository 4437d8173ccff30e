"""Orders: checkout rules, the wallet debit, provisioning at the sandbox, refunds, resources."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.accounts.models import Customer, CustomerStatus, RealnameStatus
from storefront.billing import services
from storefront.billing.cli import check_ledger
from storefront.billing.models import JournalTransaction, Order, OrderStatus, Resource
from storefront.extensions import db
from tests.billing.conftest import assert_ledger_invariants
from tests.shop import EIP, EVS, VPC, drain, quote_total, token


def order(
    client: FlaskClient, headers: dict[str, str], quote_id: str, key: str | None = None
) -> Any:
    extra = {"Idempotency-Key": key} if key else {}
    return client.post("/api/v1/orders", json={"quote_id": quote_id}, headers={**headers, **extra})


def test_prepaid_order_debits_then_provisions_to_active(
    app: Flask, client: FlaskClient, buyer: Customer, make_quote: Callable[..., str],
    give: Callable[[Customer, str], None], sandbox: Any,
) -> None:
    quote_id = make_quote(buyer, items=[{"product": "ecs", "spec": "s6.large.2.linux",
                                         "quantity": 2}, EVS, EIP, VPC])
    total = quote_total(app, quote_id)
    give(buyer, str(total + Decimal("1.00")))
    headers = token(client, buyer)
    resp = order(client, headers, quote_id, key="k1")
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "paid" and body["total"] == str(total) and body["currency"] == "CNY"
    with app.app_context():
        assert services.balance(buyer) == Decimal("1.00")  # debited in the same transaction
    assert drain(app) >= 1
    detail = client.get(f"/api/v1/orders/{body['id']}", headers=headers).get_json()
    assert detail["status"] == "active", detail
    assert [e["status"] for e in detail["events"]] == ["pending", "paid", "provisioning", "active"]
    assert all(line["resource_ids"] for line in detail["lines"])
    assert detail["lines"][0]["provider_order_id"]
    resources = client.get("/api/v1/resources", headers=headers).get_json()["items"]
    assert len(resources) == 5  # 2 servers, a disk, an address, a VPC
    assert {r["product"] for r in resources} == {"ecs", "evs", "eip", "vpc"}
    assert all(r["order_id"] == body["id"] and r["status"] == "active" for r in resources)
    # the sandbox holds exactly these resources, paid once
    state = sandbox._control("GET", "/_sandbox/resources", None)
    mine = {r["provider_resource_id"] for r in resources}
    assert {r["resource_id"] for r in state["resources"]} >= mine
    # replaying the key returns the first answer and charges nothing more
    again = order(client, headers, quote_id, key="k1")
    assert again.status_code == 201 and again.get_json()["id"] == body["id"]
    listing = client.get("/api/v1/orders", headers=headers).get_json()
    assert [o["id"] for o in listing["items"]] == [body["id"]] and listing["next_cursor"] is None
    with app.app_context():
        assert services.balance(buyer) == Decimal("1.00")
        assert_ledger_invariants()
        assert check_ledger().ok


def test_checkout_refusals(
    app: Flask, client: FlaskClient, make_buyer: Callable[..., Customer],
    make_quote: Callable[..., str], give: Callable[[Customer, str], None],
) -> None:
    unverified = make_buyer(realname_status=RealnameStatus.PENDING)
    resp = order(client, token(client, unverified), make_quote(unverified))
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "realname_required"

    frozen = make_buyer(status=CustomerStatus.FROZEN)
    quote_id = make_quote(frozen)
    with app.app_context():
        db.session.execute(
            Customer.__table__.update().where(Customer.id == frozen.id)
            .values(status=CustomerStatus.ACTIVE.value)
        )
        db.session.commit()
    headers = token(client, frozen)
    with app.app_context():
        db.session.execute(
            Customer.__table__.update().where(Customer.id == frozen.id)
            .values(status=CustomerStatus.FROZEN.value)
        )
        db.session.commit()
    resp = order(client, headers, quote_id)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "account_frozen"

    poor = make_buyer()
    headers = token(client, poor)
    expired = make_quote(poor, now=datetime.now(UTC) - timedelta(days=2))
    resp = order(client, headers, expired)
    assert resp.status_code == 410 and resp.get_json()["error"]["code"] == "quote_expired"
    resp = order(client, headers, make_quote(poor))
    assert resp.status_code == 402 and resp.get_json()["error"]["code"] == "insufficient_balance"

    other = make_buyer()
    resp = order(client, headers, make_quote(other))
    assert resp.status_code == 404
    assert order(client, headers, "nope").status_code == 404
    assert client.post("/api/v1/orders", json={}, headers=headers).status_code == 422
    assert client.post("/api/v1/orders", json={"quote_id": "x"}).status_code == 401
    assert client.get("/api/v1/orders/999", headers=headers).status_code == 404

    give(poor, "10000.00")
    quote_id = make_quote(poor)
    assert order(client, headers, quote_id, key="a").status_code == 201
    dup = order(client, headers, quote_id)
    assert dup.status_code == 409 and dup.get_json()["error"]["code"] == "quote_already_ordered"
    other_quote = make_quote(poor)
    conflict = order(client, headers, other_quote, key="a")
    assert conflict.status_code == 409
    assert conflict.get_json()["error"]["code"] == "idempotency_conflict"
    with app.app_context():
        assert db.session.query(JournalTransaction).filter_by(kind="debit").count() == 1
        assert_ledger_invariants()


def test_provider_refusal_refunds_with_reason(
    app: Flask, client: FlaskClient, make_buyer: Callable[..., Customer],
    make_quote: Callable[..., str], give: Callable[[Customer, str], None],
) -> None:
    # a provider account that is not associated with our partner: funding is refused
    stranger = make_buyer(provider_customer_id="0" * 32)
    give(stranger, "5000.00")
    headers = token(client, stranger)
    resp = order(client, headers, make_quote(stranger))
    assert resp.status_code == 201
    drain(app)
    detail = client.get(f"/api/v1/orders/{resp.get_json()['id']}", headers=headers).get_json()
    assert detail["status"] == "refunded"
    assert "refused" in detail["failure_reason"]
    assert detail["refunded_amount"] == detail["total"]
    with app.app_context():
        assert services.balance(stranger) == Decimal("5000.00")
        assert_ledger_invariants()


def test_on_demand_needs_minimum_balance_and_is_not_prepaid(
    app: Flask, client: FlaskClient, buyer: Customer, make_quote: Callable[..., str],
    give: Callable[[Customer, str], None], default_store: Any,
) -> None:
    from storefront.billing.remittance import billing_settings

    with app.app_context():
        billing_settings(default_store.id).min_balance_on_demand = Decimal("50.00")
        db.session.commit()
    headers = token(client, buyer)
    give(buyer, "20.00")
    resp = order(client, headers, make_quote(buyer, mode="on_demand"))
    assert resp.status_code == 402
    give(buyer, "30.00")
    resp = order(client, headers, make_quote(buyer, mode="on_demand"))
    assert resp.status_code == 201, resp.get_json()
    drain(app)
    with app.app_context():
        assert services.balance(buyer) == Decimal("50.00")  # nothing charged up front
        found = db.session.get(Order, resp.get_json()["id"])
        assert found is not None and found.status == OrderStatus.ACTIVE
        res = db.session.scalars(select(Resource)).all()
        assert len(res) == 1 and res[0].hourly_price == Decimal("0.38")


def test_api_client_orders_the_quote_it_made_through_the_api(
    app: Flask, client: FlaskClient, make_buyer: Callable[..., Customer],
    give: Callable[[Customer, str], None],
) -> None:
    """The whole purchase through the API alone: token, quote with the token, order it."""
    buyer, other = make_buyer(), make_buyer()
    headers = token(client, buyer)
    made = client.post("/api/v1/quotes", headers=headers, json={
        "region": "cn-north-4", "billing_mode": "monthly", "period": 1, "items": [EVS]})
    assert made.status_code == 201, made.get_json()
    quote = made.get_json()
    give(buyer, quote["total"])
    # another customer's token neither reads nor orders it
    other_headers = token(client, other)
    assert client.get(f"/api/v1/quotes/{quote['id']}", headers=other_headers).status_code == 404
    refused = order(client, other_headers, quote["id"], key="other")
    assert refused.status_code == 404, refused.get_json()
    # an anonymous quote (no token) is not the customer's either
    anon = client.post("/api/v1/quotes", json={
        "region": "cn-north-4", "billing_mode": "monthly", "period": 1, "items": [EVS]})
    assert order(client, headers, anon.get_json()["id"], key="anon").status_code == 404
    resp = order(client, headers, quote["id"], key="mine")
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["total"] == quote["total"]
    with app.app_context():
        assert services.balance(buyer) == Decimal("0.00")


def test_cursor_and_limit_that_are_not_plain_ascii_digits_are_a_422(
    client: FlaskClient, make_customer: Callable[..., Customer]
) -> None:
    from tests.builders import PASSWORD as BUILDERS_PASSWORD

    customer = make_customer()
    resp = client.post(
        "/api/v1/auth/token", json={"email": customer.email, "password": BUILDERS_PASSWORD}
    )
    headers = {"Authorization": f"Bearer {resp.get_json()['token']}"}
    # '²' and '١٢' pass str.isdigit(); int() refuses '²' and any 5,000-digit string.
    for query in ("cursor=%C2%B2", "limit=%C2%B2", "limit=" + "9" * 5000, "cursor=%D9%A1%D9%A2"):
        for url in ("/api/v1/orders", "/api/v1/resources"):
            answer = client.get(f"{url}?{query}", headers=headers)
            assert answer.status_code == 422, (url, query, answer.status_code)
            assert answer.get_json()["error"]["code"] == "invalid_input"
