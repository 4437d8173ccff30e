"""A paid order queues the ``order.paid`` fan-out only while the store has an enabled endpoint
that wants it; the store's subscriptions are kept between orders, so an endpoint added or
disabled is seen by the very next order (the kept copy is dropped when that change commits)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import func, select

from storefront.accounts.models import Customer
from storefront.billing import orders
from storefront.billing.models import Job
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.webhooks.models import WebhookEndpoint


def _fanouts() -> int:
    return (
        db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == "webhook_fanout"))
        or 0
    )


def test_the_next_order_sees_an_endpoint_added_then_disabled(
    app: Flask, default_store: Store, buyer: Customer,
    make_quote: Callable[..., str], give: Callable[[Customer, str], None],
) -> None:  # fmt: skip
    give(buyer, "100000.00")
    quotes = [make_quote(buyer) for _ in range(4)]
    with app.app_context():
        orders.place_order(buyer, quotes[0], "first")
        assert _fanouts() == 0  # no endpoint: nothing to send
        endpoint = WebhookEndpoint(
            store_id=default_store.id, url="https://erp.example/hook",
            events=["order.paid"], secret="s",
        )  # fmt: skip
        db.session.add(endpoint)
        db.session.commit()
        orders.place_order(buyer, quotes[1], "second")
        assert _fanouts() == 1
        db.session.get(WebhookEndpoint, endpoint.id).enabled = False  # type: ignore[union-attr]
        db.session.commit()
        orders.place_order(buyer, quotes[2], "third")
        assert _fanouts() == 1
        db.session.get(WebhookEndpoint, endpoint.id).events = ["order.failed"]  # type: ignore[union-attr]
        db.session.get(WebhookEndpoint, endpoint.id).enabled = True  # type: ignore[union-attr]
        db.session.commit()
        orders.place_order(buyer, quotes[3], "fourth")
        assert _fanouts() == 1  # enabled again, but not for this event
