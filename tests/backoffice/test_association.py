"""The association switch: store vouchers reclaimed (mirrored upstream through the sandbox),
the settlement recorded with the wallet untouched, the account closed (no login, no token),
permissions, and the back-office pages."""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.accounts.models import Customer, CustomerStatus, Staff, StaffRole
from storefront.accounts.permissions import PermissionDenied
from storefront.backoffice import association
from storefront.backoffice.association_models import AssociationSettlement, SettlementStatus
from storefront.backoffice.errors import BackofficeError
from storefront.backoffice.models import AuditEntry
from storefront.billing import services as billing
from storefront.billing import voucher_mirror, vouchers
from storefront.billing.models import (
    Order,
    OrderLine,
    OrderStatus,
    Resource,
    ResourceStatus,
    Voucher,
    VoucherStatus,
    VoucherUpstream,
)
from storefront.extensions import cloud_provider, db
from tests.builders import PASSWORD

NOW = datetime.now(UTC)


@pytest.fixture
def owner(make_staff: Callable[..., Staff]) -> Staff:
    return make_staff(role=StaffRole.OWNER)


def _linked_customer(app: Flask, make_customer: Callable[..., Customer], **kw: Any) -> Customer:
    """A customer really created at the cloud sandbox under the demo partner."""
    customer = make_customer(**kw)
    with app.test_request_context():
        created = cloud_provider().create_sub_customer(
            xaccount_id=uuid.uuid4().hex, account_name=f"a{uuid.uuid4().hex[:12]}"
        )
        row = db.session.get(Customer, customer.id)
        assert row is not None
        row.provider_customer_id = created.customer_id
        db.session.commit()
        db.session.refresh(row)
        db.session.expunge(row)
        return row


def _voucher(app: Flask, staff: Staff, **kwargs: Any) -> Voucher:
    kwargs.setdefault("face_value", "50.00")
    kwargs.setdefault("valid_from", NOW - timedelta(days=1))
    kwargs.setdefault("valid_until", NOW + timedelta(days=30))
    with app.test_request_context():
        voucher = vouchers.issue_voucher(staff, **kwargs)
        db.session.commit()
        voucher_mirror.mirror(voucher)  # as the staff page does once the voucher is saved
        db.session.commit()
        db.session.refresh(voucher)
        db.session.expunge(voucher)
        return voucher


def _prepaid_resource(app: Flask, customer: Customer, total: str, used: int, left: int) -> None:
    """A monthly resource paid ``total``, active ``used`` days ago, expiring in ``left`` days."""
    with app.test_request_context():
        start = datetime.now(UTC) - timedelta(days=used)
        order = Order(
            store_id=customer.store_id,
            customer_id=customer.id,
            quote_id=uuid.uuid4().hex[:20],
            region_code="cn-north-4",
            billing_mode="monthly",
            period=1,
            currency=billing.store_currency(customer.store_id),
            total=Decimal(total),
            cost_total=Decimal(total) / 2,
            status=OrderStatus.ACTIVE,
            paid_at=start,
            active_at=start,
        )
        db.session.add(order)
        db.session.flush()
        line = OrderLine(
            store_id=customer.store_id,
            order_id=order.id,
            position=0,
            product_code="ecs",
            spec_code="s6.small.1.linux",
            quantity=1,
            unit_price=Decimal(total),
            amount=Decimal(total),
            unit_cost=Decimal(total) / 2,
            cost_amount=Decimal(total) / 2,
            client_token=uuid.uuid4().hex,
            resource_ids="srv-1",
        )
        db.session.add(line)
        db.session.flush()
        db.session.add(
            Resource(
                store_id=customer.store_id,
                customer_id=customer.id,
                order_id=order.id,
                order_line_id=line.id,
                provider_resource_id=f"srv-{uuid.uuid4().hex[:8]}",
                product_code="ecs",
                spec_code="s6.small.1.linux",
                region_code="cn-north-4",
                billing_mode="monthly",
                status=ResourceStatus.ACTIVE,
                expires_at=start + timedelta(days=used + left),
            )
        )
        db.session.commit()


def _fresh(model: Any, row_id: int) -> Any:
    return db.session.scalar(
        select(model).where(model.id == row_id).execution_options(all_stores=True)
    )


def _switch(staff: Staff, c: Customer, reason: str, ip: str | None) -> AssociationSettlement:
    """The switch as the page does it: the rule, the commit, then the customer's mail."""
    settlement = association.switch_association(staff, c, reason, ip)
    db.session.commit()
    association.mail_settlement(c, settlement)
    return settlement


