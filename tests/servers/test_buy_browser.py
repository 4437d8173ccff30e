"""Issue #17's "done when", in the browser: choose a server's image, zone and system disk on the
calculator (priced by the same quote engine as the API), a data disk and an EIP, buy the quote
with a key pair, see the server's addresses, disks and expiry on its page, stop it in the
sandbox console and see "Stopped" in the storefront."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from storefront.accounts.models import Customer
from tests.servers.conftest import PUBLIC_KEY
from tests.servers.test_resource_browser import login
from tests.shop import drain, token

REGION = "cn-north-4"
UBUNTU = f"sandbox-{REGION}-ubuntu-22.04"
WINDOWS = f"sandbox-{REGION}-windows-2019-dc"


def _api_total(client: Any, customer: Customer) -> str:
    """The same basket quoted through the API: its total."""
    items = [
        {
            "product": "ecs",
            "spec": "s6.large.2.linux",
            "quantity": 1,
            "image": UBUNTU,
            "availability_zone": f"{REGION}b",
            "system_disk": {"type": "SSD", "size_gb": 50},
        },
        {"product": "evs", "spec": "SSD", "quantity": 1, "size_gb": 100},
        {"product": "eip", "spec": "5_bgp", "quantity": 1, "bandwidth_mbit": 5},
    ]
    body = {"region": REGION, "billing_mode": "monthly", "period": 1, "items": items}
    quoted = client.post("/api/v1/quotes", json=body, headers=token(client, customer))
    assert quoted.status_code == 201, quoted.get_json()
    return str(quoted.get_json()["total"])


def settled(page: Any) -> None:
    """htmx has swapped in what it asked for."""
    busy = page.locator(".htmx-request, .htmx-settling, .htmx-swapping")
    for _ in range(100):
        if busy.count() == 0:
            return
        page.wait_for_timeout(50)
    raise AssertionError("htmx did not settle")


def _choose_server(page: Any) -> None:
    with page.expect_response(lambda answer: "/calculator/server" in answer.url):
        page.locator("#ecs_spec").select_option("s6.large.2.linux")
    settled(page)
    image = page.locator("#ecs_image")
    image.locator(f'option[value="{UBUNTU}"]').wait_for(state="attached")
    # a Linux flavour lists Linux images only (Windows is priced as Windows)
    expect(image.locator(f'option[value="{WINDOWS}"]')).to_have_count(0)
    image.select_option(UBUNTU)
    page.locator("#ecs_zone").select_option(f"{REGION}b")
    page.locator("#ecs_disk_type").select_option("SSD")
    page.locator("#ecs_disk_size").fill("50")
    page.locator("#evs_spec").select_option("SSD")
    page.locator("#evs_size").fill("100")
    page.locator("#eip_spec").select_option("5_bgp")
    page.locator("#eip_bandwidth").fill("5")


def test_a_server_bought_in_the_browser_shows_its_state_and_follows_a_stop(
    app: Flask,
    client: Any,
    live_server: Any,
    new_page: Any,
    shot: Any,
    linked: Customer,
    catalog: Any,
    give: Callable[[Customer, str], None],
    console: Callable[[Customer, str], None],
) -> None:
    give(linked, "100000.00")
    page = new_page(locale="en-US")
    page.set_default_timeout(30_000)  # pages that ask the provider, on a shared machine
    login(page, live_server.url, linked)
    page.goto(f"{live_server.url}/key-pairs?region={REGION}")
    page.locator("#name").fill("laptop")
    page.locator("#public_key").fill(PUBLIC_KEY)
    page.get_by_role("button", name="Add").click()
    page.locator('#key-pairs tr[data-key-pair="laptop"]').wait_for()

    page.goto(f"{live_server.url}/calculator?region={REGION}")
    _choose_server(page)
    # a system disk smaller than the image's minimum is refused in place of the prices
    page.locator("#ecs_disk_size").fill("30")
    page.locator("#price-panel .alert").wait_for()
    assert "System disk" in page.locator("#price-panel").inner_text()
    page.locator("#ecs_disk_size").fill("50")
    expected = _api_total(client, linked)
    monthly = page.locator('#price-panel [data-price="monthly"]')
    monthly.wait_for()
    lines = page.locator("#price-panel tbody tr")
    expect(lines).to_have_count(4)  # server, data disk, EIP, system disk
    assert "50" in lines.nth(3).inner_text()
    # the calculator's price is the API's price for the same basket (one quote engine)
    assert monthly.inner_text().replace(",", "").endswith(expected)
    shot(page, "calculator-server")
    page.locator("#price-monthly button").click()
    page.wait_for_url("**/quotes/*")
    assert page.locator("#quote-total").inner_text().replace(",", "").endswith(expected)
    servers = page.locator("#quote-servers")
    assert servers.locator(".server-zone").inner_text() == f"{REGION}b"
    assert "Ubuntu" in servers.locator(".server-image").inner_text()
    assert "SSD, 50 GB" in servers.locator(".server-disk").inner_text()
    shot(page, "quote-server")

    page.get_by_role("link", name="Buy").click()
    page.wait_for_url("**/checkout/*")
    page.locator("#server_name").fill("web")
    page.locator("#login-key").check()
    page.locator("#server_key_pair").select_option("laptop")
    page.locator("#pay").click()
    page.wait_for_url("**/orders/*")
    assert drain(app) >= 1

    app.config["SERVER_STATE_CACHE_SECONDS"] = 1  # the page asks again every second
    app.config["SERVER_PAGE_POLL_SECONDS"] = 1
    page.goto(live_server.url + "/resources")
    page.get_by_role("link", name="web", exact=True).click()
    page.wait_for_url("**/resources/*")
    assert page.locator("#resource-status").get_attribute("data-status") == "active"
    assert page.locator("#public-ips").inner_text().count(".") == 3
    assert page.locator("#private-ips").inner_text().count(".") == 3
    assert page.locator("#bandwidth").inner_text() == "5 Mbit/s"
    disks = page.locator("#disks")
    expect(disks.locator("tbody tr")).to_have_count(2)
    assert "System disk" in disks.inner_text() and "50" in disks.inner_text()
    assert "100" in disks.inner_text()
    assert page.locator("#resource-key-pair").inner_text() == "laptop"
    assert "days left" in page.locator("#resource-expires").inner_text()
    assert "Ubuntu" in page.locator("#resource-image").inner_text()
    shot(page, "bought-in-browser")

    headers = token(client, linked)
    listed = client.get("/api/v1/resources", headers=headers).get_json()["items"]
    found = next(r for r in listed if r["product"] == "ecs")
    server = client.get(f"/api/v1/resources/{found['id']}", headers=headers).get_json()
    assert server["availability_zone"] == f"{REGION}b"
    assert f"{REGION}b" in page.locator("#resource-live").inner_text()
    console(linked, f"ecs/{REGION}/{server['provider_resource_id']}/stop")
    page.locator('#resource-status[data-status="stopped"]').wait_for(timeout=30_000)
    assert page.locator("#resource-status").inner_text() == "Stopped"
    shot(page, "bought-in-browser-stopped")
