"""Wallet pages: statement, remittance claim with proof -> staff approval -> balance,
two-approver rule, staff funding with confirmation, roles, payment settings."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.accounts.models import Customer, Staff, StaffRole
from storefront.billing import remittance, services
from storefront.billing.cli import check_ledger
from storefront.billing.models import ClaimStatus, RemittanceClaim
from storefront.extensions import db
from tests.billing.conftest import assert_ledger_invariants
from tests.billing.wallet_helpers import csrf, form_key, login

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def configured(app: Flask, owner: Staff) -> None:
    with app.app_context():
        remittance.update_billing_settings(
            owner, bank_name="ICBC Shenzhen", bank_account="6222 0000 1111",
            bank_holder="Blue Co", second_approval_threshold="1000.00",
        )
        db.session.commit()


def _claim(client: FlaskClient, amount: str, serial: str, proof: bytes | None = PNG) -> str:
    page = client.get("/wallet/remittance").get_data(as_text=True)
    data: dict = {
        "csrf_token": csrf(page), "amount": amount, "paid_on": date.today().isoformat(),
        "payer_name": "Zhang San", "bank_serial": serial,
    }
    if proof is not None:
        data["proof"] = (io.BytesIO(proof), "receipt.png")
    response = client.post("/wallet/remittance", data=data, content_type="multipart/form-data")
    return response.get_data(as_text=True) if response.status_code != 302 else "ok"


def test_wallet_page_empty_state_and_pagination(
    app: Flask, client: FlaskClient, customer: Customer, give: Callable[[Customer, str], None]
) -> None:
    login(client, customer.email)
    page = client.get("/wallet").get_data(as_text=True)
    assert "No transactions yet" in page and 'id="balance"' in page
    for _ in range(25):
        give(customer, "1.00")
    page = client.get("/wallet").get_data(as_text=True)
    assert "25.00" in page and "Next page" in page
    cursor = page.split("/wallet?cursor=")[1].split('"')[0]
    second = client.get(f"/wallet?cursor={cursor}").get_data(as_text=True)
    assert second.count("<tr>") == 1 + 5  # header + the five oldest lines
    assert client.get("/wallet?cursor=nonsense").status_code == 302


def test_wallet_needs_a_customer(client: FlaskClient, owner: Staff) -> None:
    assert client.get("/wallet").status_code == 302
    login(client, owner.email, staff=True)
    assert client.get("/wallet").status_code == 403


def test_claim_with_proof_then_staff_approval_credits_once(
    app: Flask,
    client: FlaskClient,
    customer: Customer,
    owner: Staff,
    configured: None,
    make_staff: Callable[..., Staff],
) -> None:
    login(client, customer.email)
    page = client.get("/wallet/remittance").get_data(as_text=True)
    assert "ICBC Shenzhen" in page and remittance.reference_code(customer) in page
    assert _claim(client, "300.00", "SN-100") == "ok"
    assert "waiting for review" in client.get("/wallet/remittance").get_data(as_text=True)
    # bad input is explained, not a 500
    assert "already claimed" in _claim(client, "300.00", "SN-100")
    assert "PNG, JPEG or PDF" in _claim(client, "5.00", "SN-101", b"MZ\x90not an image")
    assert "amount such as" in _claim(client, "abc", "SN-102")

    staff_client = app.test_client()
    login(staff_client, owner.email, staff=True)
    queue = staff_client.get("/staff/claims").get_data(as_text=True)
    assert "SN-100" in queue and "proof" in queue
    with app.app_context():
        claim = db.session.scalars(select(RemittanceClaim)).one()
    proof = staff_client.get(f"/staff/claims/{claim.id}/proof")
    assert proof.data == PNG
    proof.close()
    # approving asks first: a confirmation page (no JS needed) that credits nothing yet
    confirm = staff_client.post(
        f"/staff/claims/{claim.id}/approve", data={"csrf_token": csrf(queue)}
    ).get_data(as_text=True)
    assert 'id="confirm-approve"' in confirm and "SN-100" in confirm and "300.00" in confirm
    with app.app_context():
        assert services.balance(customer) == Decimal("0.00")
    response = staff_client.post(
        f"/staff/claims/{claim.id}/approve", data={"csrf_token": csrf(queue), "confirmed": "1"},
        follow_redirects=True,
    )
    assert "approved: the wallet was credited" in response.get_data(as_text=True)
    with app.app_context():
        assert services.balance(customer) == Decimal("300.00")
    again = staff_client.post(
        f"/staff/claims/{claim.id}/approve", data={"csrf_token": csrf(queue), "confirmed": "1"},
        follow_redirects=True,
    )
    assert "already been decided" in again.get_data(as_text=True)
    with app.app_context():
        assert services.balance(customer) == Decimal("300.00")
        assert check_ledger().ok
        assert_ledger_invariants()
    wallet = client.get("/wallet").get_data(as_text=True)
    assert "300.00" in wallet and "Approved" in wallet

    # support staff may look but not decide
    support = make_staff(role=StaffRole.SUPPORT)
    support_client = app.test_client()
    login(support_client, support.email, staff=True)
    assert support_client.get("/staff/claims?state=approved").status_code == 200
    assert support_client.post(
        f"/staff/claims/{claim.id}/approve", data={"csrf_token": csrf(queue), "confirmed": "1"}
    ).status_code in (400, 403)


def test_two_approvers_above_threshold_and_clear_message_for_the_same_one(
    app: Flask,
    client: FlaskClient,
    customer: Customer,
    owner: Staff,
    configured: None,
    make_staff: Callable[..., Staff],
) -> None:
    login(client, customer.email)
    assert _claim(client, "5000.00", "SN-BIG", None) == "ok"
    with app.app_context():
        claim_id = db.session.scalars(select(RemittanceClaim.id)).one()
    first = app.test_client()
    login(first, owner.email, staff=True)
    token = csrf(first.get("/staff/claims").get_data(as_text=True))
    confirmed = {"csrf_token": token, "confirmed": "1"}
    page = first.post(f"/staff/claims/{claim_id}/approve", data=confirmed,
                      follow_redirects=True).get_data(as_text=True)
    assert "needs a second approval" in page
    page = first.post(f"/staff/claims/{claim_id}/approve", data=confirmed,
                      follow_redirects=True).get_data(as_text=True)
    assert "a second, different staff member must approve it" in page
    with app.app_context():
        assert services.balance(customer) == Decimal("0.00")
    finance = make_staff(role=StaffRole.FINANCE)
    second = app.test_client()
    login(second, finance.email, staff=True)
    token2 = csrf(second.get("/staff/claims").get_data(as_text=True))
    second.post(f"/staff/claims/{claim_id}/approve", data={"csrf_token": token2, "confirmed": "1"})
    with app.app_context():
        assert services.balance(customer) == Decimal("5000.00")
        claim = db.session.get(RemittanceClaim, claim_id)
        assert claim is not None and claim.status is ClaimStatus.APPROVED
        assert check_ledger().ok


def test_reject_needs_a_reason(
    app: Flask, client: FlaskClient, customer: Customer, owner: Staff, configured: None
) -> None:
    login(client, customer.email)
    assert _claim(client, "20.00", "SN-R", None) == "ok"
    with app.app_context():
        claim_id = db.session.scalars(select(RemittanceClaim.id)).one()
    staff_client = app.test_client()
    login(staff_client, owner.email, staff=True)
    token = csrf(staff_client.get("/staff/claims").get_data(as_text=True))
    page = staff_client.post(f"/staff/claims/{claim_id}/reject",
                             data={"csrf_token": token, "reason": ""}, follow_redirects=True)
    assert "Give a reason" in page.get_data(as_text=True)
    staff_client.post(f"/staff/claims/{claim_id}/reject",
                      data={"csrf_token": token, "reason": "no such transfer"})
    assert "no such transfer" in client.get("/wallet/remittance").get_data(as_text=True)
    rejected = staff_client.get("/staff/claims?state=rejected").get_data(as_text=True)
    assert "SN-R" in rejected


def test_staff_funding_with_confirmation_for_take_backs(
    app: Flask, client: FlaskClient, customer: Customer, owner: Staff,
    make_staff: Callable[..., Staff],
) -> None:
    login(client, owner.email, staff=True)
    url = f"/staff/customers/{customer.id}/funds"
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf(page), "form_key": form_key(page), "amount": "80.00", "note": "gift"}
    assert client.post(url, data=data).status_code == 302
    assert client.post(url, data=data).status_code == 302  # same form again: once only
    with app.app_context():
        assert services.balance(customer) == Decimal("80.00")
    page = client.get(url).get_data(as_text=True)
    take = {"csrf_token": csrf(page), "form_key": form_key(page), "amount": "-30.00"}
    response = client.post(url, data=take)
    assert response.status_code == 422 and "confirm" in response.get_data(as_text=True)
    assert client.post(url, data={**take, "confirm": "yes"}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    too_much = {"csrf_token": csrf(page), "form_key": form_key(page), "amount": "-999.00",
                "confirm": "yes"}
    assert "cannot go below zero" in client.post(url, data=too_much).get_data(as_text=True)
    with app.app_context():
        assert services.balance(customer) == Decimal("50.00")
        assert check_ledger().ok
    support = make_staff(role=StaffRole.SUPPORT)
    other = app.test_client()
    login(other, support.email, staff=True)
    page = other.get(url).get_data(as_text=True)
    assert "cannot change" in page or "not change" in page
    response = other.post(url, data={"csrf_token": csrf(page), "amount": "10.00"})
    assert "does not allow" in response.get_data(as_text=True)
    with app.app_context():
        assert services.balance(customer) == Decimal("50.00")


def test_payment_settings_page(
    app: Flask, client: FlaskClient, owner: Staff, make_staff: Callable[..., Staff]
) -> None:
    login(client, owner.email, staff=True)
    page = client.get("/staff/payments").get_data(as_text=True)
    response = client.post("/staff/payments", data={
        "csrf_token": csrf(page), "offline_topup_enabled": "on", "bank_name": "BOC",
        "bank_account": "1", "bank_holder": "X", "second_approval_threshold": "500.00",
    })
    assert response.status_code == 302
    with app.app_context():
        settings = remittance.billing_settings(owner.store_id)
        assert not settings.online_topup_enabled and settings.bank_name == "BOC"
        assert settings.second_approval_threshold == Decimal("500.00")
    bad = client.post("/staff/payments", data={"csrf_token": csrf(page),
                                               "second_approval_threshold": "1.234"})
    assert bad.status_code == 422
    support = make_staff(role=StaffRole.SUPPORT)
    other = app.test_client()
    login(other, support.email, staff=True)
    assert other.get("/staff/payments").status_code == 403