def _mails(mail_dir: Path) -> list[EmailMessage]:
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(mail_dir.glob("*.eml"))
    ]


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_switch_reclaims_store_vouchers_records_settlement_and_closes(
    app: Flask,
    owner: Staff,
    make_customer: Callable[..., Customer],
    sandbox: Any,
    mail_dir: Path,
) -> None:
    customer = _linked_customer(app, make_customer)
    with app.test_request_context():
        billing.fund(customer, "120.00", "setup", owner)
    mirrored = _voucher(app, owner, customer=customer, face_value="88.00")
    assert mirrored.upstream is VoucherUpstream.MIRRORED and mirrored.upstream_coupon_id
    local = _voucher(app, owner, customer=customer, mirror=False)
    everyone = _voucher(app, owner)
    _prepaid_resource(app, customer, "300.00", used=10, left=20)

    with app.test_request_context():
        c = db.session.get(Customer, customer.id)
        staff = db.session.get(Staff, owner.id)
        assert c is not None and staff is not None
        settlement = _switch(staff, c, "moving elsewhere", "1.2.3.4")

        # store vouchers reclaimed, the mirrored one upstream too; the store-wide one untouched
        assert _fresh(Voucher, mirrored.id).status is VoucherStatus.REVOKED
        assert _fresh(Voucher, mirrored.id).upstream is VoucherUpstream.RECLAIMED
        assert _fresh(Voucher, local.id).status is VoucherStatus.REVOKED
        assert _fresh(Voucher, everyone.id).status is VoucherStatus.ACTIVE
        coupons = cloud_provider().list_issued_partner_coupons(
            coupon_id=mirrored.upstream_coupon_id
        )
        assert coupons.items[0].status == 5  # reclaimed at the provider

        # the settlement: wallet + prepaid pro rata (2/3 of 300 left), the wallet untouched
        row = _fresh(AssociationSettlement, settlement.id)
        assert row.status is SettlementStatus.OPEN
        assert row.wallet_balance == Decimal("120.00")
        assert abs(row.prepaid_unconsumed - Decimal("200.00")) <= Decimal("0.01")
        assert row.total == row.wallet_balance + row.prepaid_unconsumed
        assert {v["code"] for v in row.details["store_vouchers_reclaimed"]} == {
            mirrored.code,
            local.code,
        }
        assert "provider_vouchers" in row.details and "cash_coupons" in row.details
        assert billing.balance(c) == Decimal("120.00")

        # closed, audited
        assert _fresh(Customer, customer.id).status == CustomerStatus.CLOSED
        entry = db.session.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "customer.association_switch")
            .execution_options(all_stores=True)
        )
        assert entry is not None and entry.customer_id == customer.id
        assert entry.details["settlement_id"] == settlement.id and entry.ip == "1.2.3.4"

        # a second switch is refused
        with pytest.raises(BackofficeError):
            association.switch_association(staff, c, "again", None)

    mails = [m for m in _mails(mail_dir) if m["To"] == customer.email]
    assert len(mails) == 1
    body = _body(mails[0])
    assert "120.00" in body and str(row.total) in body


def test_mail_in_the_customers_language(
    app: Flask, owner: Staff, make_customer: Callable[..., Customer], mail_dir: Path
) -> None:
    customer = make_customer(locale="zh_Hans_CN")
    with app.test_request_context():
        c = db.session.get(Customer, customer.id)
        assert c is not None
        _switch(owner, c, "leaving the partner", None)
    (msg,) = [m for m in _mails(mail_dir) if m["To"] == customer.email]
    assert re.search(r"[\u4e00-\u9fff]", str(msg["Subject"]) + _body(msg))


def test_login_refused_and_tokens_stop_after_switch(
    app: Flask,
    owner: Staff,
    make_customer: Callable[..., Customer],
    token_for: Callable[[Any], str],
    login: Callable[..., FlaskClient],
) -> None:
    customer = make_customer()
    token = token_for(customer)
    session_client = login(customer)
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/me", headers=headers).status_code == 200
    with app.test_request_context():
        c = db.session.get(Customer, customer.id)
        assert c is not None
        _switch(owner, c, "leaving the partner", None)

    assert api.get("/api/v1/me", headers=headers).status_code == 401
    app.config["WTF_CSRF_ENABLED"] = False
    resp = app.test_client().post("/login", data={"email": customer.email, "password": PASSWORD})
    assert resp.status_code != 302
    resp = app.test_client().post(
        "/api/v1/auth/token", json={"email": customer.email, "password": PASSWORD}
    )
    assert resp.status_code in (400, 401, 403)
    # an existing browser session no longer counts as logged in
    assert session_client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("role", [StaffRole.SUPPORT, StaffRole.FINANCE])
