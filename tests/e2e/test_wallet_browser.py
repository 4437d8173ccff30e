"""Real Chromium: online top-up through the sandbox gateway, and a remittance claim."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from storefront.accounts.models import StaffRole
from storefront.billing import remittance
from storefront.billing.wallet_models import Topup
from storefront.extensions import db
from tests.browser import sign_in
from tests.builders import PASSWORD

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _login(page: Any, url: str, email: str) -> None:
    sign_in(page, url, email, PASSWORD)


def test_online_topup_through_the_gateway(
    app: Any, live_server: Any, make_customer: Any, new_page: Any, shot: Any
) -> None:
    customer = make_customer()
    page = new_page()
    _login(page, live_server.url, customer.email)
    page.locator("#account-menu").click()  # the account menu holds the wallet
    page.get_by_role("link", name="Wallet").click()
    page.wait_for_url("**/wallet")
    page.get_by_label("Amount (CNY)").fill("88.80")
    page.get_by_role("button", name="Pay online").click()
    page.wait_for_url("**/_paysandbox/checkout**")
    assert "88.80 CNY" in page.locator("#gateway-amount").inner_text()
    shot(page, "gateway")
    page.get_by_role("button", name="Pay", exact=True).click()
    page.wait_for_url("**/wallet/topup/**")
    # the notification arrives asynchronously; the status page asks for news by itself (htmx)
    # until the top-up is final, with no reload
    page.wait_for_selector('#topup-status[data-status="paid"]', timeout=15_000)
    assert page.locator("#topup-live").get_attribute("data-final") == "true"
    assert page.locator("#topup-live").get_attribute("hx-get") is None  # stopped asking
    expect(page.locator("#topup-cancel")).to_have_count(0)  # nothing left to cancel
    page.get_by_role("link", name="Back to the wallet").click()
    assert page.locator("#balance").inner_text() == "CN¥88.80"
    shot(page, "wallet-after-topup")


def test_remittance_claim(
    app: Any, live_server: Any, make_customer: Any, make_staff: Any, new_page: Any, shot: Any,
    tmp_path: Path,
) -> None:
    owner = make_staff(role=StaffRole.OWNER)
    with app.app_context():
        remittance.update_billing_settings(owner, bank_name="ICBC Shenzhen",
                                           bank_account="6222 0000 1111", bank_holder="Blue Co")
        db.session.commit()
    customer = make_customer()
    proof = tmp_path / "receipt.png"
    proof.write_bytes(PNG)
    page = new_page()
    _login(page, live_server.url, customer.email)
    page.goto(live_server.url + "/wallet")
    page.get_by_role("link", name="Pay by bank transfer and claim it").click()
    assert "ICBC Shenzhen" in page.locator("#bank-details").inner_text()
    page.get_by_label("Amount (CNY)").fill("500.00")
    page.get_by_label("Date of the transfer").fill(date.today().isoformat())
    page.get_by_label("Payer (name on the paying account)").fill("Zhang San")
    page.get_by_label("Bank serial number").fill("SN-E2E-1")
    page.locator("#proof").set_input_files(str(proof))
    page.get_by_role("button", name="Submit claim").click()
    page.wait_for_selector("text=Claim submitted")
    assert "waiting for review" in page.locator("#claims").inner_text()
    shot(page, "remittance-claim")


def test_cancelling_a_topup_while_its_page_updates_itself(
    app: Any, live_server: Any, make_customer: Any, new_page: Any
) -> None:
    """The status page replaces its part every few seconds while the payment is pending: a
    press on "Cancel this top-up" that spans such an update still cancels (the button is not
    drawn anew under the press: a press that spans a redraw is no click in Chromium)."""
    customer = make_customer()
    page = new_page()
    _login(page, live_server.url, customer.email)
    page.goto(live_server.url + "/wallet")
    page.get_by_label("Amount (CNY)").fill("12.00")
    page.get_by_role("button", name="Pay online").click()
    page.wait_for_url("**/_paysandbox/checkout**")
    with app.app_context():
        reference = db.session.scalars(select(Topup.reference)).one()
    page.goto(f"{live_server.url}/wallet/topup/{reference}")  # left the gateway unpaid
    expect(page.locator("#topup-status")).to_have_attribute("data-status", "pending")
    box = page.locator("#topup-cancel").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    with page.expect_response(lambda answer: "/status" in answer.url):
        page.mouse.down()  # held until the page has asked for news (2 s) ...
    page.wait_for_timeout(200)  # ... and put the answer in place
    page.mouse.up()
    expect(page.locator("#topup-status")).to_have_attribute("data-status", "cancelled")
