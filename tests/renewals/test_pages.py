"""The customer's renewal pages (resource panel, renew, auto-renew, unsubscribe) and the staff
pages (overview, settings, renewal for a customer, the customer page's panel)."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from flask import Flask
from flask.testing import FlaskClient

from storefront.accounts.models import Staff
from storefront.backoffice.models import AuditEntry
from storefront.extensions import db
from tests.renewals.conftest import Owned, _csrf, balance, customer_client, drain, ledger_ok


def _field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_renew_and_unsubscribe_pages(app: Flask, owned: Owned) -> None:
    browser = customer_client(app, owned)
    page = browser.get(f"/resources/{owned.id}").get_data(as_text=True)
    assert 'id="renewal-panel"' in page and 'id="renew-button"' in page
    listed = browser.get("/resources").get_data(as_text=True)
    assert "days left" in listed
    form = browser.get(f"/resources/{owned.id}/renew?term=month:3").get_data(as_text=True)
    amount = re.search(r'id="renew-amount" data-amount="([0-9.]+)"', form)
    assert amount, form
    wallet = balance(app, owned.customer)
    done = browser.post(
        f"/resources/{owned.id}/renew",
        data={"csrf_token": _csrf(form), "term": "month:3", "key": _field(form, "key")},
        follow_redirects=True,
    )
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "Renewed. It now expires on" in text, text[:3000]
    assert balance(app, owned.customer) == wallet - Decimal(amount.group(1))
    page = browser.get(f"/resources/{owned.id}").get_data(as_text=True)
    on = browser.post(
        f"/resources/{owned.id}/auto-renew",
        data={"auto-csrf_token": _csrf(page, "auto-"), "auto-enabled": "y",
              "auto-term": "month:1"},
        follow_redirects=True,
    ).get_data(as_text=True)  # fmt: skip
    assert "Auto-renew is on." in on and 'data-enabled="yes"' in on
    confirm = browser.get(f"/resources/{owned.id}/unsubscribe").get_data(as_text=True)
    refund = re.search(r'id="unsubscribe-refund" data-amount="([0-9.]+)"', confirm)
    assert refund, confirm
    wallet = balance(app, owned.customer)
    gone = browser.post(
        f"/resources/{owned.id}/unsubscribe",
        data={"csrf_token": _csrf(confirm), "key": _field(confirm, "key")},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Unsubscribed." in gone and 'id="renewal-unsubscribed"' in gone
    assert balance(app, owned.customer) == wallet + Decimal(refund.group(1))
    drain(app)
    ledger_ok(app)


def test_staff_see_and_renew_for_a_customer(
    app: Flask, owned: Owned, owner: Staff, login: Callable[..., FlaskClient]
) -> None:
    staff = login(owner)
    dashboard = staff.get("/admin/").get_data(as_text=True)
    assert 'id="dashboard-renewals"' in dashboard and "/staff/renewals" in dashboard
    overview = staff.get("/staff/renewals").get_data(as_text=True)
    assert 'id="staff-expiring"' in overview and 'id="staff-unsubscribes"' in overview
    page = staff.get(f"/admin/customers/{owned.customer.id}").get_data(as_text=True)
    assert 'id="customer-renewals"' in page
    url = f"/staff/renewals/customers/{owned.customer.id}/resources/{owned.id}/renew"
    form = staff.get(f"{url}?term=year:1").get_data(as_text=True)
    assert 'id="renew-price"' in form, form[:3000]
    wallet = balance(app, owned.customer)
    done = staff.post(url, data={"csrf_token": _csrf(form), "term": "year:1",
                                 "key": _field(form, "key")})  # fmt: skip
    assert done.status_code == 302
    assert balance(app, owned.customer) < wallet
    with app.app_context():
        assert db.session.query(AuditEntry).filter_by(action="renewal.staff").count() == 1
    settings = staff.get("/staff/renewals/settings").get_data(as_text=True)
    saved = staff.post("/staff/renewals/settings", data={
        "csrf_token": _csrf(settings), "renew_days_before": "5", "reminder_days": "10,2"},
        follow_redirects=True).get_data(as_text=True)  # fmt: skip
    assert "Renewal settings saved." in saved and 'value="10,2"' in saved
    ledger_ok(app)
