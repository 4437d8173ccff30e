"""Real Chromium: the owner adds a webhook endpoint, sees its secret once, sends a test event
that a local receiver gets, rotates the secret (after confirming) and deletes the endpoint."""

from __future__ import annotations

from typing import Any

from flask import Flask

from storefront.accounts.models import StaffRole
from storefront.webhooks.signing import HEADER, verify
from tests.builders import PASSWORD
from tests.shop import drain
from tests.webhooks.conftest import receiver  # noqa: F401 (the local receiver fixture)


def test_owner_manages_an_endpoint_and_sees_its_deliveries(
    app: Flask,
    live_server: Any,
    make_staff: Any,
    new_page: Any,
    shot: Any,
    receiver: Any,  # noqa: F811
    monkeypatch: Any,
) -> None:
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", True)
    owner = make_staff(role=StaffRole.OWNER)
    page = new_page()
    page.goto(live_server.url + "/admin/login")
    page.locator("#email").fill(owner.email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()

    page.locator("#staff-nav").get_by_role("button", name="Settings").click()  # its menu
    page.locator("#staff-nav").get_by_role("link", name="Webhooks").click()
    page.wait_for_url("**/admin/webhooks**")
    page.locator("#webhooks-empty").wait_for()
    shot(page, "empty")
    page.locator("#webhook-add").click()
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("order.paid · An order was paid").check()
    page.get_by_label("customer.registered · A customer registered").check()
    shot(page, "form")
    page.locator("#webhook-save").click()
    secret = page.locator("#webhook-secret").inner_text().strip()
    assert secret.startswith("whsec_")
    shot(page, "secret")
    page.get_by_role("link", name="Done").click()
    row = page.locator("#webhooks-table tbody tr")
    assert row.count() == 1 and "order.paid, customer.registered" in row.inner_text()

    row.get_by_role("link", name="Edit").click()
    page.locator("#webhook-test").click()
    drain(app)
    assert verify(receiver.requests[0].headers[HEADER], secret, receiver.requests[0].body)
    page.reload()
    assert "webhook.test" in page.locator("#deliveries-table").inner_text()
    assert "HTTP 200" in page.locator("#deliveries-table").inner_text()
    shot(page, "deliveries")

    page.get_by_role("link", name="Edit endpoint").click()
    dialogs: list[str] = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with page.expect_event("dialog"):  # the confirm arrives after the click returns
        page.locator("#webhook-rotate").click()
    assert dialogs == ["Make a new signing secret?"]
    page.once("dialog", lambda d: d.accept())
    page.locator("#webhook-rotate").click()
    rotated = page.locator("#webhook-secret").inner_text().strip()
    assert rotated.startswith("whsec_") and rotated != secret

    page.goto(live_server.url + "/admin/webhooks/")
    page.get_by_role("link", name="Edit").click()
    page.locator("#webhook-delete").click()
    page.locator("#webhook-confirm-delete").click()
    assert page.locator("#webhooks-empty").is_visible()
