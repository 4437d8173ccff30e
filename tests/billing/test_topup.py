"""Online top-ups through the sandbox gateway: only a verified notification credits, once."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.billing import payments_sandbox, services, topup
from storefront.billing.cli import check_ledger
from storefront.billing.models import Topup, TopupStatus
from storefront.extensions import db
from tests.billing.conftest import assert_ledger_invariants
from tests.billing.wallet_helpers import csrf, form_key, login

SECRET = topup.DEV_NOTIFY_SECRET


@pytest.fixture
def shopper(app: Flask, client: FlaskClient, customer: Customer) -> FlaskClient:
    app.config["PAYSANDBOX_DELIVERY"] = "outbox"  # no live server: tests deliver by hand
    login(client, customer.email)
    return client


def start(client: FlaskClient, amount: str) -> str:
    """Start a top-up on the wallet page; returns the gateway checkout URL."""
    page = client.get("/wallet").get_data(as_text=True)
    response = client.post(
        "/wallet/topup",
        data={"amount": amount, "form_key": form_key(page), "csrf_token": csrf(page)},
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert urlsplit(location).path == payments_sandbox.CHECKOUT_PATH
    return location


def pay(client: FlaskClient, checkout: str, action: str = "pay") -> tuple[str, bytes, dict]:
    page = client.get(checkout)
    assert page.status_code == 200 and b"Pay" in page.data
    params = {k: v[0] for k, v in parse_qs(urlsplit(checkout).query).items()}
    response = client.post(payments_sandbox.CHECKOUT_PATH, data={**params, "action": action})
    assert response.status_code == 302
    delivery = payments_sandbox.state(client.application).outbox[-1]
    return response.headers["Location"], delivery.body, delivery.headers


def notify(client: FlaskClient, body: bytes, headers: dict[str, str]) -> dict:
    response = client.post("/payments/notify/sandbox", data=body, headers=headers)
    assert response.status_code == 200
    result: dict = response.get_json()
    return result


def balance(app: Flask, customer: Customer) -> Decimal:
    with app.app_context():
        return services.balance(customer)


def test_happy_path_credits_once(app: Flask, shopper: FlaskClient, customer: Customer) -> None:
    checkout = start(shopper, "120.50")
    return_url, body, headers = pay(shopper, checkout)
    # the browser comes back first: the page shows "waiting", the balance is unchanged
    back = shopper.get(urlsplit(return_url).path)
    assert 'data-status="pending"' in back.get_data(as_text=True)
    assert balance(app, customer) == Decimal("0.00")
    assert notify(shopper, body, headers)["outcome"] == "credited"
    assert balance(app, customer) == Decimal("120.50")
    back = shopper.get(urlsplit(return_url).path).get_data(as_text=True)
    assert 'data-status="paid"' in back
    # the very same notification again (a replay): ignored, still 200, no money
    assert notify(shopper, body, headers)["outcome"] == "replay"
    # a gateway retry with a fresh nonce: recognised as already paid
    assert notify(shopper, body, topup.signed_headers(SECRET, body))["outcome"] == "already_paid"
    assert balance(app, customer) == Decimal("120.50")
    page = shopper.get("/wallet").get_data(as_text=True)
    assert "120.50" in page and "Online top-up" in page
    with app.app_context():
        assert check_ledger().ok
        assert_ledger_invariants()


def test_forged_tampered_stale_and_mismatched_notifications_move_no_money(
    app: Flask, shopper: FlaskClient, customer: Customer
) -> None:
    _, body, headers = pay(shopper, start(shopper, "50.00"))
    forged = topup.signed_headers("not-the-secret", body)
    assert notify(shopper, body, forged)["outcome"] == "invalid"
    tampered = body.replace(b'"50.00"', b'"5000.00"')
    assert notify(shopper, tampered, headers)["outcome"] == "invalid"
    stale = topup.signed_headers(SECRET, body, now=time.time() - 3600)
    assert notify(shopper, body, stale)["outcome"] == "invalid"
    assert notify(shopper, body, {})["outcome"] == "invalid"
    # correctly signed by the gateway, but for a different amount than we asked
    data = json.loads(body)
    data["amount"] = "5000.00"
    wrong = json.dumps(data).encode()
    assert notify(shopper, wrong, topup.signed_headers(SECRET, wrong))["outcome"] == (
        "amount_mismatch"
    )
    data["amount"], data["currency"] = "50.00", "USD"
    wrong = json.dumps(data).encode()
    assert notify(shopper, wrong, topup.signed_headers(SECRET, wrong))["outcome"] == (
        "amount_mismatch"
    )
    data["currency"], data["reference"] = "CNY", "TU-NOT-OURS"
    wrong = json.dumps(data).encode()
    assert notify(shopper, wrong, topup.signed_headers(SECRET, wrong))["outcome"] == (
        "unknown_topup"
    )
    assert balance(app, customer) == Decimal("0.00")
    with app.app_context():
        found = db.session.scalars(select(Topup)).one()
        assert found.status is TopupStatus.PENDING and "USD" in (found.problem or "")
    # the genuine notification still works afterwards
    assert notify(shopper, body, headers)["outcome"] == "credited"
    assert balance(app, customer) == Decimal("50.00")


def test_browser_return_alone_never_credits(
    app: Flask, shopper: FlaskClient, customer: Customer
) -> None:
    return_url, _, _ = pay(shopper, start(shopper, "10.00"))
    for _ in range(3):
        assert shopper.get(urlsplit(return_url).path).status_code == 200
    assert balance(app, customer) == Decimal("0.00")


def test_cancel_then_late_success_does_not_credit(
    app: Flask, shopper: FlaskClient, customer: Customer
) -> None:
    checkout = start(shopper, "10.00")
    _, body, headers = pay(shopper, checkout, action="cancel")
    assert notify(shopper, body, headers)["outcome"] == "cancelled"
    data = json.loads(body)
    data["status"] = "succeeded"
    late = json.dumps(data).encode()
    assert notify(shopper, late, topup.signed_headers(SECRET, late))["outcome"] == "not_pending"
    assert balance(app, customer) == Decimal("0.00")


def test_double_submitted_form_starts_one_topup(
    app: Flask, shopper: FlaskClient, customer: Customer
) -> None:
    page = shopper.get("/wallet").get_data(as_text=True)
    data = {"amount": "30.00", "form_key": form_key(page), "csrf_token": csrf(page)}
    first = shopper.post("/wallet/topup", data=data).headers["Location"]
    second = shopper.post("/wallet/topup", data=data).headers["Location"]
    ref = parse_qs(urlsplit(first).query)["reference"]
    assert ref == parse_qs(urlsplit(second).query)["reference"]
    changed = shopper.post("/wallet/topup", data={**data, "amount": "31.00"})
    assert changed.status_code == 302 and changed.headers["Location"].endswith("/wallet")
    with app.app_context():
        assert len(db.session.scalars(select(Topup)).all()) == 1


def test_gateway_rejects_a_tampered_checkout_link(shopper: FlaskClient) -> None:
    checkout = start(shopper, "10.00")
    assert shopper.get(checkout.replace("amount=10.00", "amount=0.01")).status_code == 400


def test_online_switch_off_hides_and_refuses(
    app: Flask, shopper: FlaskClient, make_staff: Callable[..., object]
) -> None:
    from storefront.accounts.models import StaffRole
    from storefront.billing import remittance

    owner = make_staff(role=StaffRole.OWNER)
    with app.app_context():
        remittance.update_billing_settings(owner, online_topup_enabled=False)
        db.session.commit()
    page = shopper.get("/wallet").get_data(as_text=True)
    assert "topup-form" not in page
    response = shopper.post(
        "/wallet/topup", data={"amount": "5.00", "form_key": "k" * 20, "csrf_token": csrf(page)}
    )
    assert response.headers["Location"].endswith("/wallet")


def test_notify_endpoint_needs_no_csrf_but_other_posts_do(shopper: FlaskClient) -> None:
    assert shopper.post("/payments/notify/sandbox", data=b"{}").status_code == 200
    assert shopper.post("/wallet/topup", data={"amount": "5.00"}).status_code == 400


def test_production_refuses_the_sandbox_gateway() -> None:
    from storefront.billing.topup import WalletSettings

    settings, problems = WalletSettings.from_mapping(
        {"STOREFRONT_PAYMENT_GATEWAY": "sandbox"}, production=True, cloud_is_sandbox=False
    )
    assert problems
    settings, problems = WalletSettings.from_mapping({}, production=True, cloud_is_sandbox=False)
    assert settings.gateway == "none" and not problems
