"""Real Chromium, distributor mode: the distributor's owner freezes a reseller's store from the
reseller page (reason, confirm dialog), sees it frozen, then unfreezes it."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from storefront.accounts.models import StaffRole
from storefront.extensions import db
from storefront.stores.models import Store
from tests.builders import PASSWORD


@pytest.fixture
def app(make_app: Any, _migrated: None) -> Any:
    from tests.conftest import _empty_tables, dispose

    application: Flask = make_app(STOREFRONT_PLATFORM_MODE="distributor")
    with application.app_context():
        _empty_tables()
    yield application
    dispose(application)


def test_distributor_freezes_a_reseller_store(
    app: Flask, live_server: Any, make_staff: Any, reseller: Any, new_page: Any, shot: Any
) -> None:
    owner = make_staff(role=StaffRole.OWNER)
    page = new_page()
    page.goto(live_server.url + "/admin/login")
    page.locator("#email").fill(owner.email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/admin/partners/resellers/{reseller.id}")
    assert "Open" in page.locator("#store-freeze-state").inner_text()
    dialogs: list[str] = []

    def answer(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    page.locator("#freeze-reason").fill("reseller agreement under review")
    page.locator("#store-freeze-button").click()
    page.wait_for_selector("#store-unfreeze-button")
    assert dialogs and "Freeze this reseller" in dialogs[0]
    state = page.locator("#store-freeze-state").inner_text()
    assert "Frozen since" in state and "reseller agreement under review" in state
    shot(page, "reseller-frozen")
    with app.app_context():
        store = db.session.get(Store, reseller.store_id)
        assert store is not None and store.frozen_at is not None
    page.locator("#store-unfreeze-button").click()
    page.wait_for_selector("#store-freeze-button")
    assert len(dialogs) == 2
    shot(page, "reseller-open")
    with app.app_context():
        store = db.session.get(Store, reseller.store_id)
        assert store is not None and store.frozen_at is None
