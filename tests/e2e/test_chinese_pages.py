"""Every customer and staff page in Chinese: no visible text is an English message of our
catalogues that has a Chinese translation (that would be a string someone forgot to translate:
left out of ``_()``, or rendered outside the request's language)."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from flask import Flask

from storefront.accounts.models import Customer, Staff
from storefront.stores.models import Store
from tests.catalog.test_pages import login
from tests.e2e.site_pages import build_world, customer_pages, staff_pages
from tests.shop import drain

ROOT = Path(__file__).resolve().parents[2]
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")


def translated_msgids() -> set[str]:
    """English msgids whose Chinese translation differs from them (placeholders excluded)."""
    found: set[str] = set()
    for po in [
        *ROOT.glob("translations/zh_Hans_CN/LC_MESSAGES/*.po"),
        *ROOT.glob("storefront/*/translations/zh_Hans_CN/LC_MESSAGES/*.po"),
    ]:
        with open(po, "rb") as fh:
            for message in read_po(fh):
                if not isinstance(message.id, str) or not message.id or "%(" in message.id:
                    continue
                if message.string and message.string != message.id and not message.fuzzy:
                    found.add(message.id)
    return found


class VisibleText(HTMLParser):
    """Text nodes outside <script>/<style>/<code>, and the attributes a reader sees."""

    HIDDEN = {"script", "style", "code", "pre", "template", "title", "option"}

    def __init__(self) -> None:
        super().__init__()
        self.hidden = 0
        self.tags: list[str] = []  # open elements marked lang="en…" (meant to be English)
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        if self.tags or (dict(attrs).get("lang") or "").startswith("en"):
            self.tags.append(tag)  # e.g. "English" in the language menu
            return
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1
        if self.tags and self.tags[-1] == tag:
            self.tags.pop()

    def handle_data(self, data: str) -> None:
        if not self.hidden and not self.tags and data.strip():
            self.texts.append(" ".join(data.split()))


def untranslated(html: str, english: set[str]) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    return {t for t in parser.texts if t in english}


# Found by this check in other helpers' areas (issue 19 section 3 "statuses in the page's
# language" and section 4 "staff: statuses named"), which label these statuses: remove each
# entry when its fix lands.
KNOWN: dict[str, set[str]] = {}  # page -> words known to be untranslated (none left)


def _sweep(client: Any, paths: list[str], english: set[str]) -> dict[str, set[str]]:
    offenders: dict[str, set[str]] = {}
    for path in paths:
        response = client.get(path, headers=ZH)
        assert response.status_code in (200, 302, 303, 404), (path, response.status_code)
        if response.status_code != 200 or "html" not in (response.content_type or ""):
            continue
        found = untranslated(response.get_data(as_text=True), english)
        if found:
            offenders[path] = found
    return offenders


def test_the_checker_finds_an_untranslated_word() -> None:
    english = translated_msgids()
    assert "Log out" in english and "Balance" in english
    page = (
        '<p>余额</p><button aria-label="Log out">x</button><script>var a = "Balance"</script>'
        '<a lang="en" href="/lang/en">English</a><span>Log in</span>'
    )
    assert untranslated(page, english) == {"Log out", "Log in"}


def test_every_customer_and_staff_page_is_in_chinese(
    app: Flask,
    default_store: Store,
    make_buyer: Callable[..., Customer],
    make_staff: Callable[..., Staff],
    make_quote: Callable[..., str],
) -> None:
    world = build_world(app, default_store, make_buyer, make_staff, make_quote, drain)
    english = translated_msgids()
    anonymous = app.test_client()
    offenders = _sweep(
        anonymous,
        [
            "/",
            "/login",
            "/register",
            "/forgot-password",
            "/admin/login",
            "/products",
            "/calculator",
        ],
        english,
    )
    customer = app.test_client()
    login(customer, world.buyer)
    paths = customer_pages(app) + world.customer_pages_with_ids()
    offenders |= {f"customer {k}": v for k, v in _sweep(customer, paths, english).items()}
    staff = app.test_client()
    login(staff, world.owner)
    paths = staff_pages(app) + world.staff_pages_with_ids()
    offenders |= {f"staff {k}": v for k, v in _sweep(staff, paths, english).items()}
    for page, words in KNOWN.items():
        page = page.format(buyer=world.buyer.id)
        if page in offenders:
            offenders[page] -= words
            if not offenders[page]:
                del offenders[page]
    report = "\n".join(f"{page}: {sorted(words)}" for page, words in sorted(offenders.items()))
    assert not offenders, "untranslated on Chinese pages:\n" + report
