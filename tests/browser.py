"""A real browser: Playwright driving Debian's Chromium (``apt-get install chromium``)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest

CHROMIUM = os.environ.get("STOREFRONT_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


MISSING = f"{CHROMIUM} not installed"


def chromium_present() -> bool:
    return Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Skips only when Chromium is absent, and not in CI (``CI`` set): there that fails."""
    if not chromium_present():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{MISSING} (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    # Retrying assertions (``expect(locator)``) wait as long as every other step here
    expect.set_options(timeout=10_000)
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield instance
        instance.close()


class ContextPool:
    """Browser contexts kept for the test process's whole run and lent to one test at a time.

    A new context costs Chromium about a second of CPU (its renderer processes start, then the
    first page loads); the browser tests open about a hundred. A lent context is handed back
    as a new one would be for what a test can see: its pages closed (their event handlers with
    them), cookies, permissions and the HTTP cache cleared. Each context keeps one blank page
    open so its renderer process stays up for the next test. Every live server has its own
    port, so nothing a page stored for its origin is seen again."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.idle: dict[str, list[tuple[Any, Any]]] = {}
        self.devtools: dict[int, Any] = {}  # a DevTools session per context (its cache)

    def lend(self, key: str, locale: str, options: dict[str, Any]) -> tuple[Any, Any]:
        stack = self.idle.setdefault(key, [])
        while stack:
            context, keeper = stack.pop()
            if not keeper.is_closed():
                return context, keeper
            self.devtools.pop(id(context), None)
            context.close()  # a test closed the blank page, or it crashed: start afresh
        # ``reduced_motion``: the store's CSS (Bootstrap's) drops its transitions for users who ask
        # for less motion, so a modal or a collapse is there at once instead of after 150-300 ms
        # of frames that Chromium paints and Playwright waits out before it acts (a fifth of a
        # browser file's time). What a test sees and clicks is the same page.
        context = self.browser.new_context(locale=locale, reduced_motion="reduce", **options)
        context.set_default_timeout(10_000)
        keeper = context.new_page()
        self.devtools[id(context)] = context.new_cdp_session(keeper)
        return context, keeper

    def give_back(self, key: str, context: Any, keeper: Any) -> None:
        try:
            for page in context.pages:
                if page is not keeper:
                    page.close()
            context.clear_cookies()
            context.clear_permissions()
            context.set_default_timeout(10_000)
            self.devtools[id(context)].send("Network.clearBrowserCache")
        except Exception:  # a broken context is not lent again
            self.devtools.pop(id(context), None)
            context.close()
            return
        self.idle[key].append((context, keeper))


@pytest.fixture(scope="session")
def _context_pool(browser: Any) -> ContextPool:
    return ContextPool(browser)


@pytest.fixture
def new_page(_context_pool: ContextPool) -> Iterator[Callable[..., Any]]:
    """``new_page(locale="zh-CN")`` opens a page in a context of its own (cookies, cache,
    dialogs), as a new browser context would be; screenshots go under tmp_path."""
    lent: list[tuple[str, Any, Any]] = []

    def factory(locale: str = "en-US", **kwargs: Any) -> Any:
        key = repr((locale, sorted(kwargs.items())))
        context, keeper = _context_pool.lend(key, locale, kwargs)
        lent.append((key, context, keeper))
        return context.new_page()

    yield factory
    for key, context, keeper in lent:
        _context_pool.give_back(key, context, keeper)


@pytest.fixture
def shot(tmp_path: Path) -> Callable[..., Path]:
    """Save a full-page screenshot (``whole=False``: what the window shows) under the test's tmp
    dir and return its path."""

    def take(page: Any, name: str, whole: bool = True) -> Path:
        path = tmp_path / f"{name}.png"
        # a long page takes seconds to paint whole on a busy machine: the picture is a record,
        # not an assertion, so it gets more time than an action does
        page.screenshot(path=str(path), full_page=whole, timeout=30_000)
        return path

    return take


_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def sign_in(page: Any, base_url: str, email: str, password: str, *, staff: bool = False) -> None:
    """Log ``page``'s context in as the login form does, and open the page the form leads to.

    The form's own POST, with the CSRF token of the form as served, goes through the context's
    request API (which shares the context's cookies), so the login page is never drawn and the
    form never sent from a page: for tests whose subject comes after the login, one page load of
    Chromium's fewer each time (about forty logins a run). The form itself is driven in the
    browser by ``tests/e2e/test_accounts_pages_browser.py``, ``tests/accounts/test_throttling.py``
    and the partner test whose reseller host only Chromium resolves."""
    path = "/admin/login" if staff else "/login"
    # a session is tied to the browser that logged in (Flask-Login's session protection)
    headers = {"User-Agent": page.evaluate("navigator.userAgent")}
    form = page.request.get(base_url + path, headers=headers)
    token = _CSRF.search(form.text())
    assert token, form.text()[:300]
    answer = page.request.post(
        base_url + path,
        form={"csrf_token": token[1], "email": email, "password": password},
        headers=headers,
        max_redirects=0,
    )
    assert answer.status == 302, answer.text()[:300]
    page.goto(urljoin(base_url + path, answer.headers["location"]))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say so when browser tests were skipped for want of Chromium, here and in the last line."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", ())
        if isinstance(report.longrepr, tuple) and MISSING in str(report.longrepr[-1])
    ]
    if not skipped:
        return
    terminalreporter.write_sep(
        "=", f"browser tests SKIPPED: {MISSING} (apt-get install chromium)", yellow=True
    )
    terminalreporter.write_line(
        f"{len(skipped)} test(s) need a real browser and did not run; in CI (CI=true) they fail."
    )
    # the final "N passed, M skipped …" line names them too
    terminalreporter.stats.setdefault(f"of them browser tests ({MISSING})", []).extend(skipped)
