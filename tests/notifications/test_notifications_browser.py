"""Real Chromium: the notifications page in English and Chinese, the unread badge in the
navigation, marking one read and all read, and the settings page."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from storefront.accounts.models import Customer
from tests.builders import PASSWORD
from tests.notifications.conftest import mails, part
from tests.shop import drain


def _log_in(page: Any, url: str, email: str) -> None:
    page.goto(url + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/account")


def test_notifications_in_english(
    app: Any,
    live_server: Any,
    make_customer: Callable[..., Customer],
    notify: Callable[..., None],
    new_page: Any,
    shot: Any,
) -> None:
    customer = make_customer(locale="en")
    page = new_page()
    _log_in(page, live_server.url, customer.email)
    page.locator("#nav-notifications").click()
    page.wait_for_url("**/notifications")
    expect(page.locator("#unread-badge")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("No notifications yet")
    shot(page, "notifications-empty-en")
    notify(customer, "order_active", 41, order=41)
    notify(customer, "topup_credited", "t1", amount="50.00", currency="CNY")
    notify(customer, "low_balance", "l1", amount="8.00", threshold="10.00", currency="CNY")
    page.reload()
    expect(page.locator("#unread-badge")).to_contain_text("3")
    items = page.locator("#notifications li")
    expect(items).to_have_count(3)
    expect(items.first).to_contain_text("Your balance is low: CN¥8.00")
    expect(items.nth(2)).to_contain_text("Order #41 is ready")
    shot(page, "notifications-en")
    items.nth(2).get_by_role("button", name="Mark read").click()
    expect(page.locator("#unread-badge")).to_contain_text("2")
    expect(page.locator("#notifications li").nth(2)).to_have_attribute("data-read", "yes")
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator("#unread-badge")).to_have_count(0)
    expect(page.locator('#notifications li[data-read="no"]')).to_have_count(0)
    page.get_by_role("link", name="Settings").click()
    page.get_by_label("Low balance warnings").uncheck()
    page.get_by_label("Warn me when my balance falls below").fill("20")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your notification settings are saved.")).to_be_visible()
    expect(page.get_by_label("Low balance warnings")).not_to_be_checked()
    expect(page.get_by_label("Warn me when my balance falls below")).to_have_value("20.00")
    shot(page, "notification-settings-en")


def test_notifications_in_chinese(
    app: Any,
    mail_dir: Path,
    live_server: Any,
    make_customer: Callable[..., Customer],
    notify: Callable[..., None],
    new_page: Any,
    shot: Any,
) -> None:
    customer = make_customer(locale="zh_Hans_CN", name="张三")
    assert mail_dir.is_dir()
    notify(customer, "order_refunded", 7, order=7, amount="12.50", currency="CNY")
    notify(customer, "realname_rejected", "s1", reason="证件照片不清晰。")
    page = new_page(locale="zh-CN")
    _log_in(page, live_server.url, customer.email)
    expect(page.locator("#unread-badge")).to_contain_text("2")
    page.locator("#nav-notifications").click()
    page.wait_for_url("**/notifications")
    expect(page.locator("h1")).to_contain_text("通知")
    expect(page.locator("#unread-count")).to_have_text("2 条未读")
    items = page.locator("#notifications li")
    expect(items.first).to_contain_text("您的实名认证未通过")
    expect(items.first).to_contain_text("证件照片不清晰。")
    expect(items.nth(1)).to_contain_text("订单 #7 未能完成")
    shot(page, "notifications-zh")
    page.get_by_role("button", name="全部标为已读").click()
    expect(page.get_by_text("所有通知已标为已读。")).to_be_visible()
    expect(page.locator("#unread-badge")).to_have_count(0)
    page.get_by_role("link", name="设置").click()
    expect(page.locator("h1")).to_have_text("通知设置")
    expect(page.get_by_label("余额不足提醒")).to_be_checked()
    shot(page, "notification-settings-zh")
    drain(app)  # the mails, as a mail client shows them
    html = next(
        part(m, "html") for m in mails(mail_dir, customer.email) if "实名" in str(m["Subject"])
    )
    page = new_page(locale="zh-CN")  # a blank page: not under the site's CSP
    page.set_content(html)
    expect(page.locator("h1")).to_have_text("您的实名认证未通过")
    expect(page.get_by_role("link", name="查看通知")).to_have_attribute(
        "href", re.compile(r"/notifications$")
    )
    shot(page, "mail-zh")
