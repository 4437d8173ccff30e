"""Real Chromium: the owner adds a webhook endpoint, sees its secret once, sends a test event
that a local receiver gets, rotates the secret (after confirming, even while the page is still
loading) and deletes the endpoint."""

from __future__ import annotations

from typing import Any

from flask import Flask
from playwright.sync_api import expect

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
    expect(row).to_have_count(1)
    expect(row).to_contain_text("order.paid, customer.registered")

    row.get_by_role("link", name="Edit").click()
    page.locator("#webhook-test").click()
    page.wait_for_url("**/deliveries")  # the test post's redirect: reload only once it is there
    drain(app)
    assert verify(receiver.requests[0].headers[HEADER], secret, receiver.requests[0].body)
    page.reload()
    assert "webhook.test" in page.locator("#deliveries-table").inner_text()
    assert "HTTP 200" in page.locator("#deliveries-table").inner_text()
    shot(page, "deliveries")

    # Clicked while the page's scripts are still loading (held here), the button asks all the
    # same: the confirm listener is registered in <head>, before the form exists.
    held: list[Any] = []
    page.route("**/bootstrap.bundle.min.js*", lambda route: held.append(route))
    page.get_by_role("link", name="Edit endpoint").click()
    dialogs: list[str] = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with page.expect_event("dialog"):  # the confirm arrives after the click returns
        page.locator("#webhook-rotate").click()
    assert dialogs == ["Make a new signing secret?"] and held
    for route in held:
        route.continue_()
    page.unroute("**/bootstrap.bundle.min.js*")
    page.wait_for_load_state()
    page.once("dialog", lambda d: d.accept())
    page.locator("#webhook-rotate").click()
    rotated = page.locator("#webhook-secret").inner_text().strip()
    assert rotated.startswith("whsec_") and rotated != secret

    page.goto(live_server.url + "/admin/webhooks/")
    page.get_by_role("link", name="Edit").click()
    page.locator("#webhook-delete").click()
    page.locator("#webhook-confirm-delete").click()
    expect(page.locator("#webhooks-empty")).to_be_visible()
