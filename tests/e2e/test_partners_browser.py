"""Distributor invites -> reseller accepts -> the new store is live on its own host ->
distributor allocates funds -> the reseller's staff see the balance (real Chromium)."""

from __future__ import annotations

import email
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from storefront.accounts.models import StaffRole
from tests.builders import PASSWORD


@pytest.fixture
def app(make_app: Any, _migrated: None) -> Any:
    from tests.conftest import _empty_tables, dispose

    application: Flask = make_app(STOREFRONT_PLATFORM_MODE="distributor")
    with application.app_context():
        _empty_tables()
    yield application
    dispose(application)


def _login(page: Any, url: str, mail: str, password: str = PASSWORD) -> None:
    page.goto(url + "/admin/login")
    page.locator("#email").fill(mail)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def _invitation_link(mail_dir: Path) -> str:
    for path in mail_dir.glob("*.eml"):
        msg = email.message_from_bytes(path.read_bytes())
        for part in msg.walk():
            if part.get_content_type() == "text/plain":
                text = part.get_payload(decode=True).decode()
                found = re.search(r"http://\S+/join/\S+", text)
                if found:
                    return found.group(0)
    raise AssertionError("no invitation mail")


def test_invite_accept_allocate_balance(
    live_server: Any,
    make_staff: Any,
    browser: Any,
    sandbox_reseller: dict[str, str],
    mail_dir: Path,
    shot: Any,
) -> None:
    owner = make_staff(role=StaffRole.OWNER)
    dist = browser.new_context(locale="en-US")
    dist.set_default_timeout(15_000)
    page = dist.new_page()
    page.on("dialog", lambda d: d.accept())
    _login(page, live_server.url, owner.email)
    page.goto(live_server.url + "/admin/partners/resellers/invitations")
    page.locator("#company_name").fill("Blue Reseller Ltd")
    page.locator("#invite-form #email").fill("boss@blue.example")
    page.locator("#account_name").fill(sandbox_reseller["name"])
    page.locator("#invite-form button").click()
    page.wait_for_load_state()
    assert "pending" in page.locator("#invitations").inner_text()

    link = _invitation_link(mail_dir)
    # The reseller's browser resolves its new host to this machine.
    reseller_ctx = browser.new_context(locale="en-US")
    reseller_ctx.set_default_timeout(15_000)
    rpage = reseller_ctx.new_page()
    rpage.goto(link)
    rpage.locator("#store_name").fill("Blue Cloud Shop")
    rpage.locator("#slug").fill("blue-cloud")
    rpage.locator("#domain").fill("reseller.test")
    rpage.locator("#password").fill("blue reseller pass 42")
    rpage.get_by_role("button", name="Create my store").click()
    rpage.wait_for_load_state()
    expect(rpage.locator("#join-done")).to_be_visible()

    from tests.browser import ARGS, CHROMIUM

    own = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*ARGS, "--host-resolver-rules=MAP reseller.test 127.0.0.1"],
    )
    try:
        host_page = own.new_context(locale="en-US").new_page()
        host_page.set_default_timeout(15_000)
        reseller_url = f"http://reseller.test:{live_server.port}"
        host_page.goto(reseller_url + "/")
        assert "Blue Cloud Shop" in host_page.content()

        page.goto(live_server.url + "/admin/partners/resellers")
        page.get_by_role("link", name="Blue Reseller Ltd").click()
        page.wait_for_load_state()
        assert sandbox_reseller["id"] in page.content()
        page.locator("#amount").fill("250.00")
        page.locator("#reason").fill("Opening budget")
        page.locator("#funds-form button").click()
        page.wait_for_load_state()
        assert page.locator("#allocated-total").inner_text().strip() == "250.00"
        assert "250.00" in page.locator("#reseller-balance").inner_text()
        shot(page, "distributor-allocated")

        _login(host_page, reseller_url, "boss@blue.example", "blue reseller pass 42")
        host_page.goto(reseller_url + "/admin/partners/")
        assert "250.00" in host_page.locator("#provider-balance").inner_text()
        path = shot(host_page, "reseller-balance")
        assert path.exists()
        # The reseller's staff cannot open the distributor's pages.
        resp = host_page.goto(reseller_url + "/admin/partners/resellers")
        assert resp is not None and resp.status == 403
        Path("/tmp/partners-shots").mkdir(exist_ok=True)
        host_page.goto(reseller_url + "/admin/partners/")
        host_page.screenshot(path="/tmp/partners-shots/reseller-balance.png", full_page=True)
        page.screenshot(path="/tmp/partners-shots/distributor.png", full_page=True)
    finally:
        own.close()
        dist.close()
        reseller_ctx.close()
