"""A server joins one of the customer's own subnets (#17): listed by ``GET /api/v1/subnets``,
chosen with ``server.subnet``; no default VPC is made then. An unknown subnet is a 422."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from storefront.accounts.models import Customer
from storefront.extensions import cloud_provider
from tests.servers.conftest import PUBLIC_KEY
from tests.shop import drain, token

REGION = "cn-north-4"
UBUNTU = f"sandbox-{REGION}-ubuntu-22.04"


def _own_subnet(app: Flask, customer: Customer) -> str:
    """A VPC and subnet the customer made themselves (in the console, say)."""
    assert customer.provider_customer_id
    with app.app_context():
        provider = cloud_provider()
        session = provider.agency_session(customer_id=customer.provider_customer_id, region=REGION)
        return provider.ensure_network(session=session, marker="mine", name="office").subnet_id


def test_a_server_joins_the_customers_own_subnet(
    app: Flask,
    client: Any,
    linked: Customer,
    catalog: Any,
    give: Callable[[Customer, str], None],
) -> None:
    subnet = _own_subnet(app, linked)
    headers = token(client, linked)
    give(linked, "100000.00")
    listed = client.get(f"/api/v1/subnets?region={REGION}", headers=headers)
    assert listed.status_code == 200
    assert [(n["id"], n["name"]) for n in listed.get_json()["items"]] == [(subnet, "office")]
    client.post(
        "/api/v1/key-pairs", json={"name": "laptop", "public_key": PUBLIC_KEY}, headers=headers
    )
    item = {"product": "ecs", "spec": "s6.large.2.linux", "quantity": 1, "image": UBUNTU}
    body = {"region": REGION, "billing_mode": "monthly", "period": 1, "items": [item]}

    quote = client.post("/api/v1/quotes", json=body, headers=headers).get_json()["id"]
    wrong = {"quote_id": quote, "server": {"key_pair": "laptop", "subnet": "no-such-subnet"}}
    refused = client.post("/api/v1/orders", json=wrong, headers=headers)
    assert refused.status_code == 422
    assert "server.subnet" in refused.get_json()["error"]["fields"]

    order = {"quote_id": quote, "server": {"key_pair": "laptop", "subnet": subnet}}
    ordered = client.post("/api/v1/orders", json=order, headers=headers)
    assert ordered.status_code == 201, ordered.get_json()
    drain(app)
    resources = client.get("/api/v1/resources", headers=headers).get_json()["items"]
    server = next(r for r in resources if r["product"] == "ecs")
    assert server["status"] == "active"
    detail = client.get(f"/api/v1/resources/{server['id']}", headers=headers).get_json()
    assert detail["private_ips"]
    after = client.get(f"/api/v1/subnets?region={REGION}", headers=headers).get_json()["items"]
    assert [n["id"] for n in after] == [subnet]  # no default VPC and subnet made
