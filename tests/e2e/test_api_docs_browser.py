"""Real Chromium: the API reference at /api/docs, rendered from the OpenAPI document offline."""

from __future__ import annotations

from typing import Any


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
    assert page.get_by_role("heading", name="Storefront JSON API").is_visible()
    page.get_by_role("link", name="POST /api/v1/orders").first.click()
    card = page.locator("#create_order")
    assert "customer token" in card.inner_text() and "quote_id" in card.inner_text()
    shot(page, "orders")
    assert outside == []
