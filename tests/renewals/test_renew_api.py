"""Renewing through the API: the price before paying (the provider's renewal price through
the store's rules), the wallet debited once, the renewal carried out at the provider and the
new expiry shown; the refusals (402, 409, 422)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import Flask

from storefront.billing.models import Order, OrderKind, OrderStatus
from storefront.extensions import cloud_provider, db
from tests.renewals.conftest import Owned, balance, drain, ledger_ok


def _provider_expiry(app: Flask, owned: Owned) -> datetime:
    with app.app_context():
        [found] = [
            r
            for r in cloud_provider().list_prepaid_resources(
                customer_id=owned.customer.provider_customer_id or "",
                resource_ids=[owned.resource["provider_resource_id"]],
            )
            if r.resource_id == owned.resource["provider_resource_id"]
        ]
        assert found.expires_at is not None
        return found.expires_at


def test_renew_shows_the_price_then_pays_once_and_moves_the_expiry(
    app: Flask, client: Any, owned: Owned
) -> None:
    before = _provider_expiry(app, owned)
    url = f"/api/v1/resources/{owned.id}"
    priced = client.get(f"{url}/renewal-price?period_type=month&period=2", headers=owned.headers)
    assert priced.status_code == 200, priced.get_json()
    price = priced.get_json()
    assert Decimal(price["amount"]) > 0 and price["currency"]
    assert price["expires_at"] is not None
    wallet = balance(app, owned.customer)
    headers = {**owned.headers, "Idempotency-Key": "renew-1"}
    body = {"period_type": "month", "period": 2}
    first = client.post(f"{url}/renew", json=body, headers=headers)
    assert first.status_code == 201, first.get_json()
    again = client.post(f"{url}/renew", json=body, headers=headers)
    assert again.get_json()["order_id"] == first.get_json()["order_id"]
    assert first.get_json()["total"] == price["amount"]
    assert balance(app, owned.customer) == wallet - Decimal(price["amount"])
    drain(app)
    after = _provider_expiry(app, owned)
    assert after.month != before.month and after > before
    shown = client.get(url, headers=owned.headers).get_json()
    assert shown["expires_at"] == after.isoformat() == price["expires_at"]
    with app.app_context():
        order = db.session.get(Order, first.get_json()["order_id"])
        assert order is not None
        assert order.kind is OrderKind.RENEWAL and order.status is OrderStatus.ACTIVE
    ledger_ok(app)


def test_too_little_money_is_402_and_nothing_changes(
    app: Flask, client: Any, owned: Owned, give: Any
) -> None:
    give(owned.customer, f"-{balance(app, owned.customer)}")
    url = f"/api/v1/resources/{owned.id}/renew"
    resp = client.post(url, json={"period_type": "year", "period": 1}, headers=owned.headers)
    assert resp.status_code == 402, resp.get_json()
    assert resp.get_json()["error"]["code"] == "insufficient_balance"
    ledger_ok(app)


def test_refusals(app: Flask, client: Any, owned: Owned, make_resource: Any) -> None:
    url = f"/api/v1/resources/{owned.id}"
    bad = client.post(f"{url}/renew", json={"period_type": "month", "period": 10},
                      headers=owned.headers)  # fmt: skip
    assert bad.status_code == 422 and bad.get_json()["error"]["fields"] == {"period": "invalid"}
    hourly = make_resource(owned.customer, billing_mode="on_demand")
    resp = client.post(f"/api/v1/resources/{hourly.id}/renew",
                       json={"period_type": "month", "period": 1}, headers=owned.headers)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "not_renewable"
    missing = client.get("/api/v1/resources/999999/renewal-price", headers=owned.headers)
    assert missing.status_code == 404


def test_resources_list_expiry_days_left_and_auto_renew(
    app: Flask, client: Any, owned: Owned
) -> None:
    url = f"/api/v1/resources/{owned.id}/auto-renew"
    on = client.put(url, json={"enabled": True, "period_type": "year", "period": 1},
                    headers=owned.headers)  # fmt: skip
    assert on.status_code == 200, on.get_json()
    assert on.get_json() == {"auto_renew": {"enabled": True, "period_type": "year", "period": 1}}
    [row] = client.get("/api/v1/resources", headers=owned.headers).get_json()["items"]
    assert row["auto_renew"]["enabled"] is True
    assert "days_left" in row and "expires_at" in row
    bad = client.put(url, json={"enabled": "yes"}, headers=owned.headers)
    assert bad.status_code == 422
