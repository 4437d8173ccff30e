"""At expiry, switch to pay-per-use (#18) with the clock moved (the sandbox's and the
storefront's together): a monthly server with the choice on is switched at the provider on its
last day, is on demand here at the store's hourly price from expiry on, and an hour later the
usage billing has charged the wallet that price; with the choice off nothing changes; it never
goes together with auto-renew; the page shows and saves it in English and Chinese."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from storefront.billing.usage import bill_usage
from storefront.extensions import cloud_provider
from tests.billing.test_customer_mails import subjects
from tests.renewals.conftest import Owned, _csrf, balance, customer_client, ledger_ok, token
from tests.renewals.test_lifecycle import HOUR, _at, _expiry, _scan, _shown, _sync
from tests.shop import drain, quote_total


def _on_demand_at_provider(app: Flask, owned: Owned) -> bool:
    with app.app_context():
        from storefront.accounts.models import Customer
        from storefront.extensions import db

        customer = db.session.get(Customer, owned.customer.id)
        assert customer is not None and customer.provider_customer_id
        remote = cloud_provider().list_on_demand_resources(
            customer_id=customer.provider_customer_id
        )
        rid = _shown_provider_id(app, owned)
        return any(r.resource_id == rid for r in remote)


def _shown_provider_id(app: Flask, owned: Owned) -> str:
    with app.app_context():
        from storefront.billing.models import Resource
        from storefront.extensions import db

        row = db.session.get(Resource, owned.id)
        assert row is not None
        return row.provider_resource_id


def _prices_fresh(app: Flask) -> None:
    """The catalog's periodic price sync ran (the price book is as fresh as the moved clock)."""
    with app.app_context():
        from sqlalchemy import update

        from storefront.catalog import snapshot
        from storefront.catalog.models import PriceBookEntry
        from storefront.clock import utcnow
        from storefront.extensions import db

        db.session.execute(update(PriceBookEntry).values(fetched_at=utcnow()))
        db.session.commit()
        snapshot.invalidate()


def test_pay_per_use_at_expiry_is_billed_by_the_hour(
    app: Flask, client: Any, owned: Owned, time_travel: Callable[[timedelta], None],
    mail_dir: Path, make_quote: Callable[..., str],
) -> None:  # fmt: skip
    url = f"/api/v1/resources/{owned.id}"
    _sync(app)
    first = _expiry(client, owned)
    hourly = quote_total(app, make_quote(owned.customer, mode="on_demand"))
    assert hourly > 0

    bad = client.put(f"{url}/expiry-policy", json={"at_expiry": "later"}, headers=owned.headers)
    assert bad.status_code == 422 and "at_expiry" in str(bad.get_json())
    on = client.put(f"{url}/expiry-policy", json={"at_expiry": "pay_per_use"},
                    headers=owned.headers)  # fmt: skip
    assert on.status_code == 200, on.get_json()
    assert on.get_json()["expiry_policy"]["at_expiry"] == "pay_per_use"
    both = client.put(f"{url}/auto-renew", json={"enabled": True}, headers=owned.headers)
    assert both.status_code == 409, both.get_json()

    def go(delta: timedelta) -> None:
        time_travel(_at(first + delta))
        owned.headers = token(client, owned.customer)
        _prices_fresh(app)

    go(-3 * timedelta(days=1))  # not yet: asked only on the last day
    _scan(app)
    assert not _on_demand_at_provider(app, owned)
    go(-12 * HOUR)
    _scan(app)
    _scan(app)
    shown = _shown(client, owned)
    assert shown["billing_mode"] == "monthly"  # still prepaid until expiry
    locked = client.put(f"{url}/expiry-policy", json={"at_expiry": "expire"},
                        headers=owned.headers)  # fmt: skip
    assert locked.status_code == 409

    go(HOUR + 30 * timedelta(minutes=1))  # expired: on demand at the provider and here
    _sync(app)
    _scan(app)
    assert _on_demand_at_provider(app, owned)
    shown = _shown(client, owned)
    assert shown["billing_mode"] == "on_demand", shown
    assert shown["status"] == "active"
    name, email = owned.resource["name"], owned.customer.email
    assert subjects(mail_dir, email).count(f"{name} is now pay-per-use") == 1
    _scan(app)
    assert subjects(mail_dir, email).count(f"{name} is now pay-per-use") == 1

    wallet = balance(app, owned.customer)
    with app.app_context():
        report = bill_usage()
    assert report.records == 1, report
    assert balance(app, owned.customer) == wallet - hourly
    ledger_ok(app)
    audited = _audited(app, owned)
    assert "renewal.expiry_policy" in audited and "renewal.pay_per_use" in audited


