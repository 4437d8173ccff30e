"""Escalating to the provider (#21): the case is opened by a job through the real client and
the sandbox, the provider engineer's answer (the sandbox's control route) comes back through
the sync job as a staff-only message, and staff write to the provider from the ticket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from flask import Flask
from flask.testing import FlaskClient

from storefront.accounts.models import Customer, Staff
from storefront.billing import worker
from storefront.extensions import db
from storefront.tickets.models import Ticket
from tests.shop import drain

Headers = Callable[[Any], dict[str, str]]


def _ticket(app: Flask, ticket_id: int) -> Ticket:
    with app.app_context():
        row = db.session.get(Ticket, ticket_id)
        assert row is not None
        db.session.expunge(row)
        return row


def _sync(app: Flask) -> None:
    with app.app_context():
        worker.enqueue("ticket_sync", f"ticket_sync:test:{id(app)}:{worker.utcnow().timestamp()}")
        db.session.commit()
    drain(app)


def test_escalate_sync_the_answer_and_write_back(
    app: Flask,
    client: FlaskClient,
    make_customer: Callable[..., Customer],
    support: Staff,
    bearer: Headers,
    sandbox: Any,
) -> None:
    me, staff = bearer(make_customer()), bearer(support)
    made = client.post(
        "/api/v1/tickets",
        json={"subject": "ECS down", "category": "technical", "body": "s-1 stopped at 3am"},
        headers=me,
    ).get_json()
    with app.test_request_context():
        from storefront.tickets import escalation

        escalation.escalate(db.session.get(Staff, support.id), made["id"], "s-1 stopped at 3am")
        db.session.commit()
    assert _ticket(app, made["id"]).status == "waiting_provider"
    drain(app)
    ticket = _ticket(app, made["id"])
    assert ticket.provider_case_id and ticket.provider_status == 0

    resp = requests.post(
        f"{sandbox.url}/_sandbox/osm/cases/{ticket.provider_case_id}/reply",
        json={"content": "The host was migrated; start s-1 again."},
        timeout=5,
    )
    assert resp.status_code == 200
    _sync(app)
    ticket = _ticket(app, made["id"])
    assert ticket.status == "open" and ticket.provider_status == 17  # back to staff
    staff_view = client.get(f"/api/v1/admin/tickets/{made['id']}", headers=staff).get_json()
    provider = [m for m in staff_view["messages"] if m["author"] == "provider"]
    assert [m["body"] for m in provider] == ["The host was migrated; start s-1 again."]
    assert provider[0]["internal"] is True
    customer_view = client.get(f"/api/v1/tickets/{made['id']}", headers=me).get_json()
    assert all(m["author"] == "customer" for m in customer_view["messages"])
    _sync(app)  # read again: nothing new, nothing doubled
    again = client.get(f"/api/v1/admin/tickets/{made['id']}", headers=staff).get_json()
    assert len([m for m in again["messages"] if m["author"] == "provider"]) == 1

    with app.test_request_context():
        from storefront.tickets import escalation

        escalation.message_provider(db.session.get(Staff, support.id), made["id"], "Started.")
        db.session.commit()
    drain(app)
    with app.app_context():
        from storefront.extensions import cloud_provider

        messages = cloud_provider().list_case_messages(case_id=ticket.provider_case_id)
    assert [m.content for m in messages][-1] == "Started."


def test_only_technical_tickets_are_escalated(
    app: Flask,
    client: FlaskClient,
    make_customer: Callable[..., Customer],
    support: Staff,
    bearer: Headers,
) -> None:
    made = client.post(
        "/api/v1/tickets",
        json={"subject": "Invoice", "category": "billing", "body": "wrong"},
        headers=bearer(make_customer()),
    ).get_json()
    from storefront.tickets import escalation
    from storefront.tickets.errors import NotAllowedNow

    with app.test_request_context():
        try:
            escalation.escalate(db.session.get(Staff, support.id), made["id"], "x")
        except NotAllowedNow:
            pass
        else:
            raise AssertionError("a billing ticket was escalated")
