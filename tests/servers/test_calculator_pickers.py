"""The calculator's server fields (#17), as a signed-in customer with a linked cloud account
sees them: images by flavour and OS (a Windows flavour lists Windows images only, priced as
Windows), zones where the flavour is sold out left out; a visitor is asked to sign in."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from storefront.accounts.models import Customer
from tests.accounts.helpers import PASSWORD

REGION = "cn-north-4"


def _signed_in(app: Flask, customer: Customer) -> Any:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert csrf is not None
    answer = client.post(
        "/login",
        data={"email": customer.email, "password": PASSWORD, "csrf_token": csrf.group(1)},
    )
    assert answer.status_code == 302
    return client


def _fields(client: Any, spec: str) -> str:
    answer = client.get(f"/calculator/server?region={REGION}&ecs_spec={spec}")
    assert answer.status_code == 200
    assert answer.headers["HX-Trigger-After-Settle"] == "server-parts"
    return str(answer.get_data(as_text=True))


def test_images_follow_the_flavours_os_and_sold_out_zones_are_left_out(
    app: Flask, client: Any, linked: Customer, catalog: Any
) -> None:
    visitor = _fields(client, "s6.large.2.linux")
    assert 'id="server-sign-in"' in visitor and 'id="ecs_image"' not in visitor
    assert 'id="ecs_disk_type"' in visitor  # the disk is priced for everyone

    customer = _signed_in(app, linked)
    linux = _fields(customer, "s6.large.2.linux")
    linux_images = re.findall(r'<option value="(sandbox-[^"]+)"', linux)
    assert f"sandbox-{REGION}-ubuntu-22.04" in linux_images
    assert not any("windows" in o for o in linux_images)
    windows = _fields(customer, "s6.large.2.win")
    options = re.findall(r'<option value="(sandbox-[^"]+)"', windows)
    assert options and all("windows" in o for o in options)

    sold_out = _fields(customer, "m6.2xlarge.8.linux")
    zones = re.findall(r'<option value="(cn-north-4[a-z])"', sold_out)
    assert zones == [f"{REGION}a", f"{REGION}b"]  # zone c: sold out
