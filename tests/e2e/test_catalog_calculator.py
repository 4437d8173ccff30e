"""Browser: the product page and the live calculator (htmx) in Chromium."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect


def test_product_page_and_calculator_update(
    live_server: Any, catalog: Any, new_page: Any, shot: Any
) -> None:
    page = new_page(locale="en-US")
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Browse products").click()
    page.get_by_role("link", name="Elastic Cloud Server").first.click()
    expect(page.locator("#spec-table").get_by_text("s6.large.2.linux")).to_be_visible()
    assert shot(page, "product-ecs").stat().st_size > 10_000

    page.goto(live_server.url + "/calculator?region=cn-north-4")
    monthly = page.locator('[data-price="monthly"]')
    first = monthly.inner_text()
    page.select_option("#ecs_spec", "s6.xlarge.2.linux")
    page.wait_for_function(
        "(before) => document.querySelector('[data-price=monthly]').innerText !== before", arg=first
    )
    assert monthly.inner_text() == "CN¥224.00"
    page.select_option("#years", "2")
    page.fill("#ecs_quantity", "3")  # typed: the cursor stays in the field
    page.wait_for_function(
        "() => document.querySelector('[data-price=monthly]').innerText === 'CN¥672.00'"
    )
    page.wait_for_function(
        "() => document.querySelector('[data-price=yearly]').innerText === 'CN¥13,440.00'"
    )
    assert "You save" in page.locator("#price-yearly").inner_text()
    shot(page, "calculator")
    # Straight from the field to "Get a quote", pressed as a person does (the button held for a
    # moment): leaving the field must not re-price the panel under the pressed button, which
    # would swallow the click (CI saw it once: no quote, the page stayed).
    button = page.locator("#price-yearly").get_by_role("button", name="Get a quote")
    box = button.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.wait_for_timeout(300)  # how long a press lasts: a re-pricing would land meanwhile
    page.mouse.up()
    page.wait_for_url("**/quotes/*")
    assert page.locator("#quote-total").inner_text() == "CN¥13,440.00"
    expect(page.get_by_role("link", name="Log in to buy")).to_be_visible()  # a visitor
    shot(page, "quote")
