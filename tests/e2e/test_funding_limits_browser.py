"""Real Chromium: the owner sets funding limits; a funding over the limit is refused on the page;
above the threshold it waits until a second, different staff member approves it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from storefront.accounts.models import StaffRole
from storefront.billing import remittance, services
from storefront.extensions import db
from tests.browser import sign_in
from tests.builders import PASSWORD

SHOTS = Path("/tmp/sec-limits-shots")


def _staff_login(page: Any, url: str, email: str) -> None:
    sign_in(page, url, email, PASSWORD, staff=True)


def _keep(page: Any, shot: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    shot(page, name).replace(SHOTS / f"{name}.png")


def test_limits_and_the_second_approval_in_the_browser(
    app: Any, live_server: Any, make_customer: Any, make_staff: Any, new_page: Any, shot: Any
) -> None:
    owner = make_staff(role=StaffRole.OWNER)
    finance = make_staff(role=StaffRole.FINANCE)
    customer = make_customer()
    with app.app_context():
        remittance.update_billing_settings(owner, second_approval_threshold="1000.00")
        db.session.commit()
    page = new_page()
    _staff_login(page, live_server.url, owner.email)
    page.goto(live_server.url + "/staff/payments")
    page.get_by_label("At most per funding").fill("20000.00")
    page.get_by_label("At most per staff member per day").fill("30000.00")
    page.get_by_role("button", name="Save limits").click()
    page.wait_for_selector("text=Funding limits saved.")
    _keep(page, shot, "payment-settings-limits")

    funds = f"{live_server.url}/staff/customers/{customer.id}/funds"
    page.goto(funds)
    assert "20000.00 per funding" in page.locator("#funding-limits").inner_text()
    page.get_by_label("Amount (CNY)").fill("10000000000000")
    page.get_by_role("button", name="Apply").click()
    assert "over the store's limit of 20000.00" in page.locator("#fund-error").inner_text()
    _keep(page, shot, "funds-over-limit")
    page.get_by_label("Amount (CNY)").fill("5000.00")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_selector("text=waits for a second, different staff member")
    assert "5000.00" in page.locator("#pending-fundings").inner_text()
    assert owner.name in page.locator("#pending-fundings").inner_text()
    _keep(page, shot, "funds-pending")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_selector("text=a second, different staff member must approve it")
    with app.app_context():
        assert services.balance(customer) == 0

    other = new_page()
    _staff_login(other, live_server.url, finance.email)
    other.goto(funds)
    other.get_by_role("button", name="Approve").click()
    other.wait_for_selector("text=Funding approved")
    assert other.locator("#balance").inner_text().startswith("CN¥5,000.00")  # money per locale
    expect(other.locator("#pending-fundings")).to_have_count(0)
    _keep(other, shot, "funds-approved")


def test_too_many_files_get_a_page_that_says_so(
    live_server: Any, make_customer: Any, new_page: Any, shot: Any, tmp_path: Path
) -> None:
    customer = make_customer()
    files = []
    for i in range(6):
        path = tmp_path / f"page-{i}.png"
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
        files.append(str(path))
    page = new_page()
    page.goto(live_server.url + "/login")
    page.locator("#email").fill(customer.email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/account")
    page.goto(live_server.url + "/account/realname")
    assert "At most 5 files of 5 MB each." in page.content()
    page.get_by_label("Full name").fill("张三")
    # a passport goes by its images (a resident ID by bank card, without files)
    page.get_by_label("Identity document").select_option("passport")
    page.get_by_label("ID or document number").fill("E12345678")
    page.locator("input[type=file]").set_input_files(files)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_selector("text=That upload is too large")
    assert "Too many files: at most 5." in page.content()
    _keep(page, shot, "too-many-files")
