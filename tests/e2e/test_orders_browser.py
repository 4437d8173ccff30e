"""Browser: quote -> Buy -> checkout -> pay -> the order becomes active; a short wallet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from playwright.sync_api import expect

from storefront.accounts.models import Customer
from tests.accounts.helpers import PASSWORD
from tests.browser import sign_in
from tests.shop import EVS, drain, quote_total


def login(page: Any, url: str, customer: Customer) -> None:
    sign_in(page, url, customer.email, PASSWORD)


def test_buy_a_quote_in_the_browser(
    app: Flask, live_server: Any, new_page: Any, shot: Any, make_buyer: Callable[..., Customer],
    make_quote: Callable[..., str], give: Callable[[Customer, str], None],
) -> None:
    customer = make_buyer()
    quote_id = make_quote(customer, items=[{"product": "ecs", "spec": "s6.large.2.linux",
                                            "quantity": 1}, EVS])
    give(customer, str(quote_total(app, quote_id)))
    page = new_page(locale="en-US")
    login(page, live_server.url, customer)
    page.goto(f"{live_server.url}/quotes/{quote_id}")
    page.get_by_role("link", name="Buy").click()
    page.wait_for_url("**/checkout/*")
    shot(page, "checkout")
    page.get_by_role("button", name="Pay").click()
    page.wait_for_url("**/orders/*")
    assert page.locator("#order-status").get_attribute("data-status") == "paid"
    assert drain(app) >= 1  # the worker's job, run in-process
    page.reload()
    assert page.locator("#order-status").get_attribute("data-status") == "active"
    assert "Active" in page.locator("#timeline").inner_text()
    assert shot(page, "order-active").stat().st_size > 10_000
    page.goto(live_server.url + "/resources")
    expect(page.locator("#resources tbody tr")).to_have_count(2)
    shot(page, "resources")
    page.goto(live_server.url + "/orders")
    expect(page.locator("#orders tbody tr")).to_have_count(1)


def test_short_balance_shows_top_up(
    app: Flask, live_server: Any, new_page: Any, shot: Any, make_buyer: Callable[..., Customer],
    make_quote: Callable[..., str],
) -> None:
    customer = make_buyer()
    quote_id = make_quote(customer)
    page = new_page(locale="en-US")
    login(page, live_server.url, customer)
    page.goto(f"{live_server.url}/checkout/{quote_id}")
    assert page.get_by_role("button", name="Pay").is_disabled()  # says why before any click
    blocker = page.locator('[data-blocker="balance_short"]')
    assert "short by" in blocker.inner_text()
    assert "Top up" in blocker.inner_text()
    shot(page, "checkout-short")
    page.goto(live_server.url + "/orders")
    assert "No orders yet" in page.content()
