"""Vouchers: the discount math (property-based), apply/redeem in the caller's transaction,
restrictions, revoke, upstream mirror through the cloud sandbox, reclaim on switch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from storefront.accounts.models import Customer, Staff, StaffRole
from storefront.accounts.permissions import PermissionDenied
from storefront.billing import services, voucher_mirror, vouchers
from storefront.billing.cli import check_ledger
from storefront.billing.models import Voucher, VoucherStatus, VoucherUpstream
from storefront.extensions import db
from tests.billing.conftest import assert_ledger_invariants

NOW = datetime.now(UTC)
money = st.decimals(min_value=0, max_value=Decimal("100000"), places=2)


@given(remaining=money, amount=money)
def test_discount_is_bounded(remaining: Decimal, amount: Decimal) -> None:
    discount = vouchers.compute_discount(remaining, amount)
    assert Decimal("0") <= discount <= min(remaining, amount)
    assert discount == min(remaining, amount)
    assert amount - discount >= 0


def issue(app: Flask, staff: Staff, **kwargs: Any) -> Voucher:
    kwargs.setdefault("face_value", "100.00")
    kwargs.setdefault("valid_from", NOW - timedelta(days=1))
    kwargs.setdefault("valid_until", NOW + timedelta(days=30))
    with app.app_context():
        voucher = vouchers.issue_voucher(staff, **kwargs)
        db.session.commit()
        voucher_mirror.mirror(voucher)  # as the staff page does once the voucher is saved
        db.session.commit()
        db.session.refresh(voucher)
        db.session.expunge(voucher)
        return voucher


def test_apply_and_redeem_inside_the_callers_transaction(
    app: Flask, owner: Staff, customer: Customer, give: Callable[[Customer, str], None]
) -> None:
    v = issue(app, owner, face_value="100.00", usage_limit=3)
    give(customer, "500.00")
    with app.app_context():
        preview = vouchers.apply_voucher(customer, v.code.lower(), "30.00", ["ecs"])
        assert (preview.discount, preview.payable) == (Decimal("30.00"), Decimal("0.00"))
        # what checkout does: redeem + wallet debit, one commit
        use = vouchers.redeem(customer, v.code, "130.00", ["ecs"], reference="order:1")
        services.debit(customer, Decimal("130.00") - use.amount, "order 1", "order:1")
        db.session.commit()
        assert use.amount == Decimal("100.00")
        assert services.balance(customer) == Decimal("470.00")
        again = vouchers.redeem(customer, v.code, "130.00", ["ecs"], reference="order:1")
        assert again.id == use.id  # idempotent per reference
        with pytest.raises(vouchers.VoucherNotApplicable):  # nothing left
            vouchers.apply_voucher(customer, v.code, "10.00", ["ecs"])
        assert check_ledger().ok
        assert_ledger_invariants()


def test_a_rolled_back_checkout_leaves_the_voucher_untouched(
    app: Flask, owner: Staff, customer: Customer
) -> None:
    v = issue(app, owner, face_value="50.00")
    with app.app_context():
        vouchers.redeem(customer, v.code, "20.00", reference="order:2")
        db.session.rollback()  # e.g. the wallet could not pay
        found = db.session.get(Voucher, v.id)
        assert found is not None and found.remaining == Decimal("50.00") and found.used_count == 0


def test_usage_limit_window_products_customer_and_group(
    app: Flask, owner: Staff, customer: Customer, make_customer: Callable[..., Customer]
) -> None:
    from storefront.catalog.models import CustomerGroup, CustomerGroupMember

    other = make_customer()
    once = issue(app, owner, face_value="100.00", usage_limit=1, products=["evs"])
    mine = issue(app, owner, customer=customer)
    later = issue(app, owner, valid_from=NOW + timedelta(days=2))
    with app.app_context():
        group = CustomerGroup(store_id=owner.store_id, name="VIP")
        db.session.add(group)
        db.session.flush()
        db.session.add(CustomerGroupMember(store_id=owner.store_id, group_id=group.id,
                                           customer_id=customer.id))
        db.session.commit()
        group_id = group.id
    vip = issue(app, owner, group_id=group_id)
    with app.app_context():
        with pytest.raises(vouchers.VoucherNotApplicable):
            vouchers.apply_voucher(customer, once.code, "10.00", ["ecs"])
        vouchers.redeem(customer, once.code, "10.00", ["evs"], reference="o:1")
        db.session.commit()
        with pytest.raises(vouchers.VoucherNotApplicable):  # limit of one use reached
            vouchers.apply_voucher(customer, once.code, "10.00", ["evs"])
        with pytest.raises(vouchers.VoucherNotFound):
            vouchers.apply_voucher(other, mine.code, "10.00", [])
        assert vouchers.apply_voucher(customer, mine.code, "10.00", []).discount == 10
        with pytest.raises(vouchers.VoucherNotApplicable):
            vouchers.apply_voucher(customer, later.code, "10.00", [])
        assert vouchers.apply_voucher(customer, vip.code, "10.00", []).discount == 10
        with pytest.raises(vouchers.VoucherNotApplicable):
            vouchers.apply_voucher(other, vip.code, "10.00", [])
        with pytest.raises(vouchers.VoucherNotFound):
            vouchers.apply_voucher(customer, "NOPE", "10.00", [])
        codes = {v.code for v in vouchers.customer_vouchers(customer)}
        assert {mine.code, vip.code, once.code} <= codes
        assert mine.code not in {v.code for v in vouchers.customer_vouchers(other)}


def test_only_money_roles_issue(app: Flask, make_staff: Callable[..., Staff]) -> None:
    support = make_staff(role=StaffRole.SUPPORT)
    with app.app_context(), pytest.raises(PermissionDenied):
        vouchers.issue_voucher(support, face_value="1.00", valid_from=NOW,
                               valid_until=NOW + timedelta(days=1))


def _linked_customer(app: Flask, make_customer: Callable[..., Customer]) -> Customer:
    """A customer really created at the cloud sandbox under the demo partner."""
    import uuid

    from storefront.extensions import cloud_provider

    customer = make_customer()
    with app.app_context():
        created = cloud_provider().create_sub_customer(
            xaccount_id=uuid.uuid4().hex, account_name=f"v{uuid.uuid4().hex[:12]}"
        )
        row = db.session.get(Customer, customer.id)
        assert row is not None
        row.provider_customer_id = created.customer_id
        db.session.commit()
        db.session.refresh(row)
        db.session.expunge(row)
        return row


def test_mirror_upstream_and_revoke_reclaims(
    app: Flask, owner: Staff, make_customer: Callable[..., Customer], sandbox: Any
) -> None:
    from storefront.extensions import cloud_provider

    customer = _linked_customer(app, make_customer)
    v = issue(app, owner, face_value="88.00", customer=customer, products=["ecs"])
    assert v.upstream is VoucherUpstream.MIRRORED and v.upstream_coupon_id
    with app.app_context():
        coupons = cloud_provider().list_issued_partner_coupons(
            customer_id=customer.provider_customer_id
        )
        assert [(c.coupon_id, c.face_value, c.status) for c in coupons.items] == [
            (v.upstream_coupon_id, Decimal("88.00"), 2)
        ]
        revoked = vouchers.revoke_voucher(owner, v.id)
        db.session.commit()
        voucher_mirror.mirror(revoked)
        db.session.commit()
        assert revoked.status is VoucherStatus.REVOKED
        assert revoked.upstream is VoucherUpstream.RECLAIMED
        coupons = cloud_provider().list_issued_partner_coupons(coupon_id=v.upstream_coupon_id)
        assert coupons.items[0].status == 5


def test_upstream_failure_keeps_the_voucher_and_sync_retries(
    app: Flask, owner: Staff, make_customer: Callable[..., Customer], sandbox: Any
) -> None:
    customer = _linked_customer(app, make_customer)
    sandbox.set_faults(fault_rate=1.0, mode="error")
    try:
        v = issue(app, owner, face_value="10.00", customer=customer)
    finally:
        sandbox.clear_faults()
    assert v.upstream is VoucherUpstream.PENDING and v.upstream_error
    with app.app_context():
        assert vouchers.apply_voucher(customer, v.code, "5.00", []).discount == 5  # usable locally
    runner = app.test_cli_runner()
    result = runner.invoke(args=["storefront", "sync-vouchers"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        found = db.session.get(Voucher, v.id)
        assert found is not None and found.upstream is VoucherUpstream.MIRRORED
        from storefront.extensions import cloud_provider

        items = cloud_provider().list_issued_partner_coupons(
            customer_id=customer.provider_customer_id
        ).items
        assert len(items) == 1  # no duplicate coupon at the provider


def test_reclaim_store_vouchers_on_association_switch(
    app: Flask, owner: Staff, make_customer: Callable[..., Customer], sandbox: Any
) -> None:
    customer = _linked_customer(app, make_customer)
    mirrored = issue(app, owner, customer=customer)
    local = issue(app, owner, customer=customer, mirror=False)
    everyone = issue(app, owner)
    with app.app_context():
        revoked = vouchers.reclaim_store_vouchers(customer)
        assert {v.id for v in revoked} == {mirrored.id, local.id}
        states = {v.id: (v.status, v.upstream) for v in db.session.scalars(select(Voucher))}
        assert states[mirrored.id] == (VoucherStatus.REVOKED, VoucherUpstream.RECLAIMED)
        assert states[local.id][0] is VoucherStatus.REVOKED
        assert states[everyone.id][0] is VoucherStatus.ACTIVE


def test_staff_voucher_pages(
    app: Flask, owner: Staff, customer: Customer
) -> None:
    from tests.billing.wallet_helpers import csrf, login

    staff_client = app.test_client()
    login(staff_client, owner.email, staff=True)
    page = staff_client.get("/staff/vouchers").get_data(as_text=True)
    assert "No vouchers issued yet" in page
    until = (NOW + timedelta(days=10)).date().isoformat()
    response = staff_client.post("/staff/vouchers", data={
        "csrf_token": csrf(page), "face_value": "25.00", "valid_from": NOW.date().isoformat(),
        "valid_until": until, "products": ["ecs", "evs"], "customer_email": customer.email,
    }, follow_redirects=True)
    assert "issued" in response.get_data(as_text=True)
    bad = staff_client.post("/staff/vouchers", data={
        "csrf_token": csrf(page), "face_value": "-1", "valid_from": "", "valid_until": until,
    })
    assert bad.status_code == 422
    with app.app_context():
        voucher = db.session.scalars(select(Voucher)).one()
    # its state at the provider, in words
    shown = {
        "local": "not mirrored",
        "upstream_pending": "waiting to mirror",
        "mirrored": "mirrored",
    }
    listed = staff_client.get("/staff/vouchers").get_data(as_text=True)
    assert f"<td>{shown[voucher.upstream.value]}</td>" in listed
    shopper = app.test_client()
    login(shopper, customer.email)
    assert voucher.code in shopper.get("/wallet/vouchers").get_data(as_text=True)
    staff_client.post(f"/staff/vouchers/{voucher.id}/revoke", data={"csrf_token": csrf(page)})
    assert "revoked" in shopper.get("/wallet/vouchers").get_data(as_text=True)
