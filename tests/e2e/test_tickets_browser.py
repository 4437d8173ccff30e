"""Real Chromium (#21): a customer opens a ticket with an attachment, support answers, the
customer is mailed and replies, support escalates to the provider and the provider's answer
(the sandbox engineer's, synced by the worker's job) appears on the ticket; another customer
gets 404; the pages in Chinese."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from flask import Flask

from storefront.accounts.models import Customer, Staff, StaffRole
from storefront.billing import worker
from storefront.extensions import db
from storefront.tickets.models import Ticket
from tests.accounts.helpers import PASSWORD
from tests.browser import sign_in
from tests.shop import drain

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _login(page: Any, url: str, email: str, staff: bool = False) -> None:
    sign_in(page, url, email, PASSWORD, staff=staff)


def _sync(app: Flask) -> None:
    with app.app_context():
        worker.enqueue("ticket_sync", f"ticket_sync:e2e:{worker.utcnow().timestamp()}")
        db.session.commit()
    drain(app)


def test_customer_support_and_the_provider_in_the_browser(
    app: Flask,
    live_server: Any,
    new_page: Any,
    shot: Any,
    make_customer: Callable[..., Customer],
    make_staff: Callable[..., Staff],
    mail_dir: Path,
    sandbox: Any,
    tmp_path: Path,
) -> None:
    customer = make_customer(email="mei@example.com", name="Mei", password=PASSWORD)
    stranger = make_customer(password=PASSWORD)
    support = make_staff(role=StaffRole.SUPPORT, name="Sam Support", password=PASSWORD)
    url = live_server.url

    # the customer opens a ticket with a screenshot
    page = new_page()
    _login(page, url, customer.email)
    page.goto(url + "/tickets")
    assert "You have no tickets" in page.content()
    page.locator("#new-ticket").click()
    page.locator("#category").select_option("technical")
    page.locator("#subject").fill("Server s-1 unreachable")
    page.locator("#body").fill("SSH times out since 09:00.")
    screenshot = tmp_path / "timeout.png"
    screenshot.write_bytes(PNG)
    page.locator("#attachments").set_input_files(str(screenshot))
    page.get_by_role("button", name="Send").click()
    page.wait_for_selector("#messages")
    assert "timeout.png" in page.locator("#messages").inner_text()
    ticket_id = int(re.search(r"/tickets/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    shot(page, "customer-opened")

    # support answers
    staff_page = new_page()
    _login(staff_page, url, support.email, staff=True)
    staff_page.goto(url + "/admin/tickets")
    staff_page.get_by_role("link", name="Server s-1 unreachable").click()
    staff_page.locator("#reply-body").fill("Which security group does s-1 use?")
    staff_page.locator("#staff-reply-form button[type=submit]").click()
    staff_page.wait_for_selector("#messages")
    assert "Which security group" in staff_page.locator("#messages").inner_text()

    # the customer is mailed, follows the link and replies
    drain(app)
    mails = [p.read_text(encoding="utf-8") for p in mail_dir.glob("*.eml")]
    mine = [m for m in mails if "mei@example.com" in m and "Which security group" in m]
    assert len(mine) == 1
    link = re.search(r"(http://127\.0\.0\.1:\d+/tickets/\d+)", mine[0].replace("=\n", ""))
    assert link is not None
    page.goto(link.group(1))
    page.locator("#body").fill("The default one.")
    page.get_by_role("button", name="Send reply").click()
    page.wait_for_selector("text=The default one.")

    # support escalates to the provider (with a confirmation)
    staff_page.reload()
    staff_page.once("dialog", lambda d: d.accept())
    staff_page.locator("#escalate-form button[type=submit]").click()
    staff_page.wait_for_selector("#ticket-status[data-status=waiting_provider]")
    drain(app)  # the job opens the provider's case
    with app.app_context():
        row = db.session.get(Ticket, ticket_id)
        assert row is not None and row.provider_case_id
        case_id = row.provider_case_id
    answer = "A host fault was repaired; s-1 is reachable again."
    requests.post(
        f"{sandbox.url}/_sandbox/osm/cases/{case_id}/reply", json={"content": answer}, timeout=5
    ).raise_for_status()
    _sync(app)
    staff_page.reload()
    provider_messages = staff_page.locator("#messages li[data-author=provider]")
    assert provider_messages.count() == 1 and answer in provider_messages.inner_text()
    assert staff_page.locator("#ticket-status").get_attribute("data-status") == "open"
    shot(staff_page, "staff-provider-answer")
    page.reload()
    assert answer not in page.content()  # staff relay it; the provider's words stay internal

    # another customer gets 404
    other = new_page()
    _login(other, url, stranger.email)
    assert other.goto(f"{url}/tickets/{ticket_id}").status == 404

    # in Chinese
    zh = new_page(locale="zh-CN")
    _login(zh, url, customer.email)
    zh.goto(url + "/tickets")
    assert "提交工单" in zh.content() and "Server s-1 unreachable" in zh.content()
    zh.goto(f"{url}/tickets/{ticket_id}")
    assert "发送回复" in zh.content()
    shot(zh, "customer-zh")
