"""Real Chromium over every account page: a happy path and an error path each, and zh-CN headings.

Register, log in and real-name are in test_accounts_browser.py.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
from playwright.sync_api import expect

from storefront.accounts.models import Customer, CustomerStatus
from storefront.clock import utcnow as now
from storefront.extensions import db
from tests.accounts.helpers import PASSWORD, mail_link, register, run_jobs
from tests.e2e.test_realname_browser import fill_bank_card, mobile

NEW_PASSWORD = "n3w-passw0rd-ok"


def log_in(page: Any, url: str, email: str, password: str = PASSWORD, path: str = "/login") -> None:
    page.goto(url + path)
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("main form button[type=submit]").click()


def alert(page: Any) -> str:
    return str(page.get_by_role("alert").first.inner_text())


def test_verify_email_link_and_tampered_link(
    app: Any, client: Any, live_server: Any, default_store: Any, mail_dir: Any, new_page: Any
) -> None:
    body = register(client).get_json()
    run_jobs(app)
    token = mail_link(mail_dir, "/verify-email/")

    zh = new_page(locale="zh-CN")
    resp = zh.goto(f"{live_server.url}/verify-email/{token[:-3]}abc")
    assert resp.status == 400
    expect(zh.locator("h1")).to_have_text("此链接无效或已过期")

    page = new_page()
    resp = page.goto(f"{live_server.url}/verify-email/{token[:-3]}abc")
    assert resp.status == 400
    expect(page.locator("h1")).to_have_text("This link is invalid or has expired")
    page.goto(f"{live_server.url}/verify-email/{token}")
    expect(page.locator("h1")).to_have_text("Your email address is confirmed")
    with app.app_context():
        customer = db.session.scalar(db.select(Customer).where(Customer.email == body["email"]))
        assert customer.status == CustomerStatus.ACTIVE
        assert customer.email_verified_at is not None


def test_logout(live_server: Any, make_customer: Any, new_page: Any) -> None:
    customer = make_customer(password=PASSWORD)
    page = new_page()
    # error path: logging out while logged out just goes home
    page.goto(live_server.url + "/logout")
    expect(page.locator("form button", has_text="Log out")).to_have_count(0)
    log_in(page, live_server.url, customer.email)
    page.wait_for_url("**/account")
    page.goto(live_server.url + "/logout")
    expect(page.locator("h1")).to_have_text("Log out?")
    page.locator("main form button[type=submit]").click()
    assert "You are logged out." in alert(page)
    page.goto(live_server.url + "/account")
    assert "/login" in page.url

    zh = new_page(locale="zh-CN")
    log_in(zh, live_server.url, customer.email)
    zh.wait_for_url("**/account")
    zh.goto(live_server.url + "/logout")
    expect(zh.locator("h1")).to_have_text("要退出登录吗？")


def test_forgot_and_reset_password(
    app: Any, live_server: Any, make_customer: Any, mail_dir: Any, new_page: Any
) -> None:
    customer = make_customer(password=PASSWORD)
    zh = new_page(locale="zh-CN")
    zh.goto(live_server.url + "/forgot-password")
    expect(zh.locator("h1")).to_have_text("重置密码")

    page = new_page()
    page.goto(live_server.url + "/forgot-password")
    page.locator("#email").fill(customer.email)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/login")
    assert "we sent it a link" in alert(page)
    run_jobs(app)
    token = mail_link(mail_dir, "/reset-password/")

    page.goto(f"{live_server.url}/reset-password/{token}")
    expect(page.locator("h1")).to_have_text("Choose a new password")
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/login")
    assert "Your password is changed" in alert(page)
    log_in(page, live_server.url, customer.email, NEW_PASSWORD)
    page.wait_for_url("**/account")

    # error path: the link works once
    other = new_page()
    other.goto(f"{live_server.url}/reset-password/{token}")
    other.locator("#password").fill("an0ther-passw0rd")
    other.locator("main form button[type=submit]").click()
    other.wait_for_url("**/forgot-password")
    assert "This link is invalid or has expired." in alert(other)


def test_change_email_resets_verification(
    app: Any, live_server: Any, make_customer: Any, mail_dir: Any, new_page: Any
) -> None:
    customer = make_customer(password=PASSWORD, email_verified_at=now())
    page = new_page()
    log_in(page, live_server.url, customer.email)
    page.wait_for_url("**/account")
    expect(page.locator("#profile .badge").first).to_have_text("confirmed")

    page.locator("#email-email").fill("not-an-email")
    page.locator("#email-password").fill(PASSWORD)
    page.get_by_role("button", name="Change email").click()
    assert "New email:" in alert(page)  # form errors are shown, not dropped

    page.locator("#email-email").fill("changed@example.com")
    page.locator("#email-password").fill("wrong-passw0rd")
    page.get_by_role("button", name="Change email").click()
    assert "The password is wrong." in alert(page)
    expect(page.locator("#profile")).to_contain_text(customer.email)

    page.locator("#email-email").fill("changed@example.com")
    page.locator("#email-password").fill(PASSWORD)
    page.get_by_role("button", name="Change email").click()
    assert "Please confirm the new address" in alert(page)
    expect(page.locator("#profile")).to_contain_text("changed@example.com")
    expect(page.locator("#profile .badge").first).to_have_text("not confirmed")
    run_jobs(app)
    assert mail_link(mail_dir, "/verify-email/")

    zh = new_page(locale="zh-CN")
    log_in(zh, live_server.url, "changed@example.com")
    zh.wait_for_url("**/account")
    expect(zh.locator("h1")).to_have_text("您的账号")


def test_change_password(live_server: Any, make_customer: Any, new_page: Any) -> None:
    customer = make_customer(password=PASSWORD)
    page = new_page()
    log_in(page, live_server.url, customer.email)
    page.wait_for_url("**/account")
    page.locator("#pw-current_password").fill("wrong-passw0rd")
    page.locator("#pw-password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    assert "The current password is wrong." in alert(page)

    page.locator("#pw-current_password").fill(PASSWORD)
    page.locator("#pw-password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    assert "Password changed." in alert(page)
    page.goto(live_server.url + "/account")  # this session survives
    expect(page.locator("h1")).to_have_text("Your account")

    fresh = new_page()
    log_in(fresh, live_server.url, customer.email, PASSWORD)
    assert "The email or password is wrong." in alert(fresh)
    log_in(fresh, live_server.url, customer.email, NEW_PASSWORD)
    fresh.wait_for_url("**/account")


def test_two_factor_enrol_then_login_needs_code(
    live_server: Any, make_customer: Any, new_page: Any
) -> None:
    customer = make_customer(password=PASSWORD)
    zh = new_page(locale="zh-CN")
    log_in(zh, live_server.url, customer.email)
    zh.wait_for_url("**/account")
    zh.goto(live_server.url + "/account/2fa")
    expect(zh.locator("h1")).to_have_text("设置双因素认证")

    page = new_page()
    log_in(page, live_server.url, customer.email)
    page.wait_for_url("**/account")
    page.get_by_role("link", name="Set up").click()
    page.wait_for_url("**/account/2fa")
    secret = page.locator("#totp-secret").inner_text().strip()
    totp = pyotp.TOTP(secret)
    wrong = "000000" if totp.now() != "000000" else "111111"
    page.locator("#code").fill(wrong)
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("#code-err")).to_contain_text("The code is wrong")
    assert page.locator("#totp-secret").inner_text().strip() == secret  # same secret kept

    page.locator("#code").fill(totp.now())
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("h1")).to_have_text("Two-factor authentication is on")
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) >= 5 and all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{8}", c) for c in codes)

    other = new_page()
    log_in(other, live_server.url, customer.email)
    other.wait_for_url("**/login/2fa")
    other.locator("#code").fill(wrong)
    other.get_by_role("button", name="Continue").click()
    expect(other.locator("#code-err")).to_contain_text("wrong or was already used")
    other.locator("#code").fill(totp.at(time.time() + totp.interval))  # next step: not a replay
    other.get_by_role("button", name="Continue").click()
    other.wait_for_url("**/account")
    expect(other.locator("#security")).to_contain_text(f"{len(codes)} recovery codes left")


def test_api_token_create_and_revoke(live_server: Any, make_customer: Any, new_page: Any) -> None:
    customer = make_customer(password=PASSWORD)
    page = new_page()
    log_in(page, live_server.url, customer.email)
    page.wait_for_url("**/account")
    page.get_by_label("Token name").fill("ci-deploy")
    page.get_by_role("button", name="Create token").click()
    raw = page.locator("#new-token").inner_text().strip()
    assert raw.startswith("sf_")
    bearer = {"Authorization": f"Bearer {raw}"}
    api = page.request.get(f"{live_server.url}/api/v1/me", headers=bearer)
    assert api.status == 200
    row = page.locator("#tokens tbody tr", has_text="ci-deploy")
    expect(row).to_have_count(1)

    page.once("dialog", lambda d: d.dismiss())  # error path: cancelled -> nothing revoked
    row.get_by_role("button", name="Revoke").click()
    page.reload()
    expect(page.locator("#tokens tbody tr", has_text="ci-deploy")).to_have_count(1)
    expect(page.locator("#new-token")).to_have_count(0)  # shown once

    messages: list[str] = []
    page.once("dialog", lambda d: (messages.append(d.message), d.accept()))
    page.locator("#tokens tbody tr", has_text="ci-deploy").get_by_role("button").click()
    assert "Token revoked." in alert(page)
    assert messages and "Revoke this token?" in messages[0]
    expect(page.locator("#tokens")).to_contain_text("No tokens.")
    api = page.request.get(f"{live_server.url}/api/v1/me", headers=bearer)
    assert api.status == 401


def test_log_out_everywhere(live_server: Any, make_customer: Any, new_page: Any) -> None:
    customer = make_customer(password=PASSWORD)
    first, second = new_page(), new_page()
    for page in (first, second):
        log_in(page, live_server.url, customer.email)
        page.wait_for_url("**/account")

    first.once("dialog", lambda d: d.dismiss())  # cancelled: still logged in
    first.get_by_role("button", name="Log out everywhere").click()
    first.reload()
    expect(first.locator("h1")).to_have_text("Your account")

    first.once("dialog", lambda d: d.accept())
    first.get_by_role("button", name="Log out everywhere").click()
    first.wait_for_url("**/login")
    assert "You are logged out on every device." in alert(first)
    second.goto(live_server.url + "/account")
    assert "/login" in second.url


def test_staff_login(live_server: Any, make_staff: Any, new_page: Any) -> None:
    staff = make_staff(password=PASSWORD)
    zh = new_page(locale="zh-CN")
    zh.goto(live_server.url + "/admin/login")
    expect(zh.locator("h1")).to_have_text("员工登录")

    page = new_page()
    log_in(page, live_server.url, staff.email, "wrong-passw0rd", path="/admin/login")
    assert "The email or password is wrong." in alert(page)
    expect(page.locator("h1")).to_have_text("Staff log in")
    log_in(page, live_server.url, staff.email, path="/admin/login")
    page.wait_for_url("**/admin/")  # staff land on the back-office dashboard (issue 19)
    expect(page.locator("h1")).to_have_text("Dashboard")


def test_verified_individual_switches_to_enterprise(
    client: Any, live_server: Any, default_store: Any, new_page: Any, sandbox: Any
) -> None:
    body = register(client).get_json()
    page = new_page()
    log_in(page, live_server.url, body["email"])
    page.wait_for_url("**/account")
    page.goto(live_server.url + "/account/realname")
    fill_bank_card(page, sandbox, mobile(), send="Send code", submit="Submit for review")
    expect(page.locator("#realname-status")).to_contain_text("1101**********002X")

    zh = new_page(locale="zh-CN")
    log_in(zh, live_server.url, body["email"])
    zh.wait_for_url("**/account")
    zh.goto(live_server.url + "/account/realname")
    expect(zh.locator("main h2").first).to_have_text("切换为企业账号")

    page.reload()
    expect(page.get_by_role("heading", name="Switch to an enterprise account")).to_be_visible()
    expect(page.get_by_label("Full name")).to_have_count(0)
    page.get_by_label("Company name").fill("Acme Ltd")
    page.get_by_label("Unified social credit code").fill("91350100M000100Y44")
    page.get_by_label("Legal person").fill("李四")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#credit_code-err")).to_be_visible()  # wrong check character
    page.get_by_label("Unified social credit code").fill("91350100M000100Y43")
    page.get_by_label("Legal person").fill("李四")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#realname-status")).to_contain_text("9135**********0Y43")
    expect(page.get_by_role("heading", name="Switch to an enterprise account")).to_have_count(0)
