"""The worker's side: fan an event out to its endpoints, then post each delivery, signed.

A delivery that fails (no answer, a timeout, a status other than 2xx, a refused address) is
retried by the job queue with its back-off (2 s doubling to 5 min) up to
``WEBHOOKS_MAX_ATTEMPTS``; each failed attempt counts against its endpoint, which is disabled
after ``WEBHOOKS_DISABLE_AFTER`` failures in a row (any success resets the count), and the
store's owners are mailed.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from storefront.accounts.crypto import decrypt
from storefront.billing.models import Job
from storefront.billing.worker import Retry, enqueue
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.stores.tenancy import in_store
from storefront.transactions import commit_step
from storefront.webhooks import signing, transport
from storefront.webhooks.events import subscribers
from storefront.webhooks.models import WebhookDelivery, WebhookEndpoint


def body_of(event: str, evt: str, at: str, data: dict[str, Any]) -> str:
    return json.dumps(
        {"id": evt, "type": event, "created_at": at, "data": data},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
        default=str,
    )


def enqueue_delivery(delivery: WebhookDelivery) -> None:
    enqueue(
        "webhook_deliver",
        f"webhook_deliver:{delivery.id}",
        store_id=delivery.store_id,
        max_attempts=int(current_app.config["WEBHOOKS_MAX_ATTEMPTS"]),
    )


def fanout_job(job: Job) -> None:
    """One delivery per enabled endpoint that wants the event (a re-run adds none twice)."""
    assert job.store_id is not None
    info = json.loads(job.payload)
    body = body_of(info["event"], info["id"], info["at"], info["data"])
    for endpoint in subscribers(job.store_id, info["event"]):
        exists = db.session.scalar(
            in_store(
                select(WebhookDelivery.id).where(
                    WebhookDelivery.endpoint_id == endpoint.id,
                    WebhookDelivery.event_id == info["id"],
                    WebhookDelivery.replay_no == 0,
                ),
                job.store_id,
            )
        )
        if exists is None:
            delivery = WebhookDelivery(
                store_id=job.store_id,
                endpoint_id=endpoint.id,
                event=info["event"],
                event_id=info["id"],
                body=body,
            )
            db.session.add(delivery)
            db.session.flush()
            enqueue_delivery(delivery)


def secrets_of(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    found = [decrypt(endpoint.secret)]
    if endpoint.previous_secret and endpoint.previous_until and endpoint.previous_until > now:
        found.append(decrypt(endpoint.previous_secret))
    return found


def signed_headers(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> dict[str, str]:
    now = utcnow()
    return {
        signing.HEADER: signing.signature_header(
            secrets_of(endpoint, now), int(now.timestamp()), delivery.body.encode()
        ),
        "Storefront-Event": delivery.event,
        "Storefront-Delivery": str(delivery.id),
    }


def attempt(delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> transport.Answer:
    """Post once and record the answer on the delivery (not committed)."""
    answer = transport.post(
        endpoint.url,
        delivery.body.encode(),
        signed_headers(endpoint, delivery),
        float(current_app.config["WEBHOOKS_TIMEOUT_SECONDS"]),
    )
    delivery.attempts += 1
    delivery.last_attempt_at = utcnow()
    delivery.response_status = answer.status
    delivery.response_body = answer.body[:500] or None
    delivery.error = answer.error or (None if answer.ok else f"HTTP {answer.status}")
    delivery.duration_ms = answer.duration_ms
    return answer


def _failed(endpoint: WebhookEndpoint) -> None:
    endpoint.failures += 1
    if endpoint.enabled and endpoint.failures >= int(current_app.config["WEBHOOKS_DISABLE_AFTER"]):
        endpoint.enabled = False
        endpoint.disabled_reason = f"{endpoint.failures} failed deliveries in a row"
        enqueue(
            "webhook_disabled_mail",
            f"webhook_disabled_mail:{endpoint.id}:{int(utcnow().timestamp())}",
            store_id=endpoint.store_id,
            payload={"endpoint_id": endpoint.id},
            max_attempts=5,
        )


def deliver_job(job: Job) -> None:
    assert job.store_id is not None
    delivery_id = int(job.key.rsplit(":", 1)[1])
    delivery = db.session.scalar(
        in_store(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id), job.store_id)
    )
    if delivery is None or delivery.status == "succeeded":
        return
    endpoint = db.session.scalar(
        in_store(
            select(WebhookEndpoint).where(WebhookEndpoint.id == delivery.endpoint_id), job.store_id
        )
    )
    if endpoint is None:
        return
    if not endpoint.enabled:
        delivery.status, delivery.error = "failed", "endpoint disabled"
        return
    answer = attempt(delivery, endpoint)
    if answer.ok:
        delivery.status = "succeeded"
        endpoint.failures = 0
        return
    _failed(endpoint)
    last = job.attempts >= job.max_attempts or not endpoint.enabled
    delivery.status = "failed" if last else "retrying"
    commit_step("kept although an error follows: the attempt, before the Retry")
    if not last:
        raise Retry(delivery.error or "failed")
