"""Every partner form: bad input is answered with the field's error next to it (or a flashed
message for buttons), never a 500; messages follow the page's language; CSRF is enforced."""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from storefront.accounts.models import StaffRole
from storefront.extensions import db
from storefront.partners.models import Invitation, PartnerProfile
from storefront.partners.services import invitation_token, now

ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def owner(app: Flask, make_staff: Any, login: Any) -> FlaskClient:
    app.config["WTF_CSRF_ENABLED"] = False
    client: FlaskClient = login(make_staff(role=StaffRole.OWNER))
    # a contracting entity with offline remittance, so the remittance form is offered
    assert client.post("/admin/partners/profile", data={"contracting_entity": "huawei_cloud"})
    return client


def _text(resp: Any) -> str:
    return html.unescape(resp.get_data(as_text=True))


def _field_error(page: str, field_id: str) -> str:
    found = re.search(rf'id="{field_id}-err"[^>]*>([^<]*)<', page)
    assert found, f"no error shown next to {field_id}"
    return found.group(1)


@pytest.mark.parametrize(
    ("url", "data", "field", "message"),
    [
        (
            "/admin/partners/profile",
            {"contracting_entity": "bogus", "programme_member_since": "31/12/2025"},
            "programme_member_since",
            "Enter a date as YYYY-MM-DD.",
        ),
        (
            "/admin/partners/profile",
            {"contracting_entity": "bogus"},
            "contracting_entity",
            "Choose one of the options.",
        ),
        (
            "/admin/partners/remittances",
            {
                "amount": "NaN",
                "remitted_on": "2026-01-01",
                "payer_account": "6222",
                "serial_number": "S1",
            },
            "amount",
            "Enter an amount such as 1000.00.",
        ),
        (
            "/admin/partners/remittances",
            {"amount": "10.00", "remitted_on": "", "payer_account": "", "serial_number": "S1"},
            "payer_account",
            "This field is required.",
        ),
        (
            "/admin/partners/incentives",
            {"period": "2026-Q1", "kind": "growth", "amount": "-5"},
            "amount",
            "Enter an amount above zero and at most 10,000,000.",
        ),
        (
            "/admin/partners/incentives",
            {"payout_method": "cash"},
            "payout_method",
            "Choose one of the options.",
        ),
        (
            "/admin/partners/certifications",
            {"staff_id": "abc", "kind": "HCIE", "number": "N1", "issued_on": "2025-01-01"},
            "staff_id",
            "Choose one of the options.",
        ),
        (
            "/admin/partners/certifications",
            {"kind": "HCXX", "number": "", "issued_on": "2025-01-01", "expires_on": "2024-01-01"},
            "expires_on",
            "The expiry date must be after the issue date.",
        ),
        (
            "/admin/partners/opportunities",
            {
                "customer_name": "ACME",
                "products": "ECS",
                "estimated_amount": "1e400",
                "stage": "lead",
                "expected_close": "2026-02-30",
            },
            "expected_close",
            "Enter a date as YYYY-MM-DD.",
        ),
        (
            "/admin/partners/resellers/invitations",
            {"company_name": "Co", "email": "not-an-email", "account_name": "acct", "locale": "fr"},
            "email",
            "Enter a valid email address.",
        ),
    ],
)
def test_bad_input_shows_the_field_error(
    owner: FlaskClient, url: str, data: dict[str, str], field: str, message: str
) -> None:
    resp = owner.post(url, data=data)
    assert resp.status_code == 422, resp.status_code
    assert _field_error(_text(resp), field) == message


def test_funds_form_bad_input(app: Flask, make_staff: Any, login: Any, reseller: Any) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    client = login(make_staff(role=StaffRole.FINANCE))
    url = f"/admin/partners/resellers/{reseller.id}/funds"
    resp = client.post(url, data={"kind": "steal", "amount": "0.001", "reason": "x"})
    assert resp.status_code == 422
    page = _text(resp)
    assert _field_error(page, "kind") == "Choose one of the options."
    assert _field_error(page, "amount") == "Enter an amount above zero and at most 10,000,000."
    resp = client.post(url, data={"kind": "allocate", "amount": "1.005", "reason": "ok!"})
    assert _field_error(_text(resp), "amount") == (
        "Enter an amount above zero with at most 2 decimals."
    )
    assert _field_error(page, "reason") == "Give a reason (at least 3 characters)."
    # in Chinese, the same errors are Chinese
    resp = client.post(url, data={"kind": "allocate", "amount": "abc", "reason": "ok!"}, headers=ZH)
    assert resp.status_code == 422
    assert _field_error(_text(resp), "amount") == "请输入金额，例如 1000.00。"


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/admin/partners/remittances/1/state", {"state": "bogus"}),
        ("/admin/partners/opportunities/1/status", {"status": "bogus"}),
        ("/admin/partners/path", {"path": "bogus"}),
    ],
)
def test_bad_buttons_are_flashed_not_500(
    owner: FlaskClient, url: str, data: dict[str, str]
) -> None:
    resp = owner.post(url, data=data)
    assert resp.status_code == 302
    page = _text(owner.get(resp.headers["Location"]))
    assert 'role="alert"' in page or "alert-danger" in page


