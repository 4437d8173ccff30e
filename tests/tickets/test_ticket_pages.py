"""Ticket pages (#21): attachments are type-checked and limited, reopening has a period,
answers are rated, staff pages show the queue, internal notes, overdue tickets on the dashboard
and the customer's tickets on the customer page."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from storefront.accounts.models import Customer, Staff, StaffRole
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.tickets import attachments
from storefront.tickets.errors import TicketError
from storefront.tickets.models import Ticket, TicketAttachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _csrf(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert found, page[:500]
    return found.group(1)


def _open(client: FlaskClient, files: list[tuple[bytes, str]] = (), **form: str) -> Any:  # type: ignore[assignment]
    data: dict[str, Any] = {
        "csrf_token": _csrf(client, "/tickets/new"),
        "category": "technical",
        "subject": "Cannot log in to s-1",
        "body": "Permission denied (publickey).",
        "resource_id": "",
        "order_id": "",
        **form,
        "attachments": [(io.BytesIO(content), name) for content, name in files],
    }
    return client.post("/tickets/new", data=data, content_type="multipart/form-data")


def _ticket_id(resp: Any) -> int:
    assert resp.status_code == 302, resp.get_data(as_text=True)[:800]
    return int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def test_attachments_are_checked_stored_and_only_the_owner_downloads_them(
    app: Flask, login: Callable[..., FlaskClient], make_customer: Callable[..., Customer]
) -> None:
    owner, stranger = make_customer(), make_customer()
    client = login(owner)
    exe = _open(client, [(b"MZ\x90\x00\x03\x00\x00\x00", "setup.exe")])
    assert exe.status_code == 422 and "JPEG, PNG, PDF or text" in exe.get_data(as_text=True)
    many = _open(client, [(PNG, f"{n}.png") for n in range(4)])
    assert many.status_code == 422 and "at most 3" in many.get_data(as_text=True)
    with app.test_request_context():  # (a 5 MB body through the test client leaks a temp file)
        try:
            attachments.check([attachments.Upload("big.png", PNG + bytes(5 << 20))], owner.id)
        except TicketError as exc:
            assert "larger than 5 MB" in exc.fields["attachments"]
        else:
            raise AssertionError("a file over 5 MB was accepted")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 0

    ticket_id = _ticket_id(_open(client, [(PNG, "screen.png"), (b"line 1\n", "ssh.log")]))
    page = client.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert "screen.png" in page and "ssh.log" in page
    with app.app_context():
        first = db.session.scalars(
            db.select(TicketAttachment).order_by(TicketAttachment.id)
        ).first()
        assert first is not None and first.kind == "png"
        attachment_id = first.id
    got = client.get(f"/tickets/{ticket_id}/attachments/{attachment_id}")
    assert got.status_code == 200 and got.data == PNG and got.mimetype == "image/png"
    assert "attachment" in got.headers["Content-Disposition"]
    other = login(stranger)
    assert other.get(f"/tickets/{ticket_id}").status_code == 404
    assert other.get(f"/tickets/{ticket_id}/attachments/{attachment_id}").status_code == 404


def test_close_reopen_within_the_period_and_rate(
    app: Flask,
    login: Callable[..., FlaskClient],
    make_customer: Callable[..., Customer],
    make_staff: Callable[..., Staff],
) -> None:
    customer, support = make_customer(), make_staff(role=StaffRole.SUPPORT)
    client = login(customer)
    assert "You have no tickets" in client.get("/tickets").get_data(as_text=True)
    ticket_id = _ticket_id(_open(client))
    staff = login(support)
    token = _csrf(staff, f"/admin/tickets/{ticket_id}")
    sent = staff.post(
        f"/admin/tickets/{ticket_id}/messages",
        data={"csrf_token": token, "reply-body": "Use the right key.", "reply-status": "resolved"},
    )
    assert sent.status_code == 302
    page = client.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert "Use the right key." in page and 'id="rate-form"' in page and 'id="reopen-form"' in page
    token = _csrf(client, f"/tickets/{ticket_id}")
    rated = client.post(f"/tickets/{ticket_id}/rate", data={"csrf_token": token, "rating": "5"})
    assert rated.status_code == 302
    assert (
        client.post(f"/tickets/{ticket_id}/reopen", data={"csrf_token": token}).status_code == 302
    )
    with app.app_context():
        row = db.session.get(Ticket, ticket_id)
        assert row is not None and row.status == "open" and row.rating == 5
        row.status, row.closed_at = "closed", utcnow() - timedelta(days=8)  # past 7 days
        db.session.commit()
    page = client.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert 'id="reopen-form"' not in page
    client.post(f"/tickets/{ticket_id}/reopen", data={"csrf_token": token})
    with app.app_context():
        row = db.session.get(Ticket, ticket_id)
        assert row is not None and row.status == "closed"


def test_staff_pages_notes_overdue_and_the_customer_page(
    app: Flask,
    login: Callable[..., FlaskClient],
    make_customer: Callable[..., Customer],
    make_staff: Callable[..., Staff],
) -> None:
    customer = make_customer(name="Wang Fang")
    owner = make_staff(role=StaffRole.OWNER)
    ticket_id = _ticket_id(_open(login(customer)))
    staff = login(owner)
    assert "Cannot log in to s-1" in staff.get("/admin/tickets").get_data(as_text=True)
    assert "No tickets match" in staff.get("/admin/tickets?status=closed").get_data(as_text=True)
    token = _csrf(staff, f"/admin/tickets/{ticket_id}")
    staff.post(
        f"/admin/tickets/{ticket_id}/messages",
        data={"csrf_token": token, "reply-body": "Customer is a VIP", "reply-internal": "y"},
    )
    assert "Customer is a VIP" in staff.get(f"/admin/tickets/{ticket_id}").get_data(as_text=True)
    assert "Customer is a VIP" not in login(customer).get(f"/tickets/{ticket_id}").get_data(
        as_text=True
    )
    assert "No ticket is past its due time" in staff.get("/admin/").get_data(as_text=True)
    with app.app_context():
        row = db.session.get(Ticket, ticket_id)
        assert row is not None
        row.first_response_due = utcnow() - timedelta(hours=1)
        db.session.commit()
    dashboard = staff.get("/admin/").get_data(as_text=True)
    assert 'id="overdue-tickets"' in dashboard and "Cannot log in to s-1" in dashboard
    customer_page = staff.get(f"/admin/customers/{customer.id}").get_data(as_text=True)
    assert 'id="customer-tickets"' in customer_page and "Cannot log in to s-1" in customer_page

    token = _csrf(staff, "/admin/tickets/settings")
    form = {"csrf_token": token, "reopen_days": "3"}
    for p in ("low", "normal", "high", "urgent"):
        form[f"{p}_first"], form[f"{p}_resolution"] = "4", "40"
    assert staff.post("/admin/tickets/settings", data=form).status_code == 302
    token = _csrf(staff, f"/admin/tickets/{ticket_id}")
    staff.post(
        f"/admin/tickets/{ticket_id}/triage",
        data={"csrf_token": token, "triage-assignee": str(owner.id), "triage-priority": "high"},
    )
    with app.app_context():
        row = db.session.get(Ticket, ticket_id)
        assert row is not None and row.priority == "high" and row.assignee_id == owner.id
        assert row.first_response_due == row.created_at + timedelta(hours=4)


def test_chinese_pages(
    login: Callable[..., FlaskClient], make_customer: Callable[..., Customer]
) -> None:
    client = login(make_customer(locale="zh_Hans_CN"))
    client.set_cookie("locale", "zh_Hans_CN")
    page = client.get("/tickets", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "提交工单" in page


def test_another_stores_staff_get_404_on_the_ticket_page(
    login: Callable[..., FlaskClient],
    make_customer: Callable[..., Customer],
    make_store: Callable[..., Any],
    make_staff: Callable[..., Staff],
) -> None:
    from tests.staff import host_of

    ticket_id = _ticket_id(_open(login(make_customer())))
    other = make_store()
    foreign = login(make_staff(store=other, role=StaffRole.OWNER), host=host_of(other))
    headers = {"Host": host_of(other)}
    assert foreign.get(f"/admin/tickets/{ticket_id}", headers=headers).status_code == 404
    queue = foreign.get("/admin/tickets", headers=headers).get_data(as_text=True)
    assert "Cannot log in to s-1" not in queue and "No tickets match" in queue
