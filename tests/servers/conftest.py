"""Servers fixtures: a linked, verified customer of the default store with the sandbox's
catalogue, and its bearer token headers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.billing.conftest import give, owner
from tests.billing.test_orders_support import drain, make_quote, token
from tests.catalog.fixtures import catalog
from tests.console_bridge.conftest import linked, make_linked

__all__ = ["catalog", "drain", "give", "linked", "make_linked", "make_quote", "owner", "token"]


@pytest.fixture
def headers(client: Any, linked: Any, catalog: Any) -> dict[str, str]:
    return token(client, linked)
