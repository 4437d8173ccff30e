"""Tickets through the JSON API (#21): what a customer and staff see and may do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from storefront.accounts.models import Customer, Staff, StaffRole
from storefront.backoffice.models import AuditEntry
from storefront.extensions import db
from tests.shop import drain
from tests.staff import host_of

Headers = Callable[[Any], dict[str, str]]


def _open(client: FlaskClient, who: dict[str, str], **body: Any) -> dict[str, Any]:
    body = {"subject": "Disk is slow", "category": "technical", "body": "Since Monday.", **body}
    resp = client.post("/api/v1/tickets", json=body, headers=who)
    assert resp.status_code == 201, resp.get_json()
    data: dict[str, Any] = resp.get_json()
    return data


def test_a_customer_opens_staff_answer_the_customer_is_mailed_and_replies(
    app: Flask,
    client: FlaskClient,
    make_customer: Callable[..., Customer],
    support: Staff,
    bearer: Headers,
    mail_dir: Path,
) -> None:
    customer = make_customer(email="ana@example.com", name="Ana")
    me, staff = bearer(customer), bearer(support)
    made = _open(client, me)
    assert made["status"] == "open"
    listed = client.get("/api/v1/tickets", headers=me).get_json()
    assert [t["id"] for t in listed["items"]] == [made["id"]] and listed["next_cursor"] is None

    queue = client.get("/api/v1/admin/tickets?status=open", headers=staff).get_json()
    assert [t["id"] for t in queue["items"]] == [made["id"]]
    url = f"/api/v1/admin/tickets/{made['id']}"
    note = client.post(f"{url}/messages", json={"body": "VIP", "internal": True}, headers=staff)
    assert note.status_code == 201 and note.get_json()["internal"] is True
    answer = client.post(f"{url}/messages", json={"body": "Try a reboot."}, headers=staff)
    assert answer.status_code == 201

    seen = client.get(f"/api/v1/tickets/{made['id']}", headers=me).get_json()
    assert seen["status"] == "waiting_customer"
    assert [m["body"] for m in seen["messages"]] == ["Since Monday.", "Try a reboot."]
    assert "internal" not in seen["messages"][1]  # internal notes never reach the customer

    drain(app)
    mails = [p.read_text(encoding="utf-8") for p in mail_dir.glob("*.eml")]
    assert len(mails) == 1 and "ana@example.com" in mails[0] and "Try a reboot." in mails[0]

    reply = client.post(
        f"/api/v1/tickets/{made['id']}/messages", json={"body": "Fixed!"}, headers=me
    )
    assert reply.status_code == 201
    assert client.get(url, headers=staff).get_json()["status"] == "open"
    closed = client.post(f"/api/v1/tickets/{made['id']}/close", headers=me)
    assert closed.get_json()["status"] == "closed"
    with app.app_context():
        actions = set(
            db.session.scalars(db.select(AuditEntry.action).execution_options(all_stores=True))
        )
    assert {"ticket.open", "ticket.note", "ticket.reply", "ticket.close"} <= actions


def test_another_customer_and_another_stores_staff_get_404(
    client: FlaskClient,
    make_customer: Callable[..., Customer],
    make_store: Callable[..., Any],
    make_staff: Callable[..., Staff],
    bearer: Headers,
) -> None:
    owner, stranger = make_customer(), make_customer()
    made = _open(client, bearer(owner))
    path = f"/api/v1/tickets/{made['id']}"
    assert client.get(path, headers=bearer(stranger)).status_code == 404
    assert (
        client.post(f"{path}/messages", json={"body": "x"}, headers=bearer(stranger)).status_code
        == 404
    )
    assert client.post(f"{path}/close", headers=bearer(stranger)).status_code == 404

    other = make_store()
    foreign = make_staff(store=other, role=StaffRole.OWNER)
    host = {"Host": host_of(other), **bearer(foreign)}
    assert client.get(f"/api/v1/admin/tickets/{made['id']}", headers=host).status_code == 404
    sent = client.post(
        f"/api/v1/admin/tickets/{made['id']}/messages", json={"body": "x"}, headers=host
    )
    assert sent.status_code == 404
    assert client.get("/api/v1/admin/tickets", headers=host).get_json()["items"] == []


def test_finance_sees_billing_tickets_only_and_cannot_answer(
    client: FlaskClient,
    make_customer: Callable[..., Customer],
    make_staff: Callable[..., Staff],
    bearer: Headers,
) -> None:
    me = bearer(make_customer())
    technical = _open(client, me)
    billing = _open(client, me, category="billing", subject="Invoice")
    finance = bearer(make_staff(role=StaffRole.FINANCE))
    items = client.get("/api/v1/admin/tickets", headers=finance).get_json()["items"]
    assert [t["id"] for t in items] == [billing["id"]]
    assert (
        client.get(f"/api/v1/admin/tickets/{technical['id']}", headers=finance).status_code == 404
    )
    answer = client.post(
        f"/api/v1/admin/tickets/{billing['id']}/messages", json={"body": "x"}, headers=finance
    )
    assert answer.status_code == 403


def test_status_assignment_and_filters(
    client: FlaskClient,
    make_customer: Callable[..., Customer],
    support: Staff,
    bearer: Headers,
) -> None:
    me, staff = bearer(make_customer()), bearer(support)
    first, second = _open(client, me), _open(client, me, subject="Second")
    path = f"/api/v1/admin/tickets/{first['id']}"
    assigned = client.post(f"{path}/assign", json={"staff_id": support.id}, headers=staff)
    assert assigned.get_json()["assignee_id"] == support.id
    mine = client.get("/api/v1/admin/tickets?assignee=me", headers=staff).get_json()["items"]
    assert [t["id"] for t in mine] == [first["id"]]
    changed = client.post(f"{path}/status", json={"status": "waiting_provider"}, headers=staff)
    assert changed.get_json()["status"] == "waiting_provider"
    waiting = client.get("/api/v1/admin/tickets?waiting=provider", headers=staff).get_json()
    assert [t["id"] for t in waiting["items"]] == [first["id"]]
    bad = client.post(f"{path}/status", json={"status": "lost"}, headers=staff)
    assert bad.status_code == 422 and "status" in bad.get_json()["error"]["fields"]
    nobody = client.post(f"{path}/assign", json={"staff_id": 999999}, headers=staff)
    assert nobody.status_code == 422
    assert client.get("/api/v1/admin/tickets?status=nope", headers=staff).status_code == 422
    page = client.get("/api/v1/admin/tickets?limit=1", headers=staff).get_json()
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = client.get(f"/api/v1/admin/tickets?limit=1&cursor={page['next_cursor']}", headers=staff)
    ids = [page["items"][0]["id"], rest.get_json()["items"][0]["id"]]
    assert sorted(ids) == sorted([first["id"], second["id"]])
    assert client.get("/api/v1/tickets?cursor=%%%", headers=me).status_code == 422


def test_bad_input_is_refused_without_a_500(
    app: Flask,
    client: FlaskClient,
    make_customer: Callable[..., Customer],
    make_buyer: Callable[..., Customer],
    bearer: Headers,
) -> None:
    me = bearer(make_customer())
    for body, field in (
        ({"subject": "", "category": "technical", "body": "x"}, "subject"),
        ({"subject": "s", "category": "nope", "body": "x"}, "category"),
        ({"subject": "s", "category": "other", "body": "x" * 10_001}, "body"),
        ({"subject": "s", "category": "other", "body": "x", "resource_id": 12345}, "resource_id"),
        ({"subject": "s", "category": "other", "body": "x", "order_id": "1"}, "order_id"),
    ):
        resp = client.post("/api/v1/tickets", json=body, headers=me)
        assert resp.status_code == 422, body
        assert field in resp.get_json()["error"]["fields"], resp.get_json()
    assert client.post("/api/v1/tickets", data="[]", headers=me).status_code == 422
    assert client.post("/api/v1/tickets", json={}).status_code == 401
