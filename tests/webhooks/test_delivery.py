"""A real receiver on a loopback port gets signed events, exactly once, and replays."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from storefront.billing import worker
from storefront.billing.models import Job
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.stores.tenancy import store_context
from storefront.webhooks import emit
from storefront.webhooks.models import WebhookDelivery, WebhookEndpoint
from storefront.webhooks.signing import HEADER, verify
from tests.accounts.helpers import registration
from tests.shop import drain
from tests.webhooks.conftest import Receiver, csrf


def test_a_registration_is_delivered_signed_and_a_replay_arrives_again(
    app: Flask,
    client: FlaskClient,
    owner_client: FlaskClient,
    receiver: Receiver,
    local_targets: None,
    add_endpoint: Callable[..., tuple[int, str]],
) -> None:
    endpoint_id, secret = add_endpoint(receiver.url, ["customer.registered", "order.paid"])
    body = registration()
    assert client.post("/api/v1/customers", json=body).status_code == 201
    assert receiver.requests == []  # sent by the worker, after the request committed
    drain(app)

    assert len(receiver.requests) == 1
    got = receiver.requests[0]
    assert verify(got.headers[HEADER], secret, got.body)
    assert not verify(got.headers[HEADER], "whsec_wrong", got.body)
    event = json.loads(got.body)
    assert event["type"] == "customer.registered" == got.headers["Storefront-Event"]
    assert event["data"]["customer"]["email"] == body["email"]
    assert event["id"].startswith("evt_")

    log = owner_client.get(f"/admin/webhooks/{endpoint_id}/deliveries").get_data(as_text=True)
    assert "customer.registered" in log and "HTTP 200" in log
    assert 'text-bg-success">succeeded</span>' in log
    delivery_id = int(got.headers["Storefront-Delivery"])
    answer = owner_client.post(
        f"/admin/webhooks/deliveries/{delivery_id}/replay", data={"csrf_token": csrf(log)}
    )
    assert answer.status_code == 302
    drain(app)
    assert len(receiver.requests) == 2
    again = receiver.requests[1]
    assert again.body == got.body  # the same event: the receiver can tell it is a replay
    assert verify(again.headers[HEADER], secret, again.body)
    assert again.headers["Storefront-Delivery"] != got.headers["Storefront-Delivery"]
    log = owner_client.get(f"/admin/webhooks/{endpoint_id}/deliveries").get_data(as_text=True)
    assert f"replay of #{delivery_id}" in log


def test_an_event_is_sent_once_per_key_and_only_after_commit(
    app: Flask,
    default_store: Store,
    receiver: Receiver,
    local_targets: None,
    add_endpoint: Callable[..., tuple[int, str]],
) -> None:
    add_endpoint(receiver.url, ["topup.credited"])
    with app.app_context(), store_context(default_store):
        emit("topup.credited", default_store.id, {"n": 1}, key="topup:1")
        db.session.rollback()  # the change did not happen: nothing is sent
        for _ in range(3):
            emit("topup.credited", default_store.id, {"n": 1}, key="topup:1")
            db.session.commit()
        emit("order.paid", default_store.id, {"n": 2}, key="order:1")  # not subscribed
        db.session.commit()
    drain(app)
    assert [json.loads(r.body)["data"] for r in receiver.requests] == [{"n": 1}]


def test_failures_are_retried_then_the_endpoint_is_disabled_and_the_owner_mailed(
    app: Flask,
    default_store: Store,
    receiver: Receiver,
    local_targets: None,
    add_endpoint: Callable[..., tuple[int, str]],
    monkeypatch: Any,
    mail_dir: Path,
    owner_client: FlaskClient,
) -> None:
    monkeypatch.setitem(app.config, "WEBHOOKS_DISABLE_AFTER", 3)
    receiver.statuses = [500, 503, 200]
    endpoint_id, _ = add_endpoint(receiver.url, ["order.failed"])
    with app.app_context(), store_context(default_store):
        emit("order.failed", default_store.id, {"order": {"id": 7}}, key="order:7")
        db.session.commit()
        later = utcnow() + timedelta(hours=1)  # past every back-off
        worker.run_pending(now=later)
        delivery = db.session.scalars(select(WebhookDelivery)).one()
        assert (delivery.status, delivery.attempts) == ("succeeded", 3)
        assert db.session.get(WebhookEndpoint, endpoint_id).failures == 0  # reset by success

        receiver.statuses = [500]
        for n in range(2):
            emit("order.failed", default_store.id, {"order": {"id": n}}, key=f"order:x{n}")
        db.session.commit()
        worker.run_pending(now=later)
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        assert not endpoint.enabled and endpoint.failures == 3
        assert len(receiver.requests) == 3 + 3  # nothing more once it was disabled
        statuses = db.session.scalars(select(WebhookDelivery.status)).all()
        assert sorted(statuses) == ["failed", "failed", "succeeded"]
    mails = [p.read_text() for p in mail_dir.glob("*.eml")]
    assert any("Webhook endpoint disabled" in m and receiver.url in m for m in mails)
    index = owner_client.get("/admin/webhooks/").get_data(as_text=True)
    assert "disabled" in index


def test_rotation_signs_with_both_secrets_during_the_overlap(
    app: Flask,
    default_store: Store,
    receiver: Receiver,
    local_targets: None,
    owner_client: FlaskClient,
    add_endpoint: Callable[..., tuple[int, str]],
) -> None:
    endpoint_id, old = add_endpoint(receiver.url, ["order.paid"])
    page = owner_client.get(f"/admin/webhooks/{endpoint_id}").get_data(as_text=True)
    rotated = owner_client.post(
        f"/admin/webhooks/{endpoint_id}/rotate", data={"csrf_token": csrf(page)}
    ).get_data(as_text=True)
    new = rotated.split('id="webhook-secret">')[1].split("<")[0]
    assert new != old
    with app.app_context(), store_context(default_store):
        emit("order.paid", default_store.id, {}, key="order:1")
        db.session.commit()
    drain(app)
    first = receiver.requests[-1]
    assert verify(first.headers[HEADER], old, first.body)
    assert verify(first.headers[HEADER], new, first.body)
    with app.app_context(), store_context(default_store):
        db.session.get(WebhookEndpoint, endpoint_id).previous_until = utcnow()
        emit("order.paid", default_store.id, {}, key="order:2")
        db.session.commit()
    drain(app)
    second = receiver.requests[-1]
    assert verify(second.headers[HEADER], new, second.body)
    assert not verify(second.headers[HEADER], old, second.body)


def test_a_store_without_endpoints_queues_nothing(app: Flask, default_store: Store) -> None:
    with app.app_context(), store_context(default_store):
        emit("order.paid", default_store.id, {}, key="order:1")
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_the_test_send_and_an_old_signature_is_refused(
    app: Flask,
    receiver: Receiver,
    local_targets: None,
    owner_client: FlaskClient,
    add_endpoint: Callable[..., tuple[int, str]],
) -> None:
    endpoint_id, secret = add_endpoint(receiver.url, ["order.paid"])
    page = owner_client.get(f"/admin/webhooks/{endpoint_id}").get_data(as_text=True)
    answer = owner_client.post(
        f"/admin/webhooks/{endpoint_id}/test", data={"csrf_token": csrf(page)}
    )
    assert answer.status_code == 302
    drain(app)
    got = receiver.requests[0]
    assert json.loads(got.body)["type"] == "webhook.test"
    stamp = int(got.headers[HEADER].split(",")[0][2:])
    assert verify(got.headers[HEADER], secret, got.body, now=stamp + 60)
    assert not verify(got.headers[HEADER], secret, got.body, now=stamp + 3600)


def test_a_staff_reply_on_a_ticket_is_sent_an_internal_note_is_not(
    app: Flask,
    client: FlaskClient,
    receiver: Receiver,
    local_targets: None,
    add_endpoint: Callable[..., tuple[int, str]],
    make_customer: Any,
    owner: Any,
    token_for: Callable[[Any], str],
) -> None:
    add_endpoint(receiver.url, ["ticket.replied"])
    me = {"Authorization": f"Bearer {token_for(make_customer())}"}
    staff = {"Authorization": f"Bearer {token_for(owner)}"}
    ticket = client.post(
        "/api/v1/tickets",
        headers=me,
        json={"subject": "Disk is slow", "category": "technical", "body": "Since Monday."},
    ).get_json()
    for body, internal in (("Looking into it.", False), ("Check host 12", True)):
        answer = client.post(
            f"/api/v1/admin/tickets/{ticket['id']}/messages",
            headers=staff,
            json={"body": body, "internal": internal},
        )
        assert answer.status_code == 201, answer.get_json()
    drain(app)
    events = [json.loads(r.body) for r in receiver.requests]
    assert [(e["type"], e["data"]["message"]["body"]) for e in events] == [
        ("ticket.replied", "Looking into it.")
    ]
    assert events[0]["data"]["ticket"]["id"] == ticket["id"]


def test_a_reminder_and_a_renewal_are_sent_as_resource_events(
    app: Flask,
    receiver: Receiver,
    local_targets: None,
    add_endpoint: Callable[..., tuple[int, str]],
    buyer: Any,
    bought: Callable[..., list[dict[str, Any]]],
) -> None:
    """The renewals area's one place for its events (``renewals.events``) tells the store's
    endpoints too: ``resource.expiring`` once per reminder, ``resource.renewed`` per renewal."""
    from storefront.billing.models import Order, Resource
    from storefront.renewals import events

    made = bought(buyer)[0]
    _, secret = add_endpoint(receiver.url, ["resource.expiring", "resource.renewed"])
    with app.app_context():
        resource = db.session.get(Resource, made["id"])
        assert resource is not None
        expires = resource.expires_at = (utcnow() + timedelta(days=7)).replace(microsecond=0)
        events.resource_expiring(resource, 7, expires)
        events.resource_expiring(resource, 7, expires)  # the scan again: the same reminder
        db.session.commit()
    drain(app)
    assert len(receiver.requests) == 1
    got = json.loads(receiver.requests[0].body)
    assert verify(receiver.requests[0].headers[HEADER], secret, receiver.requests[0].body)
    assert got["type"] == "resource.expiring" and got["data"]["days"] == 7
    assert got["data"]["resource"]["id"] == made["id"]
    assert got["data"]["resource"]["expires_at"].startswith(expires.date().isoformat())

    with app.app_context():
        resource = db.session.get(Resource, made["id"])
        order = db.session.scalars(select(Order)).one()
        assert resource is not None
        events.resource_renewed(resource, order)  # as a renewal order's activation calls it
        db.session.commit()
        order_id, total = order.id, f"{order.total:.2f}"
    drain(app)
    assert len(receiver.requests) == 2
    renewed = json.loads(receiver.requests[1].body)
    assert renewed["type"] == "resource.renewed"
    assert renewed["data"]["order_id"] == order_id and renewed["data"]["amount"] == total
