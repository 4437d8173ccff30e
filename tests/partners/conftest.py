"""Partner fixtures: the app in distributor mode, a linked reseller with its own store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from storefront.extensions import db as _db
from tests.conftest import _empty_tables, _SharedApp


@pytest.fixture
def app(_shared_app: _SharedApp) -> Iterator[Flask]:
    """The app in distributor mode, as new (shared by the partner tests like the root ``app``)."""
    application = _shared_app.get(STOREFRONT_PLATFORM_MODE="distributor")
    with application.app_context():
        _empty_tables()
    yield application
    with application.app_context():
        _db.session.remove()
