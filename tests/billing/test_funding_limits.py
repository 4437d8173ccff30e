"""Staff funding has limits staff cannot exceed, and dual control above the store's threshold.

Before: ``POST /api/v1/admin/customers/<id>/funds {"amount": "10000000000000"}`` credited ten
trillion to one customer for one owner; one staff member could fund without any daily bound
and above the dual-control threshold without a second approver.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.accounts.models import Customer, Staff, StaffRole
from storefront.backoffice.models import AuditEntry
from storefront.billing import remittance, services
from storefront.billing.cli import check_ledger
from storefront.extensions import db
from tests.billing.test_api import post, staff_token
from tests.billing.wallet_helpers import csrf, form_key, login


@pytest.fixture
def api(app: Flask) -> FlaskClient:
    return app.test_client()


def _balance(app: Flask, customer: Customer) -> Decimal:
    with app.app_context():
        return services.balance(customer)


def _actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.action.like("funds.%"))
                .order_by(AuditEntry.id)
                .execution_options(all_stores=True)
            )
        )


def _threshold(app: Flask, owner: Staff, amount: str | None) -> None:
    with app.app_context():
        remittance.update_billing_settings(owner, second_approval_threshold=amount)
        db.session.commit()


@pytest.mark.parametrize(
    "amount", ["10000000000000", "50000.01", "9999999999999999.99", "99999999999999999999999"]
)
def test_an_absurd_amount_is_a_422_and_moves_nothing(
    app: Flask, api: FlaskClient, customer: Customer, owner: Staff, amount: str
) -> None:
    resp = post(api, owner, customer.id, {"amount": amount})
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["error"]["code"] in ("amount_over_limit", "invalid_input")
    assert _balance(app, customer) == 0


def test_over_the_per_operation_limit(
    app: Flask, api: FlaskClient, customer: Customer, owner: Staff
) -> None:
    resp = post(api, owner, customer.id, {"amount": "10000000000000"})
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "amount_over_limit"
    assert error["fields"]["limit"] == "50000.00"
    assert post(api, owner, customer.id, {"amount": "50000.00"}).status_code == 200
    assert _balance(app, customer) == Decimal("50000.00")
    assert _actions(app) == ["funds.refused", "funds.add"]


def test_the_daily_limit_per_staff_member(
    app: Flask,
    api: FlaskClient,
    customer: Customer,
    owner: Staff,
    make_staff: Callable[..., Staff],
) -> None:
    for _ in range(4):
        assert post(api, owner, customer.id, {"amount": "50000.00"}).status_code == 200
    over = post(api, owner, customer.id, {"amount": "0.01"})
    assert over.status_code == 409
    error = over.get_json()["error"]
    assert error["code"] == "daily_limit_reached"
    assert error["fields"]["used_today"] == "200000.00"
    finance = make_staff(role=StaffRole.FINANCE)
    assert post(api, finance, customer.id, {"amount": "10.00"}).status_code == 200
    assert post(api, owner, customer.id, {"amount": "-10.00"}).status_code == 200  # take back
    assert _balance(app, customer) == Decimal("200000.00")


def test_above_the_threshold_a_second_different_staff_member_approves(
    app: Flask,
    api: FlaskClient,
    customer: Customer,
    owner: Staff,
    make_staff: Callable[..., Staff],
) -> None:
    _threshold(app, owner, "1000.00")
    finance = make_staff(role=StaffRole.FINANCE)
    support = make_staff(role=StaffRole.SUPPORT)
    resp = post(api, owner, customer.id, {"amount": "5000.00", "note": "contract"})
    assert resp.status_code == 202
    body = resp.get_json()
    assert body["status"] == "pending_approval"
    assert _balance(app, customer) == 0

    def act(staff: Staff, verb: str, funding_id: int = body["id"]) -> Any:
        headers = {"Authorization": f"Bearer {staff_token(api, staff)}"}
        return api.post(f"/api/v1/admin/fundings/{funding_id}/{verb}", json={}, headers=headers)

    listed = api.get(
        "/api/v1/admin/fundings", headers={"Authorization": f"Bearer {staff_token(api, owner)}"}
    )
    assert [f["id"] for f in listed.get_json()["items"]] == [body["id"]]
    same = act(owner, "approve")
    assert same.status_code == 409
    assert same.get_json()["error"]["code"] == "second_approver_required"
    assert act(support, "approve").status_code == 403
    assert act(finance, "approve", funding_id=body["id"] + 1).status_code == 404
    approved = act(finance, "approve")
    assert approved.status_code == 200
    assert approved.get_json()["status"] == "approved"
    assert _balance(app, customer) == Decimal("5000.00")
    again = act(finance, "approve")
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "funding_already_decided"
    assert _balance(app, customer) == Decimal("5000.00")
    assert post(api, owner, customer.id, {"amount": "1000.00"}).status_code == 200  # at it: now
    assert _actions(app) == ["funds.request", "funds.approve", "funds.add"]
    with app.app_context():
        assert check_ledger().ok


def test_pending_fundings_count_towards_the_day_and_rejected_ones_do_not(
    app: Flask, api: FlaskClient, customer: Customer, owner: Staff
) -> None:
    _threshold(app, owner, "100.00")
    ids = []
    for _ in range(4):
        resp = post(api, owner, customer.id, {"amount": "50000.00"})
        assert resp.status_code == 202
        ids.append(resp.get_json()["id"])
    assert post(api, owner, customer.id, {"amount": "1.00"}).status_code == 409
    headers = {"Authorization": f"Bearer {staff_token(api, owner)}"}
    rejected = api.post(
        f"/api/v1/admin/fundings/{ids[0]}/reject", json={"reason": "typo"}, headers=headers
    )
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    assert post(api, owner, customer.id, {"amount": "1.00"}).status_code == 200
    assert _balance(app, customer) == Decimal("1.00")


def test_the_wallet_never_holds_more_than_its_column(
    app: Flask, api: FlaskClient, customer: Customer, owner: Staff, login_owner_page: Any
) -> None:
    login_owner_page("9999999999999999.99", "9999999999999999.99")
    assert post(api, owner, customer.id, {"amount": "9999999999999999.00"}).status_code == 200
    before = _balance(app, customer)  # SQLite keeps ~15 significant digits; PostgreSQL all
    over = post(api, owner, customer.id, {"amount": "1.00"})
    assert over.status_code == 422
    assert over.get_json()["error"]["code"] == "amount_over_limit"
    assert _balance(app, customer) == before


@pytest.fixture
def login_owner_page(app: Flask, owner: Staff) -> Callable[[str, str], FlaskClient]:
    """Set the store's funding limits through the owner's payment settings page."""

    def go(per_operation: str, per_day: str) -> FlaskClient:
        client = app.test_client()
        login(client, owner.email, staff=True)
        page = client.get("/staff/payments").get_data(as_text=True)
        assert 'id="funding-limits"' in page
        resp = client.post(
            "/staff/payments/funding-limits",
            data={"csrf_token": csrf(page), "per_operation": per_operation, "per_day": per_day},
        )
        assert resp.status_code == 302
        return client

    return go


def test_only_the_owner_changes_the_limits(
    app: Flask, owner: Staff, make_staff: Callable[..., Staff], login_owner_page: Any
) -> None:
    client = login_owner_page("100.00", "150.00")
    page = client.get("/staff/payments").get_data(as_text=True)
    assert 'value="100.00"' in page and 'value="150.00"' in page
    bad = client.post(
        "/staff/payments/funding-limits",
        data={"csrf_token": csrf(page), "per_operation": "lots", "per_day": "1"},
    )
    assert bad.status_code == 302
    finance = make_staff(role=StaffRole.FINANCE)
    other = app.test_client()
    login(other, finance.email, staff=True)
    page = other.get("/staff/payments").get_data(as_text=True)
    assert "<fieldset disabled>" in page
    refused = other.post(
        "/staff/payments/funding-limits",
        data={"csrf_token": csrf(page), "per_operation": "9999999.00", "per_day": "9999999.00"},
    )
    assert refused.status_code == 403
    with app.app_context():
        settings = remittance.billing_settings(owner.store_id)
        assert settings.fund_limit_per_operation == Decimal("100.00")
        assert settings.fund_limit_per_day == Decimal("150.00")
    assert _actions(app) == ["funds.limits"]


def test_the_funds_page_shows_limits_and_the_second_approval(
    app: Flask, customer: Customer, owner: Staff, make_staff: Callable[..., Staff]
) -> None:
    _threshold(app, owner, "1000.00")
    client = app.test_client()
    login(client, owner.email, staff=True)
    url = f"/staff/customers/{customer.id}/funds"
    page = client.get(url).get_data(as_text=True)
    assert "50000.00 per funding" in page
    data = {"csrf_token": csrf(page), "form_key": form_key(page), "amount": "10000000000000"}
    over = client.post(url, data=data)
    assert over.status_code == 422
    assert "over the store&#39;s limit of 50000.00" in over.get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf(page), "form_key": form_key(page), "amount": "2500.00"}
    waiting = client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
    assert "waits for a second, different staff member" in waiting
    assert 'id="pending-fundings"' in waiting
    # the first form of the waiting fundings' table (the page's menus have forms of their own)
    approve = waiting.split('id="pending-fundings"')[1].split('action="')[1].split('"')[0]
    assert approve.endswith("/approve")
    mine = client.post(approve, data={"csrf_token": csrf(waiting)}, follow_redirects=True)
    assert "a second, different staff member must approve" in mine.get_data(as_text=True)
    assert _balance(app, customer) == 0
    finance = make_staff(role=StaffRole.FINANCE)
    other = app.test_client()
    login(other, finance.email, staff=True)
    page = other.get(url).get_data(as_text=True)
    done = other.post(approve, data={"csrf_token": csrf(page)}, follow_redirects=True)
    assert "Funding approved" in done.get_data(as_text=True)
    assert _balance(app, customer) == Decimal("2500.00")


def test_only_the_owner_moves_the_dual_control_threshold(
    app: Flask, owner: Staff, make_staff: Callable[..., Staff]
) -> None:
    _threshold(app, owner, "1000.00")
    finance = make_staff(role=StaffRole.FINANCE)
    client = app.test_client()
    login(client, finance.email, staff=True)
    page = client.get("/staff/payments").get_data(as_text=True)
    resp = client.post(
        "/staff/payments",
        data={"csrf_token": csrf(page), "bank_name": "BOC", "second_approval_threshold": ""},
    )
    assert resp.status_code == 302
    with app.app_context():
        settings = remittance.billing_settings(owner.store_id)
        assert settings.bank_name == "BOC"  # finance still keeps the bank details
        assert settings.second_approval_threshold == Decimal("1000.00")


def test_concurrent_fundings_never_go_over_the_daily_limit(
    app: Flask, customer: Customer, owner: Staff
) -> None:
    from storefront.billing import funding
    from tests.billing.test_concurrency import run_threads

    with app.app_context():
        funding.update_limits(owner, "100.00", "250.00")
        db.session.commit()

    def fund(i: int) -> str:
        with app.app_context():
            try:
                return str(funding.fund_customer(customer, "100.00", f"t{i}", owner)["status"])
            finally:
                db.session.rollback()

    results, errors, _elapsed = run_threads(8, fund)
    assert results == ["done", "done"]
    assert len(errors) == 6
    assert all(isinstance(e, funding.DailyLimitReached) for e in errors), errors
    assert _balance(app, customer) == Decimal("200.00")
    with app.app_context():
        assert check_ledger().ok
