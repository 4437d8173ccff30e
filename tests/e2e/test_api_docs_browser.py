"""Real Chromium: the API reference at /api/docs, rendered from the OpenAPI document offline."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect


def test_the_reference_renders_without_the_network(
    live_server: Any, default_store: Any, new_page: Any, shot: Any
) -> None:
    page = new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    page.goto(live_server.url + "/api/docs")
    expect(page.get_by_role("heading", name="Storefront JSON API")).to_be_visible()
    page.get_by_role("link", name="POST /api/v1/orders").first.click()
    card = page.locator("#create_order")
    expect(card).to_contain_text("customer token")
    expect(card).to_contain_text("quote_id")
    card.scroll_into_view_if_needed()
    shot(page, "orders", whole=False)  # the card in view: the whole reference is very long
    assert outside == []
