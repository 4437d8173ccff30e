"""Real Chromium: a domain pointed at the server but configured for no store gets the small
"Unknown site" page (in the browser's language), never another store's pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser import ARGS, CHROMIUM


def test_an_unconfigured_domain_shows_the_unknown_site_page(
    live_server: Any, browser: Any, default_store: Any, tmp_path: Path
) -> None:
    own = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*ARGS, "--host-resolver-rules=MAP *.example 127.0.0.1"],
    )
    try:
        for locale, title in (("en-US", "Unknown site"), ("zh-CN", "未知站点")):
            page = own.new_context(locale=locale).new_page()
            answer = page.goto(f"http://not-configured.example:{live_server.port}/login")
            assert answer is not None and answer.status == 400
            assert page.locator("h1").inner_text() == title
            assert default_store.name not in page.content()
            page.screenshot(path=str(tmp_path / f"unknown-host-{locale}.png"), full_page=True)
        # the real host still serves the store
        page = own.new_context(locale="en-US").new_page()
        answer = page.goto(f"{live_server.url}/login")
        assert answer is not None and answer.status == 200
    finally:
        own.close()
