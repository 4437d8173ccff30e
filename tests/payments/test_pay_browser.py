"""Real Chromium: a customer tops up with WeChat Pay (QR code, scanned at the emulator) and
with Alipay (the cashier page), the wallet shows the money once the gateway notified us."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser import sign_in
from tests.builders import PASSWORD


def _login(page: Any, url: str, email: str) -> None:
    sign_in(page, url, email, PASSWORD)


def test_wechat_qr_and_alipay_cashier(
    app: Any, gateways: Any, make_customer: Any, new_page: Any, shot: Any
) -> None:
    customer = make_customer(password=PASSWORD)
    page = new_page()
    _login(page, gateways.url, customer.email)
    page.goto(gateways.url + "/wallet")
    page.get_by_label("How much to top up (CNY)").fill("25.00")
    page.get_by_role("button", name="Pay with WeChat Pay").click()
    page.wait_for_url("**/wallet/topup/*/pay")
    expect(page.locator("#pay-qr svg")).to_have_count(1)  # the QR code to scan
    assert "25.00" in page.locator("#pay-amount").inner_text()
    shot(page, "wechat-qr")
    page.locator("#pay-emulated").click()  # what the phone opens after scanning
    assert "微信支付" in page.locator("#emulator-cashier").inner_text()
    page.get_by_role("button", name="Pay", exact=True).click()
    page.wait_for_selector("#emulator-paid")
    page.go_back()
    page.go_back()
    page.get_by_role("button", name="I have paid").click()
    page.wait_for_selector('#topup-status[data-status="paid"]', timeout=15_000)
    shot(page, "wechat-paid")

    page.goto(gateways.url + "/wallet")
    page.get_by_label("How much to top up (CNY)").fill("10.00")
    page.get_by_role("button", name="Pay with Alipay").click()
    page.wait_for_url("**/_alipay/scan/**")
    assert "¥10.00" in page.locator("#emulator-amount").inner_text()
    shot(page, "alipay-cashier")
    page.get_by_role("button", name="Pay", exact=True).click()
    page.wait_for_url("**/wallet/topup/**")
    page.wait_for_selector('#topup-status[data-status="paid"]', timeout=15_000)
    page.get_by_role("link", name="Back to the wallet").click()
    assert page.locator("#balance").inner_text() == "CN¥35.00"
    shot(page, "wallet-after")
