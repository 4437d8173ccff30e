"""Browser: after the first page, the layout's stylesheets and scripts come from the browser's
cache, without a request to the server, and the page is still styled and scripted."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from playwright.sync_api import expect


def _static_requests(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Stylesheets and scripts asked of the server (Chromium revalidates a page's icon
    whatever its caching, so the favicon is not counted)."""
    lines = (r.getMessage() for r in caplog.records)
    return [line for line in lines if "GET /static/" in line and "favicon" not in line]


def test_the_second_page_asks_the_server_for_no_stylesheet_or_script(
    live_server: Any, catalog: Any, new_page: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="werkzeug")  # the live server logs each request
    page = new_page(locale="en-US")
    page.goto(live_server.url + "/products")
    first = _static_requests(caplog)
    assert any("/static/css/storefront.css?v=" in line for line in first)
    assert any("/static/vendor/htmx/htmx.min.js?v=" in line for line in first)

    caplog.clear()
    page.get_by_role("link", name="Price calculator").first.click()
    page.wait_for_url("**/calculator")
    expect(page.locator("nav.navbar")).to_have_css("display", "flex")  # Bootstrap's CSS
    assert page.evaluate("typeof htmx !== 'undefined' && typeof bootstrap !== 'undefined'")
    assert any("GET /calculator" in r.getMessage() for r in caplog.records)
    assert _static_requests(caplog) == []
