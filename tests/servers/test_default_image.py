"""The store's image settings (#17): the owner sets a default image per region and OS and hides
images on ``/staff/server-images``; an API order that names no image boots the default, and a
hidden image is no longer offered. Support staff may not change them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask

from storefront.accounts.models import Customer, Staff, StaffRole
from tests.servers.conftest import PUBLIC_KEY
from tests.shop import drain, token

REGION = "cn-north-4"
EULER = f"sandbox-{REGION}-euleros-2.0"
UBUNTU = f"sandbox-{REGION}-ubuntu-22.04"


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_the_owners_default_image_boots_an_order_without_one_and_hidden_images_go(
    app: Flask,
    client: Any,
    linked: Customer,
    catalog: Any,
    owner: Staff,
    make_staff: Callable[..., Staff],
    login: Callable[..., Any],
    give: Callable[[Customer, str], None],
) -> None:
    staff = login(owner)
    page = staff.get("/staff/server-images")
    assert page.status_code == 200
    form = {
        "csrf_token": _csrf(page.get_data(as_text=True)),
        f"default-{REGION}-Linux": EULER,
        "hidden": UBUNTU,
    }
    saved = staff.post("/staff/server-images", data=form)
    assert saved.status_code == 302
    page = staff.get("/staff/server-images").get_data(as_text=True)
    assert f'value="{EULER}"' in page and UBUNTU in page
    bad = staff.post("/staff/server-images", data={**form, "hidden": "not an id!"})
    assert bad.status_code == 422

    support = login(make_staff(role=StaffRole.SUPPORT))
    assert support.get("/staff/server-images").status_code == 403

    headers = token(client, linked)
    images = client.get(f"/api/v1/images?region={REGION}", headers=headers).get_json()["items"]
    assert UBUNTU not in {i["id"] for i in images} and EULER in {i["id"] for i in images}

    give(linked, "100000.00")
    client.post(
        "/api/v1/key-pairs", json={"name": "laptop", "public_key": PUBLIC_KEY}, headers=headers
    )
    hidden = {"product": "ecs", "spec": "s6.large.2.linux", "quantity": 1, "image": UBUNTU}
    body = {"region": REGION, "billing_mode": "monthly", "period": 1, "items": [hidden]}
    quote = client.post("/api/v1/quotes", json=body, headers=headers).get_json()["id"]
    refused = client.post(
        "/api/v1/orders",
        json={"quote_id": quote, "server": {"key_pair": "laptop"}},
        headers=headers,
    )
    assert refused.status_code == 422
    assert "items.0.image" in refused.get_json()["error"]["fields"]
    item = {"product": "ecs", "spec": "s6.large.2.linux", "quantity": 1}  # no image
    body = {"region": REGION, "billing_mode": "monthly", "period": 1, "items": [item]}
    quote = client.post("/api/v1/quotes", json=body, headers=headers).get_json()["id"]
    order = {"quote_id": quote, "server": {"key_pair": "laptop"}}
    assert client.post("/api/v1/orders", json=order, headers=headers).status_code == 201
    drain(app)
    listed = client.get("/api/v1/resources", headers=headers).get_json()["items"]
    server = next(r for r in listed if r["product"] == "ecs")
    detail = client.get(f"/api/v1/resources/{server['id']}", headers=headers).get_json()
    assert detail["image"]["id"] == EULER
