"""Real Chromium, English and Chinese: register with a Chinese name and a mainland mobile, the
SMS code from the register page's "Send code" button; the account page shows the name and the
account name the provider generated."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.accounts.helpers import PASSWORD

TEXTS = {
    "en-US": {"sent": "We sent a verification code", "name": "Cloud account name"},
    "zh-CN": {"sent": "验证码已发送", "name": "云账号名"},
}


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_register_with_a_chinese_name_and_a_mobile_code(
    live_server: Any, default_store: Any, sandbox: Any, new_page: Any, shot: Any, locale: str
) -> None:
    texts = TEXTS[locale]
    mobile = "137" + f"{uuid.uuid4().int % 10**8:08d}"
    email = f"b{uuid.uuid4().hex[:10]}@example.com"
    page = new_page(locale=locale)
    page.goto(live_server.url + "/register")
    page.locator("#email").fill(email)
    page.locator("#name").fill("张三")
    page.locator("#phone").fill(mobile)
    shot(page, f"register-{locale}")

    # Registering without the code: the code field says what is missing
    page.locator("#password").fill(PASSWORD)
    page.locator("#accept_terms").check()
    page.locator("#consent_personal_info").check()
    page.locator("button.btn-primary[type=submit]").click()
    expect(page.locator("#verification_code-err")).to_be_visible()

    page.locator("#send-code").click()
    assert texts["sent"] in page.locator("main").inner_text()
    # what was typed is still there
    expect(page.locator("#email")).to_have_value(email)
    expect(page.locator("#name")).to_have_value("张三")
    expect(page.locator("#phone")).to_have_value(mobile)
    page.locator("#verification_code").fill(sandbox.verification_code(mobile))
    page.locator("#password").fill(PASSWORD)
    page.locator("#accept_terms").check()
    page.locator("#consent_personal_info").check()
    shot(page, f"register-code-{locale}")
    page.locator("#password").press("Enter")  # Enter registers (not "Send code")
    page.wait_for_url("**/account")

    assert page.locator("#display-name").inner_text().strip() == "张三"
    account_name = page.locator("#account-name").inner_text().strip()
    assert re.fullmatch(r"[a-zA-Z_-][a-zA-Z0-9_-]{4,31}", account_name), account_name
    assert texts["name"] in page.locator("#profile").inner_text()
    at_provider = {a["name"]: a for a in sandbox.inspect()["sub_customers"]}
    assert at_provider[account_name]["mobile"] == mobile
    shot(page, f"account-{locale}")
