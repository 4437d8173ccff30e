"""Browser: a visitor's quote, bought after logging in; the checkout page names what stands
in the way (English and Chinese); the calculator refuses a wrong quantity at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from storefront.accounts.models import Customer, RealnameStatus
from tests.accounts.helpers import PASSWORD


def quote_as_visitor(page: Any, url: str) -> None:
    page.goto(url + "/calculator?region=cn-north-4")
    page.locator("#price-monthly").get_by_role("button", name="Get a quote").click()
    page.wait_for_url("**/quotes/*")


def test_visitor_quote_then_login_shows_blockers_and_pay_waits(
    app: Flask,
    live_server: Any,
    new_page: Any,
    shot: Any,
    make_buyer: Callable[..., Customer],
) -> None:
    customer = make_buyer(realname_status=RealnameStatus.UNVERIFIED)  # and an empty wallet
    page = new_page(locale="en-US")
    quote_as_visitor(page, live_server.url)
    label = page.locator("#quote-label").inner_text()
    assert "ECS" in label
    page.get_by_role("link", name="Log in to buy").click()
    page.locator("#email").fill(customer.email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/checkout/*")  # the quote is the customer's now: no 404
    checkout = page.url
    blockers = page.locator("#checkout-blockers li")
    assert [b.get_attribute("data-blocker") for b in blockers.all()] == [
        "realname_required",
        "balance_short",
    ]
    expect(page.get_by_role("link", name="Verify your identity")).to_be_visible()
    top_up = page.locator("#topup-link")
    assert top_up.inner_text().startswith("Top up CN¥")
    assert page.locator("#pay").is_disabled()
    assert shot(page, "checkout-blockers-en").stat().st_size > 10_000
    top_up.click()
    page.wait_for_url("**/wallet?amount=*")
    expect(page.locator("#topup-amount")).not_to_have_value("")

    zh = new_page(locale="zh-CN")
    zh.goto(checkout)  # -> the login page, back here after
    zh.locator("#email").fill(customer.email)
    zh.locator("#password").fill(PASSWORD)
    zh.locator("main form button[type=submit]").click()
    zh.wait_for_url("**/checkout/*")
    text = zh.locator("#checkout-blockers").inner_text()
    assert "付款前请先完成" in text and "进行实名认证" in text and "充值 ¥" in text
    assert zh.locator("#pay").is_disabled()
    assert "华北-北京四" in zh.content()
    assert shot(zh, "checkout-blockers-zh").stat().st_size > 10_000


def test_calculator_shows_the_error_and_no_stale_price(
    live_server: Any, catalog: Any, new_page: Any, shot: Any
) -> None:
    for locale, message in (("en-US", "must be from 1 to 500"), ("zh-CN", "须在 1 到 500 之间")):
        page = new_page(locale=locale)
        page.goto(live_server.url + "/calculator?region=cn-north-4")
        expect(page.locator('[data-price="monthly"]')).to_be_visible()
        page.fill("#ecs_quantity", "0")
        page.wait_for_function(
            "() => !document.querySelector('[data-price=monthly]')", timeout=5_000
        )
        assert message in page.locator("#price-panel").inner_text()
        shot(page, f"calculator-invalid-{locale}")
        page.fill("#ecs_quantity", "2")
        page.wait_for_selector('[data-price="monthly"]')
        assert "¥" in page.locator('[data-price="monthly"]').inner_text()
