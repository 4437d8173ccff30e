"""Real Chromium: the bank-card real-name route (mainland resident ID), in English and Chinese:
"Send code" asks the provider (the sandbox) for the SMS code, the code read from the sandbox
completes the verification."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.accounts.helpers import PASSWORD, register
from tests.browser import sign_in

SHOTS = Path("/tmp/realname-shots")


def log_in(page: Any, url: str, email: str) -> None:
    sign_in(page, url, email, PASSWORD)


def mobile() -> str:
    return "139" + f"{secrets.randbelow(10**8):08d}"


def fill_bank_card(page: Any, sandbox: Any, number: str, *, send: str, submit: str) -> None:
    """Fill the bank-card route (labels by id: the same in every language) and submit it."""
    page.locator("#name").fill("张三")
    page.locator("#id_number").fill("11010519491231002X")
    page.locator("#bank_account").fill("6222 0202 0011 2233 445")
    page.locator("#mobile").fill(number)
    page.get_by_role("button", name=send).click()
    expect(page.locator("#mobile")).to_have_value(number)  # the form comes back filled
    page.locator("#verification_code").fill(sandbox.verification_code(number))
    page.get_by_role("button", name=submit).click()


def _keep(shot: Any, page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    shutil.copy(shot(page, name), SHOTS / f"{name}.png")


def test_bank_card_route_in_english(
    client: Any, live_server: Any, default_store: Any, new_page: Any, sandbox: Any, shot: Any
) -> None:
    body = register(client).get_json()
    page = new_page()
    log_in(page, live_server.url, body["email"])
    page.goto(live_server.url + "/account/realname")
    expect(page.get_by_label("Identity document")).to_have_value("resident_id")
    # Submitting without the bank card: the page names each missing field
    page.get_by_label("Full name").fill("张三")
    page.get_by_label("ID or document number").fill("11010519491231002X")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#bank_account-err")).to_be_visible()
    expect(page.locator("#mobile-err")).to_be_visible()
    expect(page.locator("#verification_code-err")).to_be_visible()
    _keep(shot, page, "realname-en-missing")
    number = mobile()
    fill_bank_card(page, sandbox, number, send="Send code", submit="Submit for review")
    expect(page.locator("#realname-status")).to_contain_text("verified")
    expect(page.locator("#realname-status")).to_contain_text("1101**********002X")
    assert "11010519491231002X" not in page.content()
    _keep(shot, page, "realname-en-verified")


def test_bank_card_route_in_chinese(
    client: Any, live_server: Any, default_store: Any, new_page: Any, sandbox: Any, shot: Any
) -> None:
    body = register(client).get_json()
    page = new_page(locale="zh-CN")
    log_in(page, live_server.url, body["email"])
    page.goto(live_server.url + "/account/realname")
    expect(page.locator("h1")).to_have_text("实名认证")
    expect(page.locator("#realname-bank-card h3")).to_have_text("中国大陆居民身份证：银行卡认证")
    page.locator("#mobile").fill("12345")
    page.get_by_role("button", name="发送验证码").click()
    expect(page.locator("#mobile-err")).to_contain_text("中国大陆手机号")
    _keep(shot, page, "realname-zh-form")
    fill_bank_card(page, sandbox, mobile(), send="发送验证码", submit="提交审核")
    expect(page.locator("#realname-status")).to_contain_text("已认证")
    _keep(shot, page, "realname-zh-verified")
