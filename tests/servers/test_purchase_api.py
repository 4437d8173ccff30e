"""Buying a server with its parts through the API (#17): image, zone and system disk on the
quote (the disk priced as its own line), a name and a password or key pair on the order; what
the resource shows afterwards; and the password in no table, job payload or log line."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import bindparam, text

from storefront.accounts.models import Customer
from storefront.extensions import db
from tests.shop import drain, token

REGION = "cn-north-4"
UBUNTU = f"sandbox-{REGION}-ubuntu-22.04"
PUBLIC_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    " someone@example"
)


def _server_item(**parts: Any) -> dict[str, Any]:
    return {"product": "ecs", "spec": "s6.large.2.linux", "quantity": 1, **parts}


def _quote(client: Any, headers: dict[str, str], *items: dict[str, Any]) -> Any:
    body = {"region": REGION, "billing_mode": "monthly", "period": 1, "items": list(items)}
    return client.post("/api/v1/quotes", json=body, headers=headers)


def _stored(app: Flask) -> bytes:
    """Everything the database holds: on SQLite its file and write-ahead log as bytes (deleted
    rows included); on PostgreSQL every row of every table, as text."""
    url = app.config["SETTINGS"].database_url
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    with app.app_context():
        rows = [
            str(row[0])
            for table in db.metadata.sorted_tables
            for row in db.session.execute(
                text(f'SELECT CAST(t AS text) FROM "{table.name}" t')  # noqa: S608 - our tables
            )
        ]
    assert rows, "the database holds the order's rows"
    return "\n".join(rows).encode()


def test_a_server_bought_with_image_zone_disk_and_password_which_is_kept_nowhere(
    app: Flask,
    client: Any,
    linked: Customer,
    catalog: Any,
    give: Callable[[Customer, str], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    headers = token(client, linked)
    give(linked, "100000.00")
    disk = {"type": "SSD", "size_gb": 50}
    quoted = _quote(
        client,
        headers,
        _server_item(image=UBUNTU, availability_zone=f"{REGION}b", system_disk=disk),
    )
    assert quoted.status_code == 201, quoted.get_json()
    lines = quoted.get_json()["lines"]
    assert [(line["product"], line["spec"]) for line in lines] == [
        ("ecs", "s6.large.2.linux"),
        ("evs", "SSD"),
    ]
    assert lines[1]["size_gb"] == 50 and lines[1]["amount"] != "0.00"  # the disk is paid for
    password = "Sf-" + uuid.uuid4().hex[:10] + "Q7!"
    ordered = client.post(
        "/api/v1/orders",
        json={
            "quote_id": quoted.get_json()["id"],
            "server": {"name": "web", "admin_password": password},
        },
        headers=headers,
    )
    assert ordered.status_code == 201, ordered.get_json()
    assert password not in ordered.get_data(as_text=True)
    # provisioned in the request that carried the password (no worker run): it never left it
    order = client.get(f"/api/v1/orders/{ordered.get_json()['id']}", headers=headers).get_json()
    assert order["status"] == "active", order
    [server] = client.get("/api/v1/resources", headers=headers).get_json()["items"]
    detail = client.get(f"/api/v1/resources/{server['id']}", headers=headers).get_json()
    assert detail["name"] == "web" and detail["image"]["id"] == UBUNTU
    assert detail["availability_zone"] == f"{REGION}b"
    [boot] = detail["disks"]
    assert (boot["boot"], boot["type"], boot["size_gb"]) == (True, "SSD", 50)
    assert detail["key_pair"] is None
    assert password.encode() not in _stored(app)
    assert password not in caplog.text


def test_what_the_order_refuses_before_it_takes_money(
    client: Any, linked: Customer, catalog: Any, give: Callable[[Customer, str], None]
) -> None:
    headers = token(client, linked)
    give(linked, "100000.00")
    made = client.post(
        "/api/v1/key-pairs", json={"name": "laptop", "public_key": PUBLIC_KEY}, headers=headers
    )
    assert made.status_code == 201
    windows = _quote(client, headers, _server_item(image=f"sandbox-{REGION}-windows-2019-dc"))
    small = _quote(
        client, headers, _server_item(image=UBUNTU, system_disk={"type": "SSD", "size_gb": 20})
    )
    plain = _quote(client, headers, _server_item())
    cases = [
        (windows, {}, "items.0.image"),
        (small, {}, "items.0.system_disk.size_gb"),
        (plain, {"key_pair": "nobody"}, "server.key_pair"),
        (plain, {"admin_password": "weakpassword"}, "server.admin_password"),
        (plain, {"admin_password": "Good-Passw0rd", "key_pair": "laptop"}, "server.admin_password"),
        (plain, {"name": "no spaces please"}, "server.name"),
    ]
    for quoted, server, field in cases:
        assert quoted.status_code == 201, quoted.get_json()
        body = {"quote_id": quoted.get_json()["id"], "server": server}
        answer = client.post("/api/v1/orders", json=body, headers=headers)
        assert answer.status_code == 422, (server, answer.get_json())
        assert field in answer.get_json()["error"]["fields"], (field, answer.get_json())
    assert "weakpassword" not in str(answer.get_json())
    bad = _quote(client, headers, _server_item(system_disk={"type": "FLOPPY", "size_gb": 0}))
    assert bad.status_code == 422
    assert {"items.0.system_disk.type", "items.0.system_disk.size_gb"} <= set(
        bad.get_json()["error"]["fields"]
    )
    assert client.get("/api/v1/orders", headers=headers).get_json()["items"] == []


def test_a_server_with_a_key_pair(
    app: Flask, client: Any, linked: Customer, catalog: Any, give: Callable[[Customer, str], None]
) -> None:
    headers = token(client, linked)
    give(linked, "100000.00")
    client.post(
        "/api/v1/key-pairs", json={"name": "laptop", "public_key": PUBLIC_KEY}, headers=headers
    )
    quoted = _quote(client, headers, _server_item(image=UBUNTU))
    body = {"quote_id": quoted.get_json()["id"], "server": {"key_pair": "laptop"}}
    assert client.post("/api/v1/orders", json=body, headers=headers).status_code == 201
    drain(app)
    [server] = client.get("/api/v1/resources", headers=headers).get_json()["items"]
    detail = client.get(f"/api/v1/resources/{server['id']}", headers=headers).get_json()
    assert detail["key_pair"] == "laptop" and detail["status"] == "active"


def test_the_disk_and_eip_of_a_one_server_order_are_attached_and_bound(
    app: Flask, client: Any, linked: Customer, catalog: Any, give: Callable[[Customer, str], None]
) -> None:
    headers = token(client, linked)
    give(linked, "100000.00")
    quoted = _quote(
        client,
        headers,
        _server_item(availability_zone=f"{REGION}b", system_disk={"type": "SSD", "size_gb": 40}),
        {"product": "evs", "spec": "SSD", "quantity": 1, "size_gb": 100},
        {"product": "eip", "spec": "5_bgp", "quantity": 1, "bandwidth_mbit": 5},
    )
    assert quoted.status_code == 201, quoted.get_json()
    body = {"quote_id": quoted.get_json()["id"]}
    assert client.post("/api/v1/orders", json=body, headers=headers).status_code == 201
    drain(app)
    items = client.get("/api/v1/resources", headers=headers).get_json()["items"]
    assert sorted(r["product"] for r in items) == ["ecs", "eip", "evs"]
    server = next(r for r in items if r["product"] == "ecs")
    detail = client.get(f"/api/v1/resources/{server['id']}", headers=headers).get_json()
    assert len(detail["public_ips"]) == 1 and detail["bandwidth_mbit"] == 5
    assert [(d["boot"], d["size_gb"]) for d in detail["disks"]] == [(True, 40), (False, 100)]
    assert all(d["status"] == "in-use" for d in detail["disks"])
    disk = next(r for r in items if r["product"] == "evs")
    shown = client.get(f"/api/v1/resources/{disk['id']}", headers=headers).get_json()
    assert shown["provider_status"] == "in-use"
    assert shown["disks"][0]["server_id"] == server["provider_resource_id"]


def _sandbox_rules(sandbox: Any, server_id: str) -> set[tuple[str, str | None, int | None]]:
    """The ingress rules of the server's security groups, as the sandbox holds them."""
    with sandbox.state.db.engine.connect() as conn:
        groups = conn.scalar(
            text("SELECT security_groups FROM sandbox_server_config WHERE resource_id = :id"),
            {"id": server_id},
        )
        rules = conn.execute(
            text(
                "SELECT direction, protocol, port_range_min FROM sandbox_security_group_rule"
                " WHERE security_group_id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": [g for g in (groups or "").split(",") if g] or ["-"]},
        ).all()
    return {(r[0], r[1], r[2]) for r in rules if r[2] is not None}


