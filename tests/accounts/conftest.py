"""Account-test fixtures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from storefront.extensions import db


@pytest.fixture
def extra_app(make_app: Callable[..., Flask], _migrated: None) -> Iterator[Callable[..., Flask]]:
    """Another app on the same database with extra settings; its engine is disposed after."""
    built: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        app = make_app(**overrides)
        built.append(app)
        return app

    yield factory
    for app in built:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