def test_service_refusals_are_in_the_page_language(owner: FlaskClient) -> None:
    owner.post("/admin/partners/profile", data={"contracting_entity": "other"})
    # the development path needs programme membership first: a rule of the service
    resp = owner.post("/admin/partners/path", data={"path": "si"}, headers=ZH)
    assert resp.status_code == 302
    page = _text(owner.get("/admin/partners/path", headers=ZH))
    assert "请先登记您的伙伴计划成员资格。" in page
    assert "Record your partner-programme membership first." not in page
    # offline remittance is refused for another contracting entity (service rule, no field)
    resp = owner.post(
        "/admin/partners/remittances",
        data={
            "amount": "10.00",
            "remitted_on": "2026-01-01",
            "payer_account": "6222",
            "serial_number": "S-1",
        },
        headers=ZH,
    )
    assert resp.status_code == 302
    page = _text(owner.get("/admin/partners/remittances", headers=ZH))
    assert "线下汇款仅适用于与华为自有主体签约的伙伴。" in page


def test_service_field_errors_go_next_to_the_field(owner: FlaskClient) -> None:
    future = date(date.today().year + 1, 1, 1).isoformat()
    resp = owner.post(
        "/admin/partners/remittances",
        data={
            "amount": "10.00",
            "remitted_on": future,
            "payer_account": "6222",
            "serial_number": "S-2",
        },
        headers=ZH,
    )
    assert resp.status_code == 422
    assert _field_error(_text(resp), "remitted_on") == "汇款日期不能晚于今天。"


def test_csrf_is_required(app: Flask, make_staff: Any, login: Any) -> None:
    client = login(make_staff(role=StaffRole.OWNER))
    app.config["WTF_CSRF_ENABLED"] = True
    resp = client.post("/admin/partners/profile", data={"contracting_entity": "other"})
    assert resp.status_code == 400
    page = _text(client.get("/admin/partners/"))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    resp = client.post(
        "/admin/partners/profile",
        data={"contracting_entity": "huawei_cloud", "csrf_token": token.group(1)},
    )
    assert resp.status_code == 302
    with app.app_context():
        profile = db.session.scalar(db.select(PartnerProfile).execution_options(all_stores=True))
        assert profile is not None and profile.contracting_entity == "huawei_cloud"


def test_join_form_bad_input(app: Flask, make_staff: Any) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    owner = make_staff(role=StaffRole.OWNER)
    with app.test_request_context():
        at = now()
        invitation = Invitation(
            email="boss@new.example",
            account_name="acct-x",
            company_name="New Co",
            locale="en",
            nonce="n" * 32,
            invited_by_id=owner.id,
            created_at=at,
            sent_at=at,
            expires_at=at.replace(year=at.year + 1),
            send_count=1,
        )
        db.session.add(invitation)
        db.session.commit()
        token = invitation_token(invitation)
    client = app.test_client()
    url = f"/join/{token}"
    assert client.get(url).status_code == 200
    bad = {
        "company_name": "New Co",
        "store_name": "Shop",
        "slug": "Bad Slug!",
        "domain": "shop.new.example",
        "owner_email": "boss@new.example",
        "password": "short",
    }
    resp = client.post(url, data=bad)
    assert resp.status_code == 422
    assert _field_error(_text(resp), "slug") == "Use 2-63 lowercase letters, digits and hyphens."
    resp = client.post(url, data={**bad, "slug": "new-shop"}, headers=ZH)
    assert resp.status_code == 422
    assert _field_error(
        _text(resp), "password"
    ) == "密码至少需要 10 个字符。" or "10" in _field_error(_text(resp), "password")


def test_a_recorded_remittance_shows_its_state_and_next_steps(owner: FlaskClient) -> None:
    recorded = owner.post(
        "/admin/partners/remittances",
        data={
            "amount": "10.00",
            "remitted_on": date.today().isoformat(),
            "payer_account": "6222",
            "serial_number": "S-9",
        },
    )
    assert recorded.status_code == 302

    def row(headers: dict[str, str] | None = None) -> str:
        page = _text(owner.get("/admin/partners/remittances", headers=headers or {}))
        return page.split('id="remittances"')[1].split("</table>")[0]

    assert "recorded, not claimed" in row() and "Mark claimed" in row()
    assert "已登记，未认领" in row(ZH) and "标记为已认领" in row(ZH)
    found = re.search(r'action="(/admin/partners/remittances/\d+/state)"', row())
    assert found
    assert owner.post(found.group(1), data={"state": "claimed"}).status_code == 302
    claimed = row()
    assert ">claimed<" in claimed and "Mark confirmed" in claimed and "Mark rejected" in claimed
    assert "Mark claimed" not in claimed
