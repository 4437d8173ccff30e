"""The provider has no API that ends a customer association: after a switch, the settlement
carries a Partner Center checklist item ("done in Partner Center on <date> by <who>") that the
owner records once; it is audited and shown on the settlements and customer pages."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.accounts.models import Customer, Staff, StaffRole
from storefront.backoffice.association_models import AssociationSettlement
from storefront.backoffice.models import AuditEntry
from storefront.extensions import db


def _csrf(page: str, prefix: str) -> str:
    found = re.search(rf'name="{prefix}-csrf_token" type="hidden" value="([^"]+)"', page)
    return found.group(1) if found else ""


def test_partner_center_step_is_tracked_recorded_once_and_audited(
    app: Flask,
    make_staff: Callable[..., Staff],
    make_customer: Callable[..., Customer],
    login: Callable[..., FlaskClient],
) -> None:
    owner = make_staff(role=StaffRole.OWNER, name="Olga Owner")
    customer = make_customer(email="leaver@example.com")
    client = login(owner)
    confirm = client.get(f"/admin/customers/{customer.id}/association").get_data(as_text=True)
    resp = client.post(
        f"/admin/customers/{customer.id}/association",
        data={
            "assoc-csrf_token": _csrf(confirm, "assoc"),
            "assoc-reason": "moves to another partner",
            "assoc-confirm": "y",
        },
    )
    assert resp.status_code == 302
    flashed = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Disassociate the customer in Partner Center too" in flashed

    todo = client.get("/admin/settlements?status=partner_center").get_data(as_text=True)
    assert "Huawei Cloud has no partner API that ends a customer association" in todo
    assert customer.email in todo and 'data-partner-center="todo"' in todo
    assert 'value="Olga Owner"' in todo  # who defaults to the staff member recording it
    with app.app_context():
        sid = db.session.scalar(select(AssociationSettlement.id).execution_options(all_stores=True))
    token = _csrf(todo, "pc")
    today = datetime.now(UTC).date()

    def record(c: FlaskClient, **data: str) -> Any:
        form = {"pc-csrf_token": token, "pc-settlement_id": str(sid), **data}
        return c.post("/admin/settlements/partner-center", data=form)

    # only the owner (the partner administrator's side) records it
    for role in (StaffRole.SUPPORT, StaffRole.FINANCE):
        other = login(make_staff(role=role))
        app.config["WTF_CSRF_ENABLED"] = False
        assert (
            record(other, **{"pc-done_on": today.isoformat(), "pc-done_by": "x"}).status_code == 403
        )
        app.config["WTF_CSRF_ENABLED"] = True
    # a day in the future, or nobody named: refused, nothing recorded
    future = (today + timedelta(days=5)).isoformat()
    resp = record(client, **{"pc-done_on": future, "pc-done_by": "Li Wei"})
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Use a day between the switch and today." in page
    resp = record(client, **{"pc-done_on": today.isoformat(), "pc-done_by": ""})
    assert resp.status_code == 302
    with app.app_context():
        row = db.session.get(AssociationSettlement, sid)
        assert row is not None and row.provider_unbound_on is None

    resp = record(
        client,
        **{"pc-done_on": today.isoformat(), "pc-done_by": "Li Wei", "pc-note": "ticket 42"},
    )
    assert resp.status_code == 302
    listing = client.get("/admin/settlements").get_data(as_text=True)
    assert f"Disassociated in Partner Center on {today.isoformat()} by Li Wei." in listing
    assert "ticket 42" in listing and 'data-partner-center="done"' in listing
    assert customer.email not in client.get("/admin/settlements?status=partner_center").get_data(
        as_text=True
    )
    customer_page = client.get(f"/admin/customers/{customer.id}").get_data(as_text=True)
    assert f"Disassociated in Partner Center on {today.isoformat()} by Li Wei." in customer_page

    again = record(client, **{"pc-done_on": today.isoformat(), "pc-done_by": "Someone"})
    assert "already recorded" in client.get(again.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        row = db.session.get(AssociationSettlement, sid)
        assert row is not None and row.provider_unbound_by == "Li Wei"
        assert row.provider_unbound_staff_id == owner.id
        entries = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "association.provider_unbound")
            .execution_options(all_stores=True)
        ).all()
        assert len(entries) == 1 and entries[0].customer_id == customer.id
        assert entries[0].details["done_by"] == "Li Wei"
        assert entries[0].details["done_on"] == today.isoformat()
        assert entries[0].actor_label.startswith("Olga Owner")
