"""Real Chromium: customer search, freeze with confirmation, a branding change on the store."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from storefront.accounts.models import StaffRole
from tests.browser import sign_in
from tests.builders import PASSWORD


def _login(page: Any, url: str, email: str) -> None:
    sign_in(page, url, email, PASSWORD, staff=True)


def test_search_and_freeze_with_confirmation(
    live_server: Any, make_staff: Any, make_customer: Any, new_page: Any, shot: Any
) -> None:
    make_customer(email="zhang.wei@example.com", name="zhangwei")
    make_customer(email="li.na@example.com", name="lina")
    staff = make_staff(role=StaffRole.SUPPORT)
    page = new_page()
    _login(page, live_server.url, staff.email)
    page.goto(live_server.url + "/admin/customers")
    page.locator("#q").fill("zhang")
    page.get_by_role("button", name="Search").click()
    # each search loads a new page: wait for its answer, not for a fixed time
    rows = page.locator("#customer-results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("zhang.wei@example.com")
    page.get_by_label("Registered until").fill("2020-01-01")  # nobody registered that early
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#customer-results")).to_have_count(0)
    page.get_by_label("Registered until").fill("")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#customer-results tbody tr")).to_have_count(1)
    shot(page, "search")
    page.get_by_role("link", name="zhang.wei@example.com").click()
    page.get_by_label("Reason").first.fill("Suspected fraud, ticket 99")
    dialogs: list[str] = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with page.expect_event("dialog"):  # the confirm arrives after the click returns
        page.get_by_role("button", name="Freeze").click()
    assert dialogs == ["Freeze this customer now?"]
    expect(page.locator("#frozen-badge")).to_have_count(0)  # dismissed: nothing happened
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Freeze").click()
    page.wait_for_selector("#frozen-badge")
    assert "Suspected fraud, ticket 99" in page.content()
    shot(page, "frozen")


def test_branding_change_is_visible_on_the_storefront(
    live_server: Any, make_staff: Any, new_page: Any, shot: Any
) -> None:
    owner = make_staff(role=StaffRole.OWNER)
    page = new_page()
    _login(page, live_server.url, owner.email)
    page.goto(live_server.url + "/admin/branding")
    page.locator("#b-name").fill("Blue Sky Cloud")
    page.locator("#b-primary_color").fill("#ffee00")
    assert "too low" in page.locator("#contrast-result").inner_text()  # live WCAG check
    page.locator("#b-primary_color").fill("#0b5394")
    assert "passes" in page.locator("#contrast-result").inner_text()
    assert page.locator("#preview-nav").inner_text() == "Blue Sky Cloud"
    page.locator("#b-footer_text").fill("{{ store.name }} · support 24/7")
    shot(page, "branding-form")
    page.get_by_role("button", name="Save branding").click()
    page.wait_for_load_state()
    page.goto(live_server.url + "/")
    assert page.locator(".navbar-brand").inner_text().strip() == "Blue Sky Cloud"
    assert page.locator("#store-footer").inner_text() == "Blue Sky Cloud · support 24/7"
    colour = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--sf-primary').trim()"
    )
    assert colour == "#0b5394"
    path = shot(page, "storefront-branded")
    print(path)


def test_partner_center_step_after_an_association_switch(
    app: Any, live_server: Any, make_staff: Any, make_customer: Any, new_page: Any, shot: Any
) -> None:
    from storefront.accounts.models import Customer, Staff
    from storefront.backoffice import association
    from storefront.extensions import db

    owner = make_staff(role=StaffRole.OWNER, name="Olga Owner")
    customer = make_customer(email="leaver@example.com")
    with app.test_request_context():
        association.switch_association(
            db.session.get(Staff, owner.id), db.session.get(Customer, customer.id), "moving on"
        )
        db.session.commit()
    page = new_page()
    _login(page, live_server.url, owner.email)
    page.goto(live_server.url + "/admin/settlements")
    assert "Huawei Cloud has no partner API" in page.locator("#partner-center-note").inner_text()
    page.get_by_role("link", name="Partner Center to do").click()
    cell = page.locator('[data-partner-center="todo"]')
    expect(cell).to_have_count(1)
    expect(cell.get_by_label("By (who did it)")).to_have_value("Olga Owner")
    cell.get_by_label("By (who did it)").fill("Li Wei")
    cell.get_by_label("Note (optional)").fill("customer confirmed in My Partner")
    shot(page, "partner-center-todo")
    cell.get_by_role("button", name="Record Partner Center step").click()
    page.wait_for_load_state()
    done = page.locator('[data-partner-center="done"]')
    assert "Disassociated in Partner Center on" in done.inner_text()
    assert "by Li Wei" in done.inner_text()
    shot(page, "partner-center-done")
