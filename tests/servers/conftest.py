"""Servers fixtures: a linked, verified customer of the default store with the sandbox's
catalogue, its bearer token headers, buying through the API and the worker, and the sandbox
console's buttons pressed as that customer."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import requests
from flask import Flask

from storefront.accounts.models import Customer
from storefront.extensions import cloud_provider
from tests.shop import drain, token

__all__ = ["drain", "token"]

REGION = "cn-north-4"


@pytest.fixture
def headers(client: Any, linked: Any, catalog: Any) -> dict[str, str]:
    return token(client, linked)


PUBLIC_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    " someone@example"
)


@pytest.fixture
def buy(
    app: Flask, client: Any, catalog: Any, give: Callable[[Customer, str], None]
) -> Callable[..., dict[str, Any]]:
    """``buy(customer, items, server)``: import the key pair "laptop", quote ``items`` and
    order them with ``server`` through the API, run the worker; the server resource's JSON."""

    def factory(customer: Customer, items: list[dict[str, Any]], server: dict[str, Any]) -> Any:
        headers = token(client, customer)
        give(customer, "100000.00")
        client.post(
            "/api/v1/key-pairs", json={"name": "laptop", "public_key": PUBLIC_KEY}, headers=headers
        )
        body = {"region": REGION, "billing_mode": "monthly", "period": 1, "items": items}
        quoted = client.post("/api/v1/quotes", json=body, headers=headers)
        assert quoted.status_code == 201, quoted.get_json()
        order = {"quote_id": quoted.get_json()["id"], "server": server}
        ordered = client.post("/api/v1/orders", json=order, headers=headers)
        assert ordered.status_code == 201, ordered.get_json()
        drain(app)
        listed = client.get("/api/v1/resources", headers=headers).get_json()["items"]
        return next(r for r in listed if r["product"] == "ecs")

    return factory


@pytest.fixture
def console(app: Flask, sandbox: Any) -> Callable[[Customer, str], None]:
    """``console(customer, "ecs/<region>/<id>/stop")``: sign in to the sandbox console as the
    customer (an IAM login token) on the resource's page and press the button."""

    def press(customer: Customer, action: str) -> None:
        page = f"{sandbox.url}/console/{action.rsplit('/', 1)[0]}"
        assert customer.provider_customer_id
        with app.app_context():
            login = cloud_provider().console_federation_url(
                customer_id=customer.provider_customer_id,
                session_user="tester",
                service=page,
                idp_login_url="https://store.example/login",
            )
        browser = requests.Session()
        browser.trust_env = False
        landed = browser.get(login, timeout=10)
        assert landed.url == page, landed.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', landed.text)
        assert csrf is not None
        answer = browser.post(
            f"{sandbox.url}/console/{action}", data={"csrf": csrf.group(1)}, timeout=10
        )
        assert answer.status_code == 200, answer.text

    return press
