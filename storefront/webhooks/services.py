"""Endpoints (add, edit, rotate the secret, delete), a test send and replays, for the owner.

Services flush; the view commits. Every change is in the audit trail.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from storefront.accounts.crypto import encrypt
from storefront.accounts.models import Staff
from storefront.accounts.permissions import require_permission
from storefront.backoffice.audit import record
from storefront.clock import utcnow
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.webhooks.delivery import body_of, enqueue_delivery
from storefront.webhooks.events import EVENTS, TEST_EVENT, event_id
from storefront.webhooks.models import WebhookDelivery, WebhookEndpoint
from storefront.webhooks.transport import check_url

PERMISSION = "webhooks.manage"
MAX_ENDPOINTS = 20
PAGE = 50


class WebhookNotFound(DomainError):
    code = "not_found"
    status = 404


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _clean(url: str, events: list[str]) -> tuple[str, list[str]]:
    url = url.strip()
    if len(url) > 500:
        raise DomainError(_("The URL is too long."), fields={"url": _("At most 500 characters.")})
    check_url(url)
    chosen = [e for e in EVENTS if e in events]
    if not chosen:
        raise DomainError(_("Pick at least one event."), fields={"events": _("Pick one.")})
    return url, chosen


def endpoint(staff: Staff, endpoint_id: int) -> WebhookEndpoint:
    require_permission(staff, PERMISSION)
    found = db.session.scalar(select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id))
    if found is None:
        raise WebhookNotFound(_("No such webhook endpoint."))
    return found


def endpoints(staff: Staff) -> list[WebhookEndpoint]:
    require_permission(staff, PERMISSION)
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def create_endpoint(
    staff: Staff, url: str, events: list[str], description: str = ""
) -> tuple[WebhookEndpoint, str]:
    """The new endpoint and its secret (shown once)."""
    require_permission(staff, PERMISSION)
    url, chosen = _clean(url, events)
    if len(endpoints(staff)) >= MAX_ENDPOINTS:
        raise DomainError(_("A store has at most %(n)s endpoints.", n=MAX_ENDPOINTS))
    secret = new_secret()
    row = WebhookEndpoint(
        url=url, events=chosen, description=description.strip()[:200], secret=encrypt(secret)
    )
    db.session.add(row)
    db.session.flush()
    record(staff, "webhook.create", target=f"webhook:{row.id}", details={"url": url})
    return row, secret


def update_endpoint(
    staff: Staff,
    row: WebhookEndpoint,
    url: str,
    events: list[str],
    description: str,
    enabled: bool,
) -> None:
    require_permission(staff, PERMISSION)
    row.url, row.events = _clean(url, events)
    row.description = description.strip()[:200]
    if enabled and not row.enabled:
        row.failures, row.disabled_reason = 0, None
    row.enabled = enabled
    record(
        staff,
        "webhook.update",
        target=f"webhook:{row.id}",
        details={"url": row.url, "enabled": enabled},
    )


def rotate_secret(staff: Staff, row: WebhookEndpoint) -> str:
    """A new secret; the old one keeps signing too for ``WEBHOOKS_ROTATION_HOURS``."""
    require_permission(staff, PERMISSION)
    secret = new_secret()
    hours = float(current_app.config["WEBHOOKS_ROTATION_HOURS"])
    row.previous_secret, row.previous_until = row.secret, utcnow() + timedelta(hours=hours)
    row.secret = encrypt(secret)
    record(staff, "webhook.rotate", target=f"webhook:{row.id}", details={"overlap_h": hours})
    return secret


def delete_endpoint(staff: Staff, row: WebhookEndpoint) -> None:
    require_permission(staff, PERMISSION)
    record(staff, "webhook.delete", target=f"webhook:{row.id}", details={"url": row.url})
    db.session.delete(row)
    db.session.flush()


def send_test(staff: Staff, row: WebhookEndpoint) -> WebhookDelivery:
    """A ``webhook.test`` delivery to this endpoint (whatever it subscribes to)."""
    require_permission(staff, PERMISSION)
    now = utcnow()
    evt = event_id(row.store_id, TEST_EVENT, f"{row.id}:{now.isoformat()}:{secrets.token_hex(4)}")
    delivery = WebhookDelivery(
        store_id=row.store_id,
        endpoint_id=row.id,
        event=TEST_EVENT,
        event_id=evt,
        body=body_of(TEST_EVENT, evt, now.isoformat(), {"endpoint_id": row.id}),
    )
    db.session.add(delivery)
    db.session.flush()
    enqueue_delivery(delivery)
    return delivery


def deliveries(
    staff: Staff, row: WebhookEndpoint, before: int | None = None
) -> tuple[list[WebhookDelivery], int | None]:
    """The endpoint's deliveries, newest first, a page at a time (keyset: ``before`` an id)."""
    require_permission(staff, PERMISSION)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == row.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(PAGE + 1)
    )
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    rows = list(db.session.scalars(query))
    return rows[:PAGE], (rows[PAGE - 1].id if len(rows) > PAGE else None)


def replay(staff: Staff, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again: a new delivery, same event id and body, signed afresh."""
    require_permission(staff, PERMISSION)
    original = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id))
    if original is None:
        raise WebhookNotFound(_("No such delivery."))
    last = db.session.scalar(
        select(WebhookDelivery.replay_no)
        .where(
            WebhookDelivery.endpoint_id == original.endpoint_id,
            WebhookDelivery.event_id == original.event_id,
        )
        .order_by(WebhookDelivery.replay_no.desc())
        .limit(1)
    )
    copy = WebhookDelivery(
        store_id=original.store_id,
        endpoint_id=original.endpoint_id,
        event=original.event,
        event_id=original.event_id,
        body=original.body,
        replay_no=(last or 0) + 1,
        replay_of=original.id,
    )
    db.session.add(copy)
    db.session.flush()
    enqueue_delivery(copy)
    record(
        staff,
        "webhook.replay",
        target=f"webhook:{original.endpoint_id}",
        details={"delivery": original.id},
    )
    return copy
