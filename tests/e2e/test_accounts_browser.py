"""Real Chromium: register (error and happy path), log in, submit real-name."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.sync_api import expect

from tests.accounts.helpers import PASSWORD
from tests.e2e.test_realname_browser import fill_bank_card, mobile


def test_register_login_and_realname(
    live_server: Any, default_store: Any, new_page: Any, shot: Any, sandbox: Any
) -> None:
    name = f"b{uuid.uuid4().hex[:12]}"
    email = f"{name}@example.com"
    page = new_page()
    page.goto(live_server.url + "/register")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#name").fill(name)
    page.get_by_role("button", name="Register").click()
    # error path: no consent ticked -> no account, the form says why
    expect(page.locator("#consent-error")).to_be_visible()
    expect(page.get_by_role("link", name="Cancel and return to the store")).to_be_visible()
    page.locator("#password").fill(PASSWORD)
    page.locator("#accept_terms").check()
    page.locator("#consent_personal_info").check()
    shot(page, "register-filled")
    page.get_by_role("button", name="Register").click()
    page.wait_for_url("**/account")
    assert page.locator("#provider-link").inner_text().strip() == "linked"
    shot(page, "account")

    page.goto(live_server.url + "/logout")
    page.get_by_role("button", name="Log out").click()
    page.goto(live_server.url + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/account")

    page.goto(live_server.url + "/account/realname")
    fill_bank_card(page, sandbox, mobile(), send="Send code", submit="Submit for review")
    assert "1101**********002X" in page.locator("#realname-status").inner_text()
    assert "11010519491231002X" not in page.content()
    shot(page, "realname")