def test_only_the_owner_may_switch(
    app: Flask,
    make_staff: Callable[..., Staff],
    make_customer: Callable[..., Customer],
    login: Callable[..., FlaskClient],
    role: StaffRole,
) -> None:
    staff = make_staff(role=role)
    customer = make_customer()
    with app.test_request_context():
        c = db.session.get(Customer, customer.id)
        assert c is not None
        with pytest.raises(PermissionDenied):
            association.switch_association(staff, c, "not allowed", None)
        assert _fresh(Customer, customer.id).status == CustomerStatus.ACTIVE
    client = login(staff)
    app.config["WTF_CSRF_ENABLED"] = False  # reach the view: the refusal is the permission's
    assert client.get(f"/admin/customers/{customer.id}/association").status_code == 403
    assert client.post(f"/admin/customers/{customer.id}/association").status_code == 403
    assert client.get("/admin/settlements").status_code == 200  # money.view: both may look


def _csrf(page: str) -> str:
    found = re.search(r'name="(?:[a-z]+-)?csrf_token" type="hidden" value="([^"]+)"', page)
    return found.group(1) if found else ""  # "" when CSRF is off


def test_pages_confirm_then_switch_then_settle(
    app: Flask,
    owner: Staff,
    make_staff: Callable[..., Staff],
    make_customer: Callable[..., Customer],
    login: Callable[..., FlaskClient],
) -> None:
    customer = make_customer()
    with app.test_request_context():
        billing.fund(customer, "30.00", "setup", owner)
    client = login(owner)
    page = client.get(f"/admin/customers/{customer.id}").get_data(as_text=True)
    assert f"/admin/customers/{customer.id}/association" in page
    confirm = client.get(f"/admin/customers/{customer.id}/association")
    assert confirm.status_code == 200
    text = confirm.get_data(as_text=True)
    assert "30.00" in text
    token = _csrf(text)
    assert token

    # no confirmation, no reason: refused, nothing changes
    resp = client.post(
        f"/admin/customers/{customer.id}/association",
        data={"assoc-csrf_token": token, "assoc-reason": "leaving"},
    )
    assert resp.status_code == 422
    resp = client.post(
        f"/admin/customers/{customer.id}/association",
        data={"assoc-csrf_token": token, "assoc-confirm": "y"},
    )
    assert resp.status_code == 422
    with app.test_request_context():
        assert _fresh(Customer, customer.id).status == CustomerStatus.ACTIVE

    resp = client.post(
        f"/admin/customers/{customer.id}/association",
        data={"assoc-csrf_token": token, "assoc-reason": "leaving", "assoc-confirm": "y"},
    )
    assert resp.status_code == 302 and "/admin/settlements" in resp.headers["Location"]
    listing = client.get("/admin/settlements").get_data(as_text=True)
    assert customer.email in listing and "30.00" in listing
    page = client.get(f"/admin/customers/{customer.id}").get_data(as_text=True)
    assert "Settlement #" in page

    with app.test_request_context():
        settlement = db.session.scalar(
            select(AssociationSettlement).execution_options(all_stores=True)
        )
        assert settlement is not None
        sid = settlement.id
        assert billing.balance(_fresh(Customer, customer.id)) == Decimal("30.00")

    support = login(make_staff(role=StaffRole.SUPPORT))
    app.config["WTF_CSRF_ENABLED"] = False  # reach the view: the refusal is the permission's
    assert support.post("/admin/settlements/settle").status_code == 403
    finance = login(make_staff(role=StaffRole.FINANCE))
    token = _csrf(finance.get("/admin/settlements").get_data(as_text=True))
    resp = finance.post(
        "/admin/settlements/settle",
        data={
            "settle-csrf_token": token,
            "settle-settlement_id": str(sid),
            "settle-note": "bank transfer 2026-11-25",
        },
    )
    assert resp.status_code == 302
    with app.test_request_context():
        row = _fresh(AssociationSettlement, sid)
        assert row.status is SettlementStatus.SETTLED and row.settled_note
        assert billing.balance(_fresh(Customer, customer.id)) == Decimal("30.00")
