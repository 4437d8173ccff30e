"""``POST /api/v1/admin/customers/<id>/funds`` with a real staff bearer token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from storefront.accounts.models import Customer, Staff
from storefront.billing import services
from tests.builders import PASSWORD


@pytest.fixture
def api(app: Flask) -> FlaskClient:
    return app.test_client()


def staff_token(api: FlaskClient, staff: Staff) -> str:
    tokens: dict[int, str] = api.__dict__.setdefault("_staff_tokens", {})
    key = staff.id
    if key not in tokens:
        resp = api.post(
            "/api/v1/admin/auth/token", json={"email": staff.email, "password": PASSWORD}
        )
        assert resp.status_code == 200, resp.get_json()
        tokens[key] = resp.get_json()["token"]
    return tokens[key]


def post(
    api: FlaskClient, staff: Staff | None, customer_id: int, body: Any, key: str | None = None
) -> Any:
    headers = {"Authorization": f"Bearer {staff_token(api, staff)}"} if staff else {}
    if key:
        headers["Idempotency-Key"] = key
    return api.post(f"/api/v1/admin/customers/{customer_id}/funds", json=body, headers=headers)


def test_fund_and_take_back(api: FlaskClient, customer: Customer, owner: Staff) -> None:
    ok = post(api, owner, customer.id, {"amount": "12.50", "note": "welcome"})
    assert ok.status_code == 200 and ok.json == {"balance": "12.50", "currency": "CNY"}
    back = post(api, owner, customer.id, {"amount": "-2.50", "note": "fix"})
    assert back.json == {"balance": "10.00", "currency": "CNY"}
    over = post(api, owner, customer.id, {"amount": "-10.01"})
    assert over.status_code == 409 and over.json["error"]["code"] == "insufficient_balance"


def test_idempotency_key(app: Flask, api: FlaskClient, customer: Customer, owner: Staff) -> None:
    first = post(api, owner, customer.id, {"amount": "5.00", "note": "n"}, key="abc")
    again = post(api, owner, customer.id, {"amount": "5.00", "note": "n"}, key="abc")
    assert first.status_code == again.status_code == 200 and first.json == again.json
    other = post(api, owner, customer.id, {"amount": "6.00", "note": "n"}, key="abc")
    assert other.status_code == 409 and other.json["error"]["code"] == "idempotency_conflict"
    with app.app_context():
        assert str(services.balance(customer)) == "5.00"


@pytest.mark.parametrize("amount", ["abc", "1.234", "0", "0.00", 1.5, None, True, "", "1e2"])
def test_bad_amounts_are_422(
    api: FlaskClient, customer: Customer, owner: Staff, amount: Any
) -> None:
    response = post(api, owner, customer.id, {"amount": amount})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_input"
    assert "amount" in response.json["error"]["fields"]


def test_bad_bodies(api: FlaskClient, customer: Customer, owner: Staff) -> None:
    assert post(api, owner, customer.id, {}).status_code == 422
    assert post(api, owner, customer.id, ["x"]).status_code == 422
    assert post(api, owner, customer.id, {"amount": "1", "note": 5}).status_code == 422
    assert post(api, owner, customer.id, {"amount": "1"}, key="k" * 256).status_code == 422


def test_auth_and_tenancy(
    api: FlaskClient,
    customer: Customer,
    owner: Staff,
    make_store: Callable[..., Any],
    make_customer: Callable[..., Customer],
) -> None:
    unauth = post(api, None, customer.id, {"amount": "1.00"})
    assert unauth.status_code == 401 and unauth.json["error"]["code"] == "unauthorized"
    elsewhere = make_customer(store=make_store())
    missing = post(api, owner, elsewhere.id, {"amount": "1.00"})
    assert missing.status_code == 404
    assert post(api, owner, 999999, {"amount": "1.00"}).status_code == 404


def test_customer_sees_funded_balance_in_me(
    api: FlaskClient, customer: Customer, owner: Staff
) -> None:
    assert post(api, owner, customer.id, {"amount": "42.10", "note": "gift"}).status_code == 200
    token = api.post(
        "/api/v1/auth/token", json={"email": customer.email, "password": PASSWORD}
    ).get_json()["token"]
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me["balance"] == "42.10" and me["currency"] == "CNY"
