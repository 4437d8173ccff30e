"""A real browser: Playwright driving Debian's Chromium (``apt-get install chromium``)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def new_page(browser: Any, tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """``new_page(locale="zh-CN")`` opens a fresh context; screenshots go under tmp_path."""
    contexts: list[Any] = []

    def factory(locale: str = "en-US", **kwargs: Any) -> Any:
        context = browser.new_context(locale=locale, **kwargs)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def shot(tmp_path: Path) -> Callable[[Any, str], Path]:
    """Save a full-page screenshot under the test's tmp dir and return its path."""

    def take(page: Any, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        # a long page (the API reference) takes seconds to paint whole on a busy machine: the
        # picture is a record, not an assertion, so it gets more time than an action does
        page.screenshot(path=str(path), full_page=True, timeout=30_000)
        return path

    return take


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
