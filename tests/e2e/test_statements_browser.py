"""Real Chromium, English and Chinese: the monthly bill with its downloads, the billing profile
(refused, then saved), invoices and a fapiao request that finance staff issue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from storefront.accounts.models import Customer, StaffRole
from storefront.billing import services
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.stores.tenancy import store_context
from tests.browser import sign_in
from tests.builders import PASSWORD
from tests.statements.conftest import pdf_text
from tests.statements.helpers import USCC

PDF = b"%PDF-1.4\n% fapiao\n"


def _paid(app: Any, customer: Customer, owner: Any) -> None:
    with app.app_context():
        fresh = db.session.get(Customer, customer.id)
        assert fresh is not None
        with store_context(db.session.get(Store, fresh.store_id)):
            services.fund(fresh, "500.00", "wire", owner)
            services.debit(fresh, "120.00", "Renewal of web-1", f"renewal:e2e-{fresh.id}")
            db.session.commit()


def _login(page: Any, url: str, email: str, admin: bool = False) -> None:
    sign_in(page, url, email, PASSWORD, staff=admin)


def test_bill_profile_and_invoices_in_english(
    app: Any, live_server: Any, make_customer: Any, make_staff: Any, new_page: Any, shot: Any
) -> None:
    owner = make_staff(role=StaffRole.OWNER)
    customer = make_customer(name="Ann Lee")
    _paid(app, customer, owner)
    page = new_page()
    _login(page, live_server.url, customer.email)
    page.locator("#account-menu").click()
    page.get_by_role("link", name="Bills").click()
    page.wait_for_url("**/billing")
    assert page.locator("#closing").inner_text() == "CN¥380.00"
    assert page.locator("#top-ups").inner_text() == "CN¥500.00"
    assert "Renewal" in page.locator("#bill-lines").inner_text()
    shot(page, "bill-en")
    # a PDF takes seconds to render (the CJK font subset), more on a loaded machine
    with page.expect_download(timeout=60_000) as download:
        page.locator("#download-pdf").click(timeout=60_000)
    text = pdf_text(Path(download.value.path()).read_bytes())
    assert "Ann Lee" in text and "380.00" in text
    page.get_by_role("link", name="Invoices and fapiao").click()
    page.get_by_role("link", name="Billing profile").first.click()
    page.get_by_label("A company").check()
    page.get_by_label("Invoice title (your name or the company name)").fill("Blue Sky Ltd")
    page.get_by_label("Tax id (unified social credit code)").fill("91350100M000100Y44")
    page.get_by_role("button", name="Save").click()
    assert "not a valid unified social credit code" in page.locator("#tax_id-err").inner_text()
    shot(page, "profile-refused-en")
    page.get_by_label("Tax id (unified social credit code)").fill(USCC)
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Billing profile saved.")
    assert "Blue Sky Ltd" in page.locator("#profile-history").inner_text()
    page.goto(live_server.url + "/invoices")
    assert "CN¥120.00" in page.locator("#invoices").inner_text()
    page.get_by_label("Amount (CNY)").fill("120.00")
    page.get_by_role("button", name="Request a fapiao").click()
    page.wait_for_selector("text=Fapiao request")
    assert "waiting for the store" in page.locator("#fapiao-requests").inner_text()
    shot(page, "invoices-en")


def test_bill_and_fapiao_in_chinese(
    app: Any,
    live_server: Any,
    make_customer: Any,
    make_staff: Any,
    new_page: Any,
    shot: Any,
    tmp_path: Path,
) -> None:
    owner = make_staff(role=StaffRole.OWNER)
    finance = make_staff(role=StaffRole.FINANCE)
    customer = make_customer(name="王芳", locale="zh_Hans_CN")
    _paid(app, customer, owner)
    page = new_page(locale="zh-CN")
    _login(page, live_server.url, customer.email)
    page.goto(live_server.url + "/billing")
    assert page.locator("h1").inner_text().endswith("账单")
    assert "期末余额" in page.locator("#bill-summary").inner_text()
    shot(page, "bill-zh")
    page.goto(live_server.url + "/billing/profile")
    page.get_by_label("个人", exact=True).check()
    page.get_by_label("发票抬头（个人姓名或企业名称）").fill("王芳")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector("text=开票信息已保存。")
    page.goto(live_server.url + "/invoices")
    page.get_by_role("button", name="申请开票").click()
    page.wait_for_selector("#fapiao-requests")
    shot(page, "invoices-zh")
    staff_page = new_page(locale="zh-CN")
    _login(staff_page, live_server.url, finance.email, admin=True)
    staff_page.goto(live_server.url + "/staff/fapiao")
    pdf = tmp_path / "fapiao.pdf"
    pdf.write_bytes(PDF)
    staff_page.get_by_label("发票号码").fill("04400999")
    staff_page.get_by_label("发票 PDF").set_input_files(str(pdf))
    shot(staff_page, "fapiao-queue-zh")
    staff_page.get_by_role("button", name="开具").click()
    staff_page.wait_for_selector("text=已邮件通知客户")
    page.reload()
    assert "已开具" in page.locator("#fapiao-requests").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="04400999").click()
    assert Path(download.value.path()).read_bytes() == PDF
    shot(page, "invoices-issued-zh")
