"""Browser: generate a key pair on /key-pairs (its private key shown once), pick it at checkout
for a server, and find it on the server's page; a weak password at checkout is refused
without being shown again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from storefront.accounts.models import Customer
from tests.servers.test_resource_browser import login
from tests.shop import drain, token

REGION = "cn-north-4"
UBUNTU = f"sandbox-{REGION}-ubuntu-22.04"


def _quote(client: Any, customer: Customer) -> str:
    item = {"product": "ecs", "spec": "s6.large.2.linux", "quantity": 1, "image": UBUNTU}
    body = {"region": REGION, "billing_mode": "monthly", "period": 1, "items": [item]}
    quoted = client.post("/api/v1/quotes", json=body, headers=token(client, customer))
    assert quoted.status_code == 201, quoted.get_json()
    return str(quoted.get_json()["id"])


def test_a_generated_key_pair_is_chosen_at_checkout(
    app: Flask,
    client: Any,
    live_server: Any,
    new_page: Any,
    shot: Any,
    linked: Customer,
    catalog: Any,
    give: Callable[[Customer, str], None],
) -> None:
    give(linked, "100000.00")
    page = new_page(locale="en-US")
    login(page, live_server.url, linked)
    page.goto(f"{live_server.url}/key-pairs?region={REGION}")
    page.locator("#name").fill("laptop")
    page.get_by_role("button", name="Add").click()
    key = page.locator("#private-key textarea").input_value()
    assert key.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert page.locator("#download-key").get_attribute("download") == "laptop.pem"
    shot(page, "key-pair-generated")
    page.goto(f"{live_server.url}/key-pairs?region={REGION}")
    expect(page.locator("#private-key")).to_have_count(0)  # shown that once only
    expect(page.locator('#key-pairs tr[data-key-pair="laptop"]')).to_have_count(1)

    quote_id = _quote(client, linked)
    page.goto(f"{live_server.url}/checkout/{quote_id}")
    page.locator("#login-password").check()
    page.locator("#server_password").fill("weakpassword")
    page.locator("#pay").click()
    error = page.locator("#checkout-error").inner_text()
    assert "password" in error and "weakpassword" not in page.content()
    page.locator("#server_name").fill("web-laptop")
    page.locator("#login-key").check()
    page.locator("#server_key_pair").select_option("laptop")
    shot(page, "checkout-login")
    page.locator("#pay").click()
    page.wait_for_url("**/orders/*")
    assert drain(app) >= 1
    page.goto(live_server.url + "/resources")
    page.get_by_role("link", name="web-laptop").click()
    assert page.locator("#resource-key-pair").inner_text() == "laptop"
    assert page.locator("#resource-image").inner_text() != "—"
