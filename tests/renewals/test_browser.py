"""Browser (Playwright + Chromium): a customer renews a monthly server (the price and the new
expiry shown before paying, the wallet's payment confirmed) and then unsubscribes it (the
refund shown first, the release confirmed), once in English and once in Chinese."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from storefront.accounts.models import Customer
from tests.accounts.helpers import PASSWORD
from tests.browser import sign_in

WORDS = {
    "en-US": {
        "renew": "Renew", "show": "Show the price", "term": "2 month(s)",
        "renewed": "Renewed. It now expires on", "unsubscribe": "Unsubscribe",
        "gone": "Unsubscribed.", "login": "Log in", "days": "days left",
    },
    "zh-CN": {
        "renew": "续费", "show": "显示价格", "term": "2 个月",
        "renewed": "已续费。现在的到期时间为", "unsubscribe": "退订",
        "gone": "已退订。", "login": "登录", "days": "剩余",
    },
}  # fmt: skip


def _login(page: Any, url: str, customer: Customer) -> None:
    sign_in(page, url, customer.email, PASSWORD)


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_renew_then_unsubscribe_in_the_browser(
    app: Flask, live_server: Any, new_page: Any, shot: Any, locale: str,
    buyer: Customer, bought: Callable[..., list[dict[str, Any]]],
) -> None:  # fmt: skip
    words = WORDS[locale]
    [server] = bought(buyer)
    page = new_page(locale=locale)
    _login(page, live_server.url, buyer)
    page.goto(live_server.url + "/resources")
    assert words["days"] in page.locator("#resources").inner_text()
    page.goto(f"{live_server.url}/resources/{server['id']}")
    panel = page.locator("#renewal-panel")
    expect(panel).to_be_visible()
    before = page.locator("#renewal-expires time").get_attribute("datetime")
    page.locator("#renew-button").click()
    page.locator("#term").select_option(label=words["term"])
    page.get_by_role("button", name=words["show"]).click()
    amount = page.locator("#renew-amount").inner_text()
    assert amount and page.locator("#renew-new-expiry").inner_text() not in ("", "—")
    shot(page, f"renew-price-{locale}")
    page.once("dialog", lambda d: d.accept())
    page.locator("#renew-pay").click()
    page.wait_for_url(f"**/resources/{server['id']}")
    assert words["renewed"] in page.content()
    after = page.locator("#renewal-expires time").get_attribute("datetime")
    assert before and after and after > before
    shot(page, f"renewed-{locale}")

    page.locator("#unsubscribe-button").click()
    refund = page.locator("#unsubscribe-refund").inner_text()
    assert refund
    shot(page, f"unsubscribe-confirm-{locale}")
    page.once("dialog", lambda d: d.accept())
    page.locator("#unsubscribe-confirm").click()
    page.wait_for_url(f"**/resources/{server['id']}")
    assert words["gone"] in page.content()
    assert page.locator("#renewal-unsubscribed").get_attribute("data-status") == "done"
    expect(page.locator("#renew-button")).to_have_count(0)
    shot(page, f"unsubscribed-{locale}")
