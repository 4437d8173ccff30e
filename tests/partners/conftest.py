"""Partner fixtures: the app in distributor mode, a linked reseller with its own store."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from tests.conftest import dispose


@pytest.fixture
def app(make_app: Callable[..., Flask], _migrated: None) -> Iterator[Flask]:
    from tests.conftest import _empty_tables

    application = make_app(STOREFRONT_PLATFORM_MODE="distributor")
    with application.app_context():
        _empty_tables()
    yield application
    dispose(application)
