"""Real Chromium: the operator freezes the store -> the customer still signs in and sees the
banner and their resources, "Open in console" answers with the branded store-frozen page;
unfrozen, the banner is gone."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.accounts.helpers import PASSWORD


def test_frozen_store_in_the_browser(
    app: Any, live_server: Any, default_store: Any, linked: Any, make_resource: Any,
    new_page: Any, shot: Any,
) -> None:
    server = make_resource(linked)
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["storefront", "store-freeze", default_store.slug, "--reason", "audit pending"]
    )
    assert result.exit_code == 0, result.output
    page = new_page()
    page.goto(live_server.url + "/login")
    page.locator("#email").fill(linked.email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    page.goto(live_server.url + "/resources")
    banner = page.locator("#store-frozen-banner")
    assert "not taking orders" in banner.inner_text()
    assert "audit pending" not in banner.inner_text()
    assert "web-1" in page.locator("#resources").inner_text()
    shot(page, "resources-frozen")
    page.locator(f'[data-console-open="{server.id}"]').click()
    page.wait_for_selector("#console-refused")
    assert page.locator("#console-refused").get_attribute("data-status") == "403"
    assert "frozen" in page.locator("#console-refused-message").inner_text()
    assert default_store.name in page.title()
    shot(page, "console-refused")
    # zh-CN: the banner is translated
    zh = new_page(locale="zh-CN")
    zh.goto(live_server.url + "/")
    assert "暂停" in zh.locator("#store-frozen-banner").inner_text()
    shot(zh, "home-zh")
    result = runner.invoke(args=["storefront", "store-unfreeze", default_store.slug])
    assert result.exit_code == 0, result.output
    page.goto(live_server.url + "/resources")
    expect(page.locator("#store-frozen-banner")).to_have_count(0)
