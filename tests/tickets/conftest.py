"""Ticket fixtures: a support member and a finance member of the default store, API headers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from storefront.accounts.models import Staff, StaffRole


@pytest.fixture
def support(make_staff: Callable[..., Staff]) -> Staff:
    return make_staff(role=StaffRole.SUPPORT, name="Sam Support")


@pytest.fixture
def bearer(token_for: Callable[[Any], str]) -> Callable[[Any], dict[str, str]]:
    def headers(principal: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(principal)}"}

    return headers