def test_without_the_choice_nothing_changes(
    app: Flask, client: Any, owned: Owned, time_travel: Callable[[timedelta], None],
) -> None:  # fmt: skip
    _sync(app)
    first = _expiry(client, owned)
    time_travel(_at(first - 12 * HOUR))
    _scan(app)
    time_travel(_at(first + 2 * HOUR))
    owned.headers = token(client, owned.customer)
    _sync(app)
    _scan(app)
    assert not _on_demand_at_provider(app, owned)
    shown = _shown(client, owned)
    assert shown["billing_mode"] == "monthly" and shown["status"] == "expired"


def test_page_shows_and_saves_the_choice_in_english_and_chinese(app: Flask, owned: Owned) -> None:
    browser = customer_client(app, owned)
    page = browser.get(f"/resources/{owned.id}").get_data(as_text=True)
    assert 'data-at-expiry="expire"' in page and "Switch to pay-per-use" in page
    assert "cannot be combined with auto-renew" in page
    saved = browser.post(
        f"/resources/{owned.id}/expiry-policy",
        data={"expiry-at_expiry": "pay_per_use", "expiry-csrf_token": _csrf(page, "expiry-")},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "It switches to pay-per-use at expiry." in saved
    assert 'data-at-expiry="pay_per_use"' in saved
    zh = browser.get(f"/resources/{owned.id}", headers={"Accept-Language": "zh-CN"})
    text = zh.get_data(as_text=True)
    assert 'data-at-expiry="pay_per_use"' in text and "按需" in text
    refused = browser.post(
        f"/resources/{owned.id}/auto-renew",
        data={"auto-enabled": "y", "auto-term": "month:1", "auto-csrf_token": _csrf(text, "auto-")},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert 'data-enabled="no"' in refused


def test_a_refusal_is_shown_mailed_and_the_resource_just_expires(
    app: Flask, client: Any, owned: Owned, time_travel: Callable[[timedelta], None],
    mail_dir: Path,
) -> None:  # fmt: skip
    """The provider refuses once the grace period began (CBC.99003610): here the scan is late
    (run for an hour before expiry while the provider's clock is already past it)."""
    url = f"/api/v1/resources/{owned.id}"
    _sync(app)
    first = _expiry(client, owned)
    on = client.put(f"{url}/expiry-policy", json={"at_expiry": "pay_per_use"},
                    headers=owned.headers)  # fmt: skip
    assert on.status_code == 200
    time_travel(_at(first + 2 * HOUR))
    owned.headers = token(client, owned.customer)
    _prices_fresh(app)
    _sync(app)
    with app.app_context():
        from storefront.renewals.jobs import scan_all

        report = scan_all(first - HOUR)
    assert report.ppu_refused == [owned.id]
    drain(app)
    name, email = owned.resource["name"], owned.customer.email
    assert f"{name} cannot switch to pay-per-use" in subjects(mail_dir, email)
    shown = _shown(client, owned)
    assert shown["billing_mode"] == "monthly" and shown["status"] == "expired"
    assert not _on_demand_at_provider(app, owned)
    page = customer_client(app, owned).get(f"/resources/{owned.id}").get_data(as_text=True)
    assert 'id="expiry-policy-refused"' in page and 'data-state="refused"' in page
    assert "renewal.pay_per_use_refused" in _audited(app, owned)


def _audited(app: Flask, owned: Owned) -> list[str]:
    with app.app_context():
        from sqlalchemy import select

        from storefront.backoffice.models import AuditEntry
        from storefront.extensions import db

        return list(db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.customer_id == owned.customer.id)
            .execution_options(all_stores=True)
        ))  # fmt: skip
