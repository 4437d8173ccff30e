"""The distributor freezes a reseller's store from the reseller page: reason mandatory, audited
in both stores; the reseller's customers can read but not order or open the console."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from storefront.accounts.models import RealnameStatus, StaffRole
from storefront.backoffice.models import AuditEntry
from storefront.billing.models import Resource, ResourceStatus
from storefront.extensions import db
from storefront.stores.models import Store
from tests.staff import host_of

REASON = "reseller agreement under review"


def test_distributor_freezes_and_unfreezes_a_reseller_store(
    app: Flask,
    default_store: Any,
    make_staff: Any,
    make_customer: Any,
    reseller: Any,
    login: Any,
    token_for: Any,
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    store = reseller.store
    host = host_of(store)
    distributor = login(make_staff(role=StaffRole.OWNER))
    url = f"/admin/partners/resellers/{reseller.id}/freeze"
    page = distributor.get(f"/admin/partners/resellers/{reseller.id}").get_data(as_text=True)
    assert 'id="store-freeze-form"' in page and "data-confirm=" in page

    no_reason = distributor.post(url, data={"action": "freeze", "reason": " "})
    assert no_reason.status_code == 302
    with app.app_context():
        assert db.session.get(Store, store.id).frozen_at is None  # type: ignore[union-attr]

    done = distributor.post(url, data={"action": "freeze", "reason": REASON})
    assert done.status_code == 302
    page = distributor.get(f"/admin/partners/resellers/{reseller.id}").get_data(as_text=True)
    assert "Frozen since" in page and REASON in page
    # the distributor's own store is not frozen: no banner on its pages
    assert 'id="store-frozen-banner"' not in page

    customer = make_customer(store=store, realname_status=RealnameStatus.VERIFIED)
    with app.app_context():
        row = Resource(
            store_id=store.id, customer_id=customer.id, provider_resource_id="r-1",
            product_code="ecs", spec_code="s6.large.2.linux", region_code="cn-north-4",
            billing_mode="monthly", status=ResourceStatus.ACTIVE, name="web",
        )
        db.session.add(row)
        db.session.commit()
        resource_id = row.id
    headers = {"Authorization": f"Bearer {token_for(customer)}", "Host": host}
    console = app.test_client().post(f"/api/v1/resources/{resource_id}/console", headers=headers)
    assert console.status_code == 403 and console.get_json()["error"]["code"] == "store_frozen"
    order = app.test_client().post("/api/v1/orders", json={"quote_id": "q"}, headers=headers)
    assert order.status_code == 403 and order.get_json()["error"]["code"] == "store_frozen"
    assert app.test_client().get("/api/v1/resources", headers=headers).status_code == 200
    # the reseller's staff see the banner with the reason in their back office
    reseller_staff = login(make_staff(store=store, role=StaffRole.OWNER), host=host)
    office = reseller_staff.get("/admin/", headers={"Host": host}).get_data(as_text=True)
    assert 'id="store-frozen-banner"' in office and REASON in office

    assert distributor.post(url, data={"action": "unfreeze", "reason": ""}).status_code == 302
    console = app.test_client().post(f"/api/v1/resources/{resource_id}/console", headers=headers)
    assert console.get_json()["error"]["code"] != "store_frozen"

    with app.app_context():
        entries = [
            (e.action, e.store_id)
            for e in db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action.like("store.%"))
                .order_by(AuditEntry.id)
                .execution_options(all_stores=True)
            )
        ]
    assert entries == [
        ("store.freeze", store.id),
        ("store.freeze", default_store.id),
        ("store.unfreeze", store.id),
        ("store.unfreeze", default_store.id),
    ]


def test_reseller_staff_cannot_freeze_their_own_store(
    app: Flask, make_staff: Any, reseller: Any, login: Any
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    host = host_of(reseller.store)
    staff = login(make_staff(store=reseller.store, role=StaffRole.OWNER), host=host)
    resp = staff.post(
        f"/admin/partners/resellers/{reseller.id}/freeze",
        data={"action": "unfreeze"},
        headers={"Host": host},
    )
    assert resp.status_code == 403


def test_only_the_distributors_owners_freeze_stores(
    app: Flask, make_staff: Any, reseller: Any, login: Any
) -> None:
    """Finance staff of the distributor move funds but do not freeze a reseller's store."""
    app.config["WTF_CSRF_ENABLED"] = False
    finance = login(make_staff(role=StaffRole.FINANCE))
    page = finance.get(f"/admin/partners/resellers/{reseller.id}").get_data(as_text=True)
    assert "Store freeze" in page and 'id="store-freeze-form"' not in page
    resp = finance.post(
        f"/admin/partners/resellers/{reseller.id}/freeze",
        data={"action": "freeze", "reason": REASON},
    )
    assert resp.status_code == 403
    with app.app_context():
        assert db.session.get(Store, reseller.store.id).frozen_at is None  # type: ignore[union-attr]
