"""An abandoned online top-up: its page updates itself until final, the customer may cancel
it, it expires after ``STOREFRONT_TOPUP_EXPIRY_MINUTES``; a payment that still arrives is
credited (the money came in)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.billing import topup
from storefront.billing.models import Topup, TopupStatus
from storefront.extensions import db
from tests.billing.test_topup import balance, notify, pay, shopper, start
from tests.billing.wallet_helpers import csrf

__all__ = ["shopper"]


def only_topup(app: Flask) -> Topup:
    with app.app_context():
        found = db.session.scalars(select(Topup).execution_options(all_stores=True)).one()
        db.session.expunge(found)
        return found


def test_the_page_polls_until_final_and_the_customer_can_cancel(
    app: Flask, shopper: FlaskClient, customer: Customer
) -> None:
    start(shopper, "10.00")
    reference = only_topup(app).reference
    page = shopper.get(f"/wallet/topup/{reference}").get_data(as_text=True)
    assert f'hx-get="/wallet/topup/{reference}/status?n=1"' in page and "load delay:2s" in page
    assert 'id="topup-cancel"' in page
    later = shopper.get(f"/wallet/topup/{reference}/status?n=3").get_data(as_text=True)
    assert "load delay:6s" in later
    cancelled = shopper.post(f"/wallet/topup/{reference}/cancel", data={"csrf_token": csrf(page)})
    assert cancelled.status_code == 302
    final = shopper.get(f"/wallet/topup/{reference}/status?n=4").get_data(as_text=True)
    assert 'data-status="cancelled"' in final and "hx-get" not in final
    assert "topup-cancel" not in final
    assert only_topup(app).status is TopupStatus.CANCELLED
    again = shopper.post(f"/wallet/topup/{reference}/cancel", data={"csrf_token": csrf(page)})
    assert again.status_code == 302  # no longer waiting: said so, nothing changes
    assert balance(app, customer) == Decimal("0.00")


def test_an_abandoned_top_up_expires_and_a_late_payment_is_still_credited(
    app: Flask, shopper: FlaskClient, customer: Customer
) -> None:
    checkout = start(shopper, "25.00")
    minutes = topup.wallet_settings(app).topup_expiry_minutes
    with app.app_context():
        assert topup.expire_topups() == 0  # not yet
        assert topup.expire_topups(datetime.now(UTC) + timedelta(minutes=minutes + 1)) == 1
        db.session.commit()  # as the worker does after the job
    reference = only_topup(app).reference
    page = shopper.get(f"/wallet/topup/{reference}").get_data(as_text=True)
    assert 'data-status="cancelled"' in page and "expired" in page and "hx-get" not in page
    _, body, headers = pay(shopper, checkout)  # the customer pays in the old tab after all
    assert notify(shopper, body, headers)["outcome"] == "credited"
    assert balance(app, customer) == Decimal("25.00")


def test_viewing_a_stale_top_up_expires_it(
    app: Flask, shopper: FlaskClient, customer: Customer
) -> None:
    start(shopper, "5.00")
    with app.app_context():
        row = db.session.scalars(select(Topup).execution_options(all_stores=True)).one()
        row.created_at = datetime.now(UTC) - timedelta(days=1)
        db.session.commit()
        reference = row.reference
    html = shopper.get(urlsplit(f"/wallet/topup/{reference}").path).get_data(as_text=True)
    assert 'data-status="cancelled"' in html and "expired" in html
