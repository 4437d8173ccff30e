"""Real Chromium with ``STOREFRONT_CONSOLE_ROUTE=iam_broker``: storefront login -> resources ->
Open in console -> agency credentials + login token -> the provider's
``authui/federation/login`` (sandbox) -> the console page of that server -> Stop; replaying the
federation URL is refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from tests.accounts.helpers import PASSWORD


@pytest.fixture
def app(make_app: Callable[..., Flask], _migrated: None) -> Iterator[Flask]:
    from tests.conftest import _empty_tables, dispose

    application = make_app(STOREFRONT_CONSOLE_ROUTE="iam_broker")
    with application.app_context():
        _empty_tables()
    yield application
    dispose(application)


def test_open_in_console_through_the_identity_broker(
    live_server: Any, sandbox: Any, linked: Any, bought: Any, new_page: Any, shot: Any
) -> None:
    server = bought(linked)[0]
    page = new_page()
    page.goto(live_server.url + "/login")
    page.locator("#email").fill(linked.email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    page.goto(live_server.url + "/resources")
    federation: list[str] = []
    page.on(
        "request",
        lambda req: federation.append(req.url) if "/authui/federation/login" in req.url else None,
    )
    page.locator(f'[data-console-open="{server["id"]}"]').click()
    page.wait_for_url(f"{sandbox.url}/console/ecs/**")
    assert page.locator("#resource-id").inner_text() == server["provider_resource_id"]
    assert page.locator("#status").inner_text() == "active"
    assert len(federation) == 1 and "logintoken=" in federation[0]
    assert "idp_login_url=" in federation[0]
    shot(page, "broker-console")
    page.locator("#action-stop").click()
    page.wait_for_selector("#done")
    assert page.locator("#status").inner_text() == "stopped"
    shot(page, "broker-stopped")
    # the login token was spent: another browser replaying the same URL is refused
    other = new_page()
    answer = other.goto(federation[0])
    assert answer is not None and answer.status == 401
    assert "already been used" in other.content()
    shot(other, "broker-replay")
