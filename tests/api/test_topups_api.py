"""``POST /api/v1/wallet/topups`` when the payment gateway cannot be reached (found by
schemathesis: WeChat Pay's adapter fetches its certificates when built, and that error
escaped as a 500)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from storefront.accounts.models import Customer


def test_an_unreachable_gateway_is_a_502_not_a_500(
    api_client: FlaskClient, make_customer: Callable[..., Customer],
    token_for: Callable[[Any], str],
) -> None:  # fmt: skip
    customer = make_customer()
    response = api_client.post(
        "/api/v1/wallet/topups", json={"amount": "10.00", "method": "wechat"},
        headers={"Authorization": f"Bearer {token_for(customer)}"},
    )  # fmt: skip
    assert response.status_code == 502, response.text
    assert response.get_json()["error"]["code"] == "gateway_unavailable"
