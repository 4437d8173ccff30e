"""A voucher at checkout: the discount comes off, the wallet pays the rest, once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from storefront.accounts.models import Customer, Staff
from storefront.billing import services, vouchers
from storefront.billing.cli import check_ledger
from storefront.billing.models import Order, Voucher
from storefront.extensions import db
from tests.billing.conftest import assert_ledger_invariants
from tests.shop import drain, quote_total, token

NOW = datetime.now(UTC)


def _voucher(app: Flask, owner: Staff, face: str, **kwargs: Any) -> str:
    with app.app_context():
        voucher = vouchers.issue_voucher(
            owner,
            face_value=face,
            valid_from=NOW - timedelta(days=1),
            valid_until=NOW + timedelta(days=30),
            **kwargs,
        )
        db.session.commit()
        return voucher.code


def test_voucher_discount_is_taken_off_and_the_wallet_pays_the_rest(
    app: Flask, client: FlaskClient, buyer: Customer, owner: Staff,
    make_quote: Callable[..., str], give: Callable[[Customer, str], None],
) -> None:
    quote_id = make_quote(buyer)
    total = quote_total(app, quote_id)
    code = _voucher(app, owner, "10.00")
    give(buyer, str(total))
    headers = token(client, buyer)
    resp = client.post(
        "/api/v1/orders",
        json={"quote_id": quote_id, "voucher_code": code},
        headers={**headers, "Idempotency-Key": "v1"},
    )
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["discount"] == "10.00"
    assert body["paid_from_wallet"] == str(total - Decimal("10.00"))
    again = client.post(
        "/api/v1/orders",
        json={"quote_id": quote_id, "voucher_code": code},
        headers={**headers, "Idempotency-Key": "v1"},
    )
    assert again.get_json() == body  # the replay neither charges nor redeems again
    drain(app)
    with app.app_context():
        assert services.balance(buyer) == Decimal("10.00")
        voucher = db.session.scalars(db.select(Voucher)).one()
        assert voucher.remaining == Decimal("0.00") and voucher.used_count == 1
        order = db.session.get(Order, body["id"])
        assert order is not None and order.voucher_code == code
        assert_ledger_invariants()
        assert check_ledger().ok


def test_bad_or_spent_voucher_is_refused_and_nothing_is_charged(
    app: Flask, client: FlaskClient, buyer: Customer, owner: Staff,
    make_quote: Callable[..., str], give: Callable[[Customer, str], None],
) -> None:
    give(buyer, "1000.00")
    headers = token(client, buyer)
    unknown = client.post(
        "/api/v1/orders",
        json={"quote_id": make_quote(buyer), "voucher_code": "NOPE"},
        headers=headers,
    )
    assert unknown.status_code == 422
    assert "voucher_code" in unknown.get_json()["error"]["fields"]
    on_demand = client.post(
        "/api/v1/orders",
        json={"quote_id": make_quote(buyer, mode="on_demand"),
              "voucher_code": _voucher(app, owner, "5.00")},
        headers=headers,
    )
    assert on_demand.status_code == 422
    assert on_demand.get_json()["error"]["code"] == "voucher_not_applicable"
    with app.app_context():
        assert services.balance(buyer) == Decimal("1000.00")
        assert db.session.scalars(db.select(Order)).all() == []
