"""The events a store's endpoints may subscribe to, and :func:`emit`, the call other areas make.

``emit("order.paid", store_id, {...}, key=f"order:{order.id}")`` in the transaction that made the
change: it adds a ``webhook_fanout`` job (nothing when no enabled endpoint of the store wants the
event), so the deliveries exist only if that transaction commits, and the job's key makes it
exactly once per (store, event, key) however often it is called. The worker then makes one
delivery per subscribed endpoint (:mod:`storefront.webhooks.delivery`).

Billing does not call :func:`emit`: it sends signals (:mod:`storefront.billing.events`), which
:func:`subscribe_to_billing` turns into the order and top-up events.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront import caching
from storefront.billing import events as billing_events
from storefront.billing.worker import enqueue
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.stores.tenancy import in_store
from storefront.webhooks import payloads
from storefront.webhooks.models import WebhookEndpoint

EVENTS: dict[str, Any] = {
    "order.paid": _l("An order was paid"),
    "order.active": _l("An order's resources are ready"),
    "order.failed": _l("An order failed (and was refunded)"),
    "resource.expiring": _l("A resource expires soon"),
    "resource.renewed": _l("A resource was renewed"),
    "customer.registered": _l("A customer registered"),
    "topup.credited": _l("A top-up was credited to a wallet"),
    "ticket.replied": _l("Staff replied to a ticket"),
}
TEST_EVENT = "webhook.test"


def event_id(store_id: int, event: str, key: str) -> str:
    """The event's id as receivers see it: the same for the same (store, event, key)."""
    digest = hashlib.sha256(f"{store_id}\n{event}\n{key}".encode()).hexdigest()[:32]
    return f"evt_{digest}"


def subscribers(store_id: int, event: str) -> list[WebhookEndpoint]:
    """The store's enabled endpoints that want ``event`` (a store has a handful at most)."""
    rows = db.session.scalars(
        in_store(select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True)), store_id)
    )
    return [e for e in rows if event in (e.events or [])]


# Per store: the events its enabled endpoints want, so an order of a store without webhooks
# reads nothing. Dropped when this process commits a change to an endpoint; another process's
# change shows within ``STORE_CACHE_SECONDS`` (the fan-out job reads the endpoints afresh).
WANTED: caching.Cache[frozenset[str]] = caching.Cache(
    "webhooks.wanted", tables=(WebhookEndpoint.__tablename__,),
    limit=lambda settings: settings.store_cache_size,
)  # fmt: skip


def wanted(store_id: int) -> frozenset[str]:
    """The events some enabled endpoint of the store subscribes to (kept per store)."""

    def load() -> frozenset[str]:
        rows = db.session.scalars(
            in_store(
                select(WebhookEndpoint.events).where(WebhookEndpoint.enabled.is_(True)), store_id
            )
        )
        return frozenset(e for events in rows for e in (events or []))

    return WANTED.get(store_id, load, scope=store_id)


def emit(event: str, store_id: int, payload: dict[str, Any], key: str) -> None:
    """Send ``event`` with ``payload`` to the store's endpoints once the caller commits, exactly
    once per (store, event, key). Flushes nothing; never raises for a store without webhooks."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    if event not in wanted(store_id):
        return
    evt = event_id(store_id, event, key)
    enqueue(
        "webhook_fanout",
        f"webhook:{evt}",
        store_id=store_id,
        payload={"event": event, "id": evt, "at": utcnow().isoformat(), "data": payload},
    )


def _order_paid(order: Any, **_: Any) -> None:
    emit("order.paid", order.store_id, payloads.order(order), key=f"order:{order.id}")


def _order_active(order: Any, **_: Any) -> None:
    emit("order.active", order.store_id, payloads.order(order), key=f"order:{order.id}")


def _order_failed(order: Any, **_: Any) -> None:
    emit("order.failed", order.store_id, payloads.order(order), key=f"order:{order.id}")


def _topup_credited(topup: Any, **_: Any) -> None:
    emit("topup.credited", topup.store_id, payloads.topup(topup), key=f"topup:{topup.id}")


def subscribe_to_billing() -> None:
    """Emit ``order.paid``/``order.active``/``order.failed``/``topup.credited`` on billing's
    signals (called when the area registers; calling it again changes nothing)."""
    billing_events.order_paid.connect(_order_paid)
    billing_events.order_active.connect(_order_active)
    billing_events.order_failed.connect(_order_failed)
    billing_events.topup_credited.connect(_topup_credited)
