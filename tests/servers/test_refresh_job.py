"""The worker refreshes bought servers' live state (#17): a server stopped in the console, its
addresses and disks are known to the storefront without any page asking the provider."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.billing.models import Resource
from storefront.extensions import db
from storefront.servers import jobs
from storefront.servers.models import ResourceState

REGION = "cn-north-4"
UBUNTU = f"sandbox-{REGION}-ubuntu-22.04"


def test_the_worker_reads_a_stop_and_the_servers_addresses_and_disks(
    app: Flask,
    linked: Customer,
    buy: Callable[..., Any],
    console: Callable[[Customer, str], None],
) -> None:
    items = [
        {"product": "ecs", "spec": "s6.large.2.linux", "quantity": 1, "image": UBUNTU},
        {"product": "evs", "spec": "SSD", "quantity": 1, "size_gb": 20},
        {"product": "eip", "spec": "5_bgp", "quantity": 1, "bandwidth_mbit": 2},
    ]
    server = buy(linked, items, {"key_pair": "laptop"})
    console(linked, f"ecs/{REGION}/{server['provider_resource_id']}/stop")
    app.config["SERVER_STATE_CACHE_SECONDS"] = 0  # every state is due for a read
    with app.app_context():
        assert jobs.refresh_states() == 3  # the server, its disk and its EIP: one read
        row = db.session.get(Resource, server["id"])
        assert row is not None and row.status.value == "stopped"
        state = db.session.scalar(
            select(ResourceState).where(ResourceState.resource_id == server["id"])
        )
        assert state is not None and state.provider_status == "SHUTOFF"
        assert len(state.public_ips) == 1 and len(state.private_ips) == 1
        assert len([d for d in state.disks if not d.get("boot")]) == 1
        assert state.bandwidth_mbit == 2
    app.config["SERVER_STATE_CACHE_SECONDS"] = 30
    with app.app_context():
        assert jobs.refresh_states() == 0  # read within 30 s: nothing to do
