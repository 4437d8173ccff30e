"""A basket with several servers (#17): the servers are named ``-1``, ``-2``; the quote's data
disks and EIPs are shared out as the quote page says (disk j and EIP j to server j, extra disks
dealt out again from server 1, extra EIPs unbound)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from storefront.accounts.models import Customer
from tests.servers.conftest import PUBLIC_KEY
from tests.shop import drain, token

REGION = "cn-north-4"
UBUNTU = f"sandbox-{REGION}-ubuntu-22.04"


def test_disks_and_eips_are_shared_out_among_the_servers_named_1_and_2(
    app: Flask,
    client: Any,
    linked: Customer,
    catalog: Any,
    give: Callable[[Customer, str], None],
) -> None:
    headers = token(client, linked)
    give(linked, "100000.00")
    client.post(
        "/api/v1/key-pairs", json={"name": "laptop", "public_key": PUBLIC_KEY}, headers=headers
    )
    items = [
        {
            "product": "ecs",
            "spec": "s6.large.2.linux",
            "quantity": 2,
            "image": UBUNTU,
            "availability_zone": f"{REGION}a",
        },
        {"product": "evs", "spec": "SSD", "quantity": 3, "size_gb": 20},
        {"product": "eip", "spec": "5_bgp", "quantity": 3, "bandwidth_mbit": 2},
    ]
    body = {"region": REGION, "billing_mode": "monthly", "period": 1, "items": items}
    quoted = client.post("/api/v1/quotes", json=body, headers=headers)
    assert quoted.status_code == 201, quoted.get_json()
    quote_id = quoted.get_json()["id"]
    visitor = app.test_client()  # the same basket priced by a visitor: the quote page's rule
    seen = visitor.post("/api/v1/quotes", json=body).get_json()["id"]
    page = visitor.get(f"/quotes/{seen}").get_data(as_text=True)
    assert 'id="share-rule"' in page and "dealt out again from server 1" in page

    order = {"quote_id": quote_id, "server": {"name": "node", "key_pair": "laptop"}}
    ordered = client.post("/api/v1/orders", json=order, headers=headers)
    assert ordered.status_code == 201, ordered.get_json()
    drain(app)
    listed = client.get("/api/v1/resources", headers=headers).get_json()["items"]
    servers = sorted((r for r in listed if r["product"] == "ecs"), key=lambda r: r["name"])
    assert [s["name"] for s in servers] == ["node-1", "node-2"]
    details = [
        client.get(f"/api/v1/resources/{s['id']}", headers=headers).get_json() for s in servers
    ]
    data_disks = [len([d for d in s["disks"] if not d.get("boot")]) for s in details]
    assert sorted(data_disks) == [1, 2]  # three disks over two servers
    assert all(len(s["public_ips"]) == 1 for s in details)  # one EIP each
    eips = [r for r in listed if r["product"] == "eip"]
    bound = [client.get(f"/api/v1/resources/{e['id']}", headers=headers).get_json() for e in eips]
    assert sum(1 for e in bound if e["private_ips"]) == 2  # the third stays unbound
