"""Staff fixtures (a plugin of the root conftest): bearer tokens and logged-in clients."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from storefront.accounts import services as accounts
from storefront.accounts.models import Customer, Staff
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.stores.tenancy import store_context
from tests.builders import PASSWORD


@pytest.fixture
def token_for(app: Flask) -> Callable[[Any], str]:
    """A bearer token for a staff member or customer (issued directly, no login round trip)."""

    def issue(principal: Staff | Customer) -> str:
        with app.app_context():
            store = db.session.get(Store, principal.store_id)
            assert store is not None
            with store_context(store):
                fresh = db.session.get(type(principal), principal.id)
                raw, _ = accounts.issue_token(fresh)  # type: ignore[arg-type]
                db.session.commit()
        return raw

    return issue


def host_of(store: Store) -> str:
    return store.domains[0].host if store.domains else "localhost"


@pytest.fixture
def login(app: Flask) -> Callable[..., FlaskClient]:
    """A test client logged in (through the real login form) as ``principal``."""

    def go(principal: Staff | Customer, host: str = "localhost") -> FlaskClient:
        client = app.test_client()
        path = "/admin/login" if isinstance(principal, Staff) else "/login"
        page = client.get(path, headers={"Host": host}).get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        resp = client.post(
            path,
            data={
                "email": principal.email,
                "password": PASSWORD,
                "csrf_token": token.group(1) if token else "",
            },
            headers={"Host": host},
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
        return client

    return go
