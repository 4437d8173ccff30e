"""The distributor's reseller page in Chromium, in Chinese: a bad amount is refused next to its
field; an allocation whose provider answer is lost shows as pending until the reconcile."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from storefront.accounts.models import StaffRole
from tests.builders import PASSWORD


@pytest.fixture
def app(make_app: Any, _migrated: None) -> Any:
    from tests.conftest import _empty_tables, dispose

    application: Flask = make_app(STOREFRONT_PLATFORM_MODE="distributor")
    with application.app_context():
        _empty_tables()
    yield application
    dispose(application)


def test_reseller_page_field_errors_and_pending_in_chinese(
    app: Flask,
    live_server: Any,
    make_staff: Any,
    new_page: Any,
    shot: Any,
    sandbox: Any,
    reseller: Any,
) -> None:
    finance = make_staff(role=StaffRole.FINANCE)
    page = new_page(locale="zh-CN")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(live_server.url + "/admin/login")
    page.locator("#email").fill(finance.email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/admin/partners/resellers/{reseller.id}")

    page.locator("#amount").fill("12.345")
    page.locator("#reason").fill("开业预算")
    page.locator("#funds-form button").click()
    page.wait_for_load_state()
    assert page.locator("#amount-err").inner_text() == "请输入大于零、最多两位小数的金额。"
    shot(page, "funds-field-error-zh")

    sandbox.set_faults(fault_rate=1.0, mode="lose")
    try:
        page.locator("#amount").fill("30.00")
        page.locator("#funds-form button").click()
        page.wait_for_load_state()
    finally:
        sandbox.clear_faults()
    assert "待确认" in page.locator("#allocation-requests").inner_text()
    assert "30.00" in page.locator("#allocation-requests").inner_text()
    path: Path = shot(page, "funds-pending-zh")
    assert path.exists()

    from storefront.partners.services import reconcile_allocations

    with app.app_context():
        assert len(reconcile_allocations(older_than=timedelta(0)).confirmed) == 1
    page.reload()
    assert page.locator("#allocated-total").inner_text().strip() == "30.00"
    expect(page.locator("#allocation-requests")).to_have_count(0)
    shot(page, "funds-confirmed-zh")
