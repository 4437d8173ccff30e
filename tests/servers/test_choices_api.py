"""``/api/v1/images``, ``/availability-zones`` and ``/key-pairs``: what a server is bought with,
asked of the sandbox over HTTP in the customer's own project."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from storefront.accounts.models import Customer
from tests.accounts.helpers import PASSWORD
from tests.shop import token

REGION = "cn-north-4"
PUBLIC_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    " someone@example"
)


def test_images_for_a_linux_spec_are_linux_images_its_flavour_boots(
    client: Any, headers: dict[str, str]
) -> None:
    every = client.get(f"/api/v1/images?region={REGION}", headers=headers)
    assert every.status_code == 200, every.get_json()
    all_items = every.get_json()["items"]
    assert {i["os_type"] for i in all_items} == {"Linux", "Windows"}
    linux = client.get(
        f"/api/v1/images?region={REGION}&spec=s6.large.2.linux", headers=headers
    ).get_json()["items"]
    assert linux and {i["os_type"] for i in linux} == {"Linux"}
    ubuntu = next(i for i in linux if i["id"] == f"sandbox-{REGION}-ubuntu-22.04")
    assert set(ubuntu) == {"id", "name", "os_type", "version", "min_disk_gb"}
    assert ubuntu["min_disk_gb"] == 40 and ubuntu["version"]


def test_images_refuse_an_unknown_region_or_spec(client: Any, headers: dict[str, str]) -> None:
    bad_region = client.get("/api/v1/images?region=mars-1", headers=headers)
    assert bad_region.status_code == 422
    assert "region" in bad_region.get_json()["error"]["fields"]
    bad_spec = client.get(f"/api/v1/images?region={REGION}&spec=nope", headers=headers)
    assert bad_spec.status_code == 422
    assert "spec" in bad_spec.get_json()["error"]["fields"]
    assert client.get(f"/api/v1/images?region={REGION}").status_code == 401


def test_zones_leave_out_those_where_a_flavour_is_sold_out(
    client: Any, headers: dict[str, str]
) -> None:
    zones = client.get(f"/api/v1/availability-zones?region={REGION}", headers=headers)
    assert zones.status_code == 200
    codes = [z["code"] for z in zones.get_json()["items"]]
    assert codes == [f"{REGION}a", f"{REGION}b", f"{REGION}c"]
    assert all(z["name"] for z in zones.get_json()["items"])
    big = client.get(
        f"/api/v1/availability-zones?region={REGION}&spec=m6.2xlarge.8.linux", headers=headers
    )
    assert big.status_code == 200, big.get_json()
    assert [z["code"] for z in big.get_json()["items"]] == [f"{REGION}a", f"{REGION}b"]


def test_key_pairs_generated_key_shown_once_imported_listed_deleted(
    client: Any, headers: dict[str, str]
) -> None:
    made = client.post("/api/v1/key-pairs", json={"name": "laptop"}, headers=headers)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert body["fingerprint"] and body["name"] == "laptop"
    assert made.headers["Cache-Control"] == "no-store"
    imported = client.post(
        "/api/v1/key-pairs", json={"name": "desk", "public_key": PUBLIC_KEY}, headers=headers
    )
    assert imported.status_code == 201 and "private_key" not in imported.get_json()
    listed = client.get("/api/v1/key-pairs", headers=headers).get_json()["items"]
    assert [k["name"] for k in listed] == ["desk", "laptop"]
    assert all("private_key" not in k for k in listed)
    again = client.post(
        "/api/v1/key-pairs", json={"name": "desk", "public_key": PUBLIC_KEY}, headers=headers
    )
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "key_pair_exists"
    assert client.delete("/api/v1/key-pairs/desk", headers=headers).status_code == 204
    gone = client.delete("/api/v1/key-pairs/desk", headers=headers)
    assert gone.status_code == 404 and gone.get_json()["error"]["code"] == "not_found"
    listed = client.get("/api/v1/key-pairs", headers=headers).get_json()["items"]
    assert [k["name"] for k in listed] == ["laptop"]


def test_bad_key_pairs_are_422_with_the_field(client: Any, headers: dict[str, str]) -> None:
    cases = [
        ({"name": "no spaces"}, "name"),
        ({}, "name"),
        ({"name": "k", "public_key": 5}, "public_key"),
        ({"name": "k", "public_key": "ssh-rsa not-a-key"}, "public_key"),
    ]
    for body, field in cases:
        answer = client.post("/api/v1/key-pairs", json=body, headers=headers)
        assert answer.status_code == 422, (body, answer.get_json())
        assert field in answer.get_json()["error"]["fields"], body
    assert client.post("/api/v1/key-pairs", json=["x"], headers=headers).status_code == 422


def test_a_customer_not_linked_yet_is_told_so(
    client: Any, make_customer: Callable[..., Customer], catalog: Any
) -> None:
    loose = make_customer(password=PASSWORD)
    answer = client.get(f"/api/v1/key-pairs?region={REGION}", headers=token(client, loose))
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "provider_link_missing"


def test_provider_down_is_a_503_with_the_error_body(
    make_app: Callable[..., Flask], app: Flask, linked: Customer, catalog: Any
) -> None:
    down = make_app(
        STOREFRONT_SANDBOX_URL="http://127.0.0.1:9",
        STOREFRONT_CLOUD_RETRIES="0",
        STOREFRONT_CLOUD_TIMEOUT_S="1",
    )
    client = down.test_client()
    headers = token(client, linked)
    paths = (f"/api/v1/images?region={REGION}", "/api/v1/key-pairs", "/api/v1/availability-zones")
    for path in paths:
        answer = client.get(path, headers=headers)
        assert answer.status_code == 503, (path, answer.get_json())
        error = answer.get_json()["error"]
        assert error["code"] == "upstream_unavailable" and error["message"]
