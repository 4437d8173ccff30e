"""A frozen store: its customers still sign in and read, but ordering and the console jump are
refused (``403 store_frozen``), also for a link minted before the freeze; a banner says why."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.backoffice.models import AuditEntry
from storefront.billing.models import Resource
from storefront.console_bridge.models import ConsoleJump
from storefront.extensions import db
from storefront.stores.models import Store
from tests.accounts.helpers import PASSWORD
from tests.shop import token

REASON = "distributor contract suspended"


def signed_in(app: Flask, customer: Customer) -> FlaskClient:
    """A browser-like client logged in through the login form."""
    browser = app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert csrf
    resp = browser.post(
        "/login",
        data={"email": customer.email, "password": PASSWORD, "csrf_token": csrf.group(1)},
    )
    assert resp.status_code == 302
    return browser


def cli(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["storefront", *args])


def test_store_freeze_refuses_ordering_and_console_but_not_reading(
    app: Flask,
    client: FlaskClient,
    default_store: Store,
    linked: Customer,
    make_resource: Callable[..., Resource],
    make_quote: Callable[..., str],
    give: Callable[[Customer, str], None],
    owner: Any,
    login: Callable[..., FlaskClient],
    catalog: Any,
) -> None:
    mine = make_resource(linked)
    quote_id = make_quote(linked)
    give(linked, "100000.00")
    headers = token(client, linked)
    minted = client.post(f"/api/v1/resources/{mine.id}/console", headers=headers).get_json()
    assert minted["url"]

    refused = cli(app, "store-freeze", default_store.slug, "--reason", "  ")
    assert refused.exit_code != 0 and "reason" in refused.output.lower()
    done = cli(app, "store-freeze", default_store.slug, "--reason", REASON)
    assert done.exit_code == 0, done.output
    again = cli(app, "store-freeze", default_store.slug, "--reason", REASON)
    assert again.exit_code != 0 and "already frozen" in again.output

    # ordering
    order = client.post("/api/v1/orders", json={"quote_id": quote_id}, headers=headers)
    assert order.status_code == 403, order.get_json()
    assert order.get_json()["error"]["code"] == "store_frozen"
    # the console: minting, and redeeming a link minted before the freeze
    console = client.post(f"/api/v1/resources/{mine.id}/console", headers=headers)
    assert console.status_code == 403 and console.get_json()["error"]["code"] == "store_frozen"
    page = client.get(urlsplit(minted["url"]).path)
    assert page.status_code == 403
    html = page.get_data(as_text=True)
    assert 'id="console-refused"' in html and "frozen" in html and default_store.name in html
    assert REASON not in html  # the operator's reason is for staff, not for customers

    # reading still works: a new token, profile, orders, resources
    headers = token(client, linked)
    me = client.get("/api/v1/me", headers=headers).get_json()
    assert me["can_buy"] is False
    assert client.get("/api/v1/orders", headers=headers).status_code == 200
    items = client.get("/api/v1/resources", headers=headers).get_json()["items"]
    assert [r["id"] for r in items] == [mine.id]

    # banners: the customer's pages and the back office (with the reason for staff)
    browser = signed_in(app, linked)
    customer_page = browser.get("/resources").get_data(as_text=True)
    assert 'id="store-frozen-banner"' in customer_page and REASON not in customer_page
    account_page = browser.get("/account").get_data(as_text=True)
    assert 'id="store-frozen-banner"' in account_page
    assert "complete real-name verification" not in account_page  # not the customer's fault
    staff_page = login(owner).get("/admin/").get_data(as_text=True)
    assert 'id="store-frozen-banner"' in staff_page and REASON in staff_page

    with app.app_context():
        entries = list(
            db.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action.like("store.%"))
                .execution_options(all_stores=True)
            )
        )
        assert [(e.action, e.store_id, e.details["reason"]) for e in entries] == [
            ("store.freeze", default_store.id, REASON)
        ]
        assert "platform operator" in entries[0].actor_label
        outcomes = {
            (j.step, j.outcome)
            for j in db.session.scalars(select(ConsoleJump).execution_options(all_stores=True))
        }
        assert {("mint", "store_frozen"), ("redeem", "store_frozen")} <= outcomes

    # unfreezing opens the store again
    assert cli(app, "store-unfreeze", default_store.slug).exit_code == 0
    headers = token(client, linked)
    order = client.post("/api/v1/orders", json={"quote_id": quote_id}, headers=headers)
    assert order.status_code == 201, order.get_json()
    assert client.post(f"/api/v1/resources/{mine.id}/console", headers=headers).status_code == 200
    assert 'id="store-frozen-banner"' not in client.get("/").get_data(as_text=True)
    assert cli(app, "store-unfreeze", default_store.slug).exit_code != 0  # not frozen


def test_a_frozen_store_does_not_touch_other_stores(
    app: Flask,
    client: FlaskClient,
    make_store: Callable[..., Store],
    linked: Customer,
    make_resource: Callable[..., Resource],
) -> None:
    other = make_store()
    assert cli(app, "store-freeze", str(other.id), "--reason", REASON).exit_code == 0
    assert cli(app, "store-freeze", "no-such-store", "--reason", REASON).exit_code != 0
    mine = make_resource(linked)
    resp = client.post(f"/api/v1/resources/{mine.id}/console", headers=token(client, linked))
    assert resp.status_code == 200, resp.get_json()


def test_a_jump_in_flight_is_stopped_at_the_saml_answer(
    app: Flask, client: FlaskClient, sandbox: Any, default_store: Store, linked: Customer,
    bought: Any,
) -> None:
    """Redeemed before the freeze, the provider's AuthnRequest arrives after it: no assertion."""
    import requests

    from tests.console_bridge.conftest import trust_storefront

    trust_storefront(sandbox, client.get("/saml/idp/metadata.xml").get_data(as_text=True))
    resource = bought(linked)[0]
    minted = client.post(
        f"/api/v1/resources/{resource['id']}/console", headers=token(client, linked)
    ).get_json()
    go = client.get(urlsplit(minted["url"]).path)
    assert go.status_code == 302
    at_provider = requests.get(go.headers["Location"], allow_redirects=False, timeout=10)
    sso = urlsplit(at_provider.headers["Location"])
    assert cli(app, "store-freeze", default_store.slug, "--reason", REASON).exit_code == 0
    answer = client.get(f"{sso.path}?{sso.query}")
    assert answer.status_code == 403
    html = answer.get_data(as_text=True)
    assert "SAMLResponse" not in html and 'id="console-refused"' in html
    with app.app_context():
        last = db.session.scalars(
            select(ConsoleJump).order_by(ConsoleJump.id.desc()).execution_options(all_stores=True)
        ).first()
        assert last is not None and (last.step, last.outcome) == ("sso", "store_frozen")


def test_checkout_page_says_the_store_is_not_taking_orders(
    app: Flask,
    default_store: Store,
    linked: Customer,
    make_quote: Callable[..., str],
    give: Callable[[Customer, str], None],
    catalog: Any,
) -> None:
    quote_id = make_quote(linked)
    give(linked, "100000.00")
    assert cli(app, "store-freeze", default_store.slug, "--reason", REASON).exit_code == 0
    browser = signed_in(app, linked)
    page = browser.get(f"/checkout/{quote_id}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert csrf and key
    resp = browser.post(
        f"/checkout/{quote_id}",
        data={"csrf_token": csrf.group(1), "idempotency_key": key.group(1)},
    )
    assert resp.status_code == 409
    assert "not taking orders" in resp.get_data(as_text=True)
    assert client_orders(app, linked) == 0


def client_orders(app: Flask, customer: Customer) -> int:
    from storefront.billing.models import Order

    with app.app_context():
        return len(
            db.session.scalars(
                select(Order).where(Order.customer_id == customer.id)
                .execution_options(all_stores=True)
            ).all()
        )
