"""A monthly server bought in the store follows the provider's documented life: after its
month the resource sync shows it expired, then frozen, then released (sandbox clock moved)."""

from __future__ import annotations

from typing import Any

from storefront.billing.reconcile import sync_resources
from storefront.cloud.sandbox.lifecycle import Lifecycle
from tests.shop import token


def test_the_resource_sync_follows_a_prepaid_server_to_its_end(
    app: Any, client: Any, sandbox: Any, linked: Any, bought: Any
) -> None:
    [server] = bought(linked)
    headers = token(client, linked)
    life = Lifecycle()
    month = 30 * 86400

    def after(seconds: float) -> str:
        sandbox._control("POST", "/_sandbox/clock", {"offset_s": seconds, "signatures": False})
        with app.app_context():
            sync_resources()
        items = client.get("/api/v1/resources", headers=headers).get_json()["items"]
        [mine] = [r for r in items if r["id"] == server["id"]]
        return str(mine["status"])

    try:
        assert after(0) == "active"
        assert after(month + 60) == "expired"
        assert after(month + life.prepaid_grace_s + 60) == "frozen"
        assert after(month + life.prepaid_grace_s + life.prepaid_retention_s + 60) == "released"
    finally:
        sandbox._control("POST", "/_sandbox/clock", {"offset_s": 0})
