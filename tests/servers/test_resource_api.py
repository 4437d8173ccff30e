"""``GET /api/v1/resources/<id>``: a bought server as it is at the provider now (status,
addresses, disks, image, zone, expiry), read over HTTP from the sandbox and kept for a while;
the last known state when the provider is down."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask

from storefront.accounts.models import Customer
from storefront.clock import utcnow
from tests.billing.test_checkout_page import login
from tests.shop import token

REGION = "cn-north-4"


def test_a_bought_server_shows_its_addresses_disks_image_and_expiry(
    app: Flask, client: Any, linked: Customer, bought: Callable[..., Any]
) -> None:
    [server] = bought(linked)
    headers = token(client, linked)
    answer = client.get(f"/api/v1/resources/{server['id']}", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["status"], body["provider_status"]) == ("active", "ACTIVE")
    assert body["product"] == "ecs" and body["spec"] == "s6.large.2.linux"
    assert body["availability_zone"].startswith(REGION)
    assert len(body["private_ips"]) == 1 and body["public_ips"] == []
    assert body["image"]["id"] and body["image"]["name"]
    assert body["disks"] == []  # bought without a system disk size: none is charged
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(days=27) < expires - utcnow() < timedelta(days=32)
    assert 27 <= body["days_left"] <= 31
    assert body["billing_mode"] == "monthly" and body["order_id"]
    assert body["live"] is True and body["auto_renew"]["enabled"] is False  # #18: an object
    listed = client.get("/api/v1/resources", headers=headers).get_json()["items"]
    assert [r["id"] for r in listed] == [server["id"]]


def test_stopped_in_the_console_shows_stopped_once_the_cache_ages(
    app: Flask,
    client: Any,
    linked: Customer,
    bought: Callable[..., Any],
    console: Callable[[Customer, str], None],
) -> None:
    [server] = bought(linked)
    headers = token(client, linked)
    path = f"/api/v1/resources/{server['id']}"
    assert client.get(path, headers=headers).get_json()["status"] == "active"
    console(linked, f"ecs/{REGION}/{server['provider_resource_id']}/stop")
    cached = client.get(path, headers=headers).get_json()
    assert cached["status"] == "active" and cached["live"] is True  # read < 30 s ago
    app.config["SERVER_STATE_CACHE_SECONDS"] = 0
    now = client.get(path, headers=headers).get_json()
    assert (now["status"], now["provider_status"]) == ("stopped", "SHUTOFF")
    listed = client.get("/api/v1/resources", headers=headers).get_json()["items"]
    assert listed[0]["status"] == "stopped"


def test_provider_down_shows_the_last_known_state_not_a_500(
    make_app: Callable[..., Flask],
    app: Flask,
    client: Any,
    linked: Customer,
    bought: Callable[..., Any],
) -> None:
    [server] = bought(linked)
    first = client.get(f"/api/v1/resources/{server['id']}", headers=token(client, linked))
    known_ip = first.get_json()["private_ips"]
    down = make_app(
        STOREFRONT_SANDBOX_URL="http://127.0.0.1:9",
        STOREFRONT_CLOUD_RETRIES="0",
        STOREFRONT_CLOUD_TIMEOUT_S="1",
        STOREFRONT_SERVER_STATE_CACHE_SECONDS="0",
    )
    other = down.test_client()
    answer = other.get(f"/api/v1/resources/{server['id']}", headers=token(other, linked))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["live"] is False and body["status"] == "active"
    assert body["private_ips"] == known_ip and body["checked_at"]


def test_someone_elses_resource_is_404(
    client: Any, linked: Customer, make_linked: Callable[..., Customer], bought: Any
) -> None:
    [server] = bought(linked)
    stranger = make_linked()
    answer = client.get(f"/api/v1/resources/{server['id']}", headers=token(client, stranger))
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/resources/999999", headers=token(client, linked)).status_code == 404


def test_the_resource_page_in_chinese_and_signed_out(
    client: Any, linked: Customer, bought: Callable[..., Any]
) -> None:
    [server] = bought(linked)
    assert client.get(f"/resources/{server['id']}").status_code == 302  # to the login page
    login(client, linked.email)
    page = client.get(f"/resources/{server['id']}", headers={"Accept-Language": "zh-CN"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "私有 IP" in html and ">运行中<" in html and "剩余" in html
    listed = client.get("/resources", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "IP 地址" in listed and f'href="/resources/{server["id"]}"' in listed


def test_the_resource_page_asks_again_at_the_cache_pace_but_not_more_often_than_the_floor(
    app: Flask, client: Any, linked: Customer, bought: Callable[..., Any]
) -> None:
    [server] = bought(linked)
    order_id = client.get(
        f"/api/v1/resources/{server['id']}", headers=token(client, linked)
    ).get_json()["order_id"]
    login(client, linked.email)
    path = f"/resources/{server['id']}"

    def trigger() -> str:
        page = client.get(path).get_data(as_text=True)
        return page.split('id="resource-live"', 1)[1].split('hx-trigger="', 1)[1].split('"')[0]

    assert trigger() == "every 30s"  # the cache's age (default 30 s)
    app.config["SERVER_STATE_CACHE_SECONDS"] = 2
    assert trigger() == "every 5s"  # STOREFRONT_SERVER_PAGE_POLL_SECONDS, default 5
    app.config["SERVER_PAGE_POLL_SECONDS"] = 1.5
    assert trigger() == "every 2s"
    app.config["SERVER_STATE_CACHE_SECONDS"] = 0
    assert trigger() == "every 1.5s"
    # the link to the order is drawn once, outside the part that redraws itself
    fragment = client.get(f"{path}/live").get_data(as_text=True)
    assert "/orders/" not in fragment
    assert f'href="/orders/{order_id}"' in client.get(path).get_data(as_text=True)
