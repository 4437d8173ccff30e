"""Browser smoke test: the branded home page in English and Chinese."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect


def test_home_page_in_english_and_chinese(
    live_server: Any, default_store: Any, new_page: Any, shot: Any
) -> None:
    page = new_page(locale="en-US")
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name="Elastic Cloud Server (ECS)")).to_be_visible()
    assert default_store.name in page.title()
    assert shot(page, "home-en").stat().st_size > 10_000

    zh = new_page(locale="zh-CN")
    zh.goto(live_server.url + "/")
    expect(zh.get_by_text("弹性云服务器").first).to_be_visible()
    shot(zh, "home-zh")

    # the language menu switches and remembers the choice
    zh.locator("#lang-menu").click()
    zh.get_by_role("link", name="English").click()
    expect(zh.get_by_text("Elastic Cloud Server").first).to_be_visible()
    zh.reload()
    expect(zh.get_by_text("Elastic Cloud Server").first).to_be_visible()
