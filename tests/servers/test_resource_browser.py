"""Browser: a server bought with an image, a key pair, a system disk, a data disk and an EIP
shows its addresses, disks and expiry on its page; stopped in the sandbox console, the page
(without a reload) and the list say "Stopped"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from storefront.accounts.models import Customer
from tests.accounts.helpers import PASSWORD
from tests.browser import sign_in

REGION = "cn-north-4"
UBUNTU = f"sandbox-{REGION}-ubuntu-22.04"


def login(page: Any, url: str, customer: Customer) -> None:
    sign_in(page, url, customer.email, PASSWORD)


def test_resource_page_shows_ips_and_follows_a_stop_in_the_console(
    app: Flask,
    live_server: Any,
    new_page: Any,
    shot: Any,
    linked: Customer,
    buy: Callable[..., Any],
    console: Callable[[Customer, str], None],
) -> None:
    items = [
        {
            "product": "ecs",
            "spec": "s6.large.2.linux",
            "quantity": 1,
            "image": UBUNTU,
            "system_disk": {"type": "SSD", "size_gb": 50},
        },
        {"product": "evs", "spec": "SSD", "quantity": 1, "size_gb": 100},
        {"product": "eip", "spec": "5_bgp", "quantity": 1, "bandwidth_mbit": 5},
    ]
    server = buy(linked, items, {"key_pair": "laptop"})
    # the page asks again every second (STOREFRONT_SERVER_PAGE_POLL_SECONDS; the default is 5)
    app.config["SERVER_STATE_CACHE_SECONDS"] = 1
    app.config["SERVER_PAGE_POLL_SECONDS"] = 1
    page = new_page(locale="en-US")
    login(page, live_server.url, linked)
    page.goto(live_server.url + "/resources")
    row = page.locator(f'#resources tr[data-resource="{server["id"]}"]')
    ip = row.locator(".resource-ip").inner_text()
    assert ip.count(".") == 3, ip  # the server's public address
    row.get_by_role("link", name=server["name"]).click()
    page.wait_for_url(f"**/resources/{server['id']}")
    status = page.locator("#resource-status")
    assert status.get_attribute("data-status") == "active"
    assert page.locator("#public-ips").inner_text() == ip
    assert page.locator("#private-ips").inner_text().count(".") == 3
    assert page.locator("#bandwidth").inner_text() == "5 Mbit/s"
    expect(page.locator("#disks tbody tr")).to_have_count(2)
    assert "System disk" in page.locator("#disks").inner_text()
    assert page.locator("#resource-key-pair").inner_text() == "laptop"
    assert "days left" in page.locator("#resource-expires").inner_text()
    assert page.locator("#resource-image").inner_text() not in ("", "—")
    assert "ACTIVE" in page.locator("#provider-status").inner_text()
    shot(page, "resource-active")

    console(linked, f"ecs/{REGION}/{server['provider_resource_id']}/stop")
    page.locator('#resource-status[data-status="stopped"]').wait_for(timeout=30_000)
    assert page.locator("#resource-status").inner_text() == "Stopped"
    assert "SHUTOFF" in page.locator("#provider-status").inner_text()
    shot(page, "resource-stopped")

    # a press on the order link held while the page redraws its live part is still a click
    order_link = page.locator("#resource-order")
    order_link.scroll_into_view_if_needed()
    box = order_link.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    with page.expect_response(lambda answer: answer.url.endswith("/live")):
        page.mouse.down()  # held until the page has asked for news (1 s) ...
    page.wait_for_timeout(200)  # ... and put the answer in place
    page.mouse.up()
    page.wait_for_url("**/orders/*")
    page.goto(live_server.url + "/resources")
    assert row.locator("[data-status]").get_attribute("data-status") == "stopped"
