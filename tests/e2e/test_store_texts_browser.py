"""Real Chromium: an owner writes a footer with a link and bold text and the store shows it; a
footer that would hang every page is refused with a form error; a hostile one stays inert."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import expect

from storefront.accounts.models import StaffRole
from tests.e2e.test_backoffice_browser import _login

GOOD = 'Questions? <a href="https://help.example.com/">Ask us</a> · <b>{{ store.name }}</b> 24/7'
BOMB = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
HOSTILE = (
    '<meta http-equiv="refresh" content="0;url=https://example.com/">'
    '<form action="https://example.com/steal"><input name="password" placeholder="Password">'
    '</form><a href="javascript:alert(1)" onclick="alert(2)">Win a prize</a>'
)


def _save_footer(page: Any, url: str, footer: str) -> None:
    page.goto(url + "/admin/branding")
    page.locator("#b-footer_text").fill(footer)
    page.get_by_role("button", name="Save branding").click()
    page.wait_for_load_state()


def test_footer_link_and_bold_show_and_a_costly_footer_is_refused(
    live_server: Any, make_staff: Any, new_page: Any, shot: Any
) -> None:
    owner = make_staff(role=StaffRole.OWNER)
    page = new_page()
    _login(page, live_server.url, owner.email)
    _save_footer(page, live_server.url, GOOD)
    assert "Branding saved." in page.content()
    page.goto(live_server.url + "/")
    footer = page.locator("#store-footer")
    link = footer.get_by_role("link", name="Ask us")
    assert link.get_attribute("href") == "https://help.example.com/"
    assert link.get_attribute("rel") == "noopener noreferrer nofollow"
    store_name = page.locator(".navbar-brand").inner_text().strip()
    assert footer.locator("b").inner_text() == store_name
    assert footer.inner_text() == f"Questions? Ask us · {store_name} 24/7"
    footer.scroll_into_view_if_needed()
    print(shot(page, "footer-link-bold"))

    # nested loops of 10^10 iterations: a form error, not a hung store
    started = time.monotonic()
    _save_footer(page, live_server.url, BOMB)
    assert time.monotonic() - started < 10
    error = page.locator("#b-footer_text-err")
    assert "it takes too much work to show" in error.inner_text()
    expect(page.locator("#b-footer_text")).to_have_value(BOMB)  # kept for editing
    print(shot(page, "footer-refused"))
    page.goto(live_server.url + "/")
    assert (
        page.locator("#store-footer").get_by_role("link", name="Ask us").count() == 1
    )  # unchanged

    # a refresh, a form and a script link: saved, and nothing of it acts
    _save_footer(page, live_server.url, HOSTILE)
    page.goto(live_server.url + "/products")
    page.wait_for_timeout(1500)  # a refresh to another site would have happened by now
    assert page.url == live_server.url + "/products"
    footer = page.locator("#store-footer")
    expect(footer.locator("form, input, meta")).to_have_count(0)
    prize = footer.get_by_text("Win a prize")
    assert prize.get_attribute("href") is None and prize.get_attribute("onclick") is None
    footer.scroll_into_view_if_needed()
    print(shot(page, "footer-hostile-inert"))
