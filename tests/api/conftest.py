"""Fixtures of the API description tests."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from storefront.stores.models import Store


@pytest.fixture
def api_client(app: Flask, default_store: Store) -> FlaskClient:
    return app.test_client()