def test_ssh_is_opened_only_when_asked(
    app: Flask,
    client: Any,
    sandbox: Any,
    linked: Customer,
    catalog: Any,
    give: Callable[[Customer, str], None],
) -> None:
    headers = token(client, linked)
    give(linked, "100000.00")
    ids = []
    for server in ({"allow_remote_login": True}, {}):
        quoted = _quote(client, headers, _server_item())
        body = {"quote_id": quoted.get_json()["id"], "server": server}
        assert client.post("/api/v1/orders", json=body, headers=headers).status_code == 201
        drain(app)
        items = client.get("/api/v1/resources", headers=headers).get_json()["items"]
        ids.append(items[0]["provider_resource_id"])
    opened, closed = ids
    with sandbox.state.db.engine.connect() as conn:
        vpcs = conn.execute(
            text(
                "SELECT DISTINCT vpc_id FROM sandbox_server_config WHERE resource_id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": ids},
        ).all()
    assert len(vpcs) == 1  # the customer's one network of the region, reused
    assert ("ingress", "tcp", 22) in _sandbox_rules(sandbox, opened)
    assert ("ingress", "tcp", 22) not in _sandbox_rules(sandbox, closed)
    bad = _quote(client, headers, _server_item())
    body = {"quote_id": bad.get_json()["id"], "server": {"allow_remote_login": "yes"}}
    answer = client.post("/api/v1/orders", json=body, headers=headers)
    assert answer.status_code == 422
    assert "server.allow_remote_login" in answer.get_json()["error"]["fields"]
