"""The second console route (``STOREFRONT_CONSOLE_ROUTE=iam_broker``) without a browser: link ->
agency credentials + login token through the real IAM client -> the sandbox's
``authui/federation/login`` -> its console page of the resource; single use, expiry, the same
refusals and audit as the SAML route."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.backoffice.models import AuditEntry
from storefront.billing.models import Resource
from storefront.cloud.interface import UpstreamRejected
from storefront.console_bridge.models import ConsoleJump
from storefront.extensions import cloud_provider, db
from tests.shop import token


@pytest.fixture
def app(make_app: Callable[..., Flask], _migrated: None) -> Iterator[Flask]:
    from tests.conftest import _empty_tables, dispose

    application = make_app(STOREFRONT_CONSOLE_ROUTE="iam_broker")
    with application.app_context():
        _empty_tables()
    yield application
    dispose(application)


def federation_url(client: FlaskClient, customer: Customer, resource_id: int) -> tuple[str, str]:
    """Mint a link and follow it once: (the link's path, where it redirects)."""
    minted = client.post(
        f"/api/v1/resources/{resource_id}/console", headers=token(client, customer)
    )
    assert minted.status_code == 200, minted.get_json()
    path = urlsplit(minted.get_json()["url"]).path
    go = client.get(path)
    assert go.status_code == 302, go.get_data(as_text=True)
    return path, go.headers["Location"]


def test_broker_jump_lands_on_the_resource_once(
    app: Flask, client: FlaskClient, sandbox: Any, linked: Customer, bought: Any
) -> None:
    resource = bought(linked)[0]
    path, url = federation_url(client, linked, resource["id"])
    assert url.startswith(f"{sandbox.url}/authui/federation/login?")
    query = parse_qs(urlsplit(url).query)
    assert query["idp_login_url"] == ["http://localhost/resources"]
    assert query["service"][0].endswith(
        f"/console/ecs/{resource['region']}/{resource['provider_resource_id']}"
    )
    assert query["logintoken"][0]
    browser = requests.Session()
    landed = browser.get(url, timeout=10)
    assert landed.status_code == 200, landed.text
    assert landed.url == query["service"][0]
    assert resource["provider_resource_id"] in landed.text
    # the login token is single use, and so is our link
    replay = requests.get(url, allow_redirects=False, timeout=10)
    assert replay.status_code == 401 and "already been used" in replay.text
    again = client.get(path)
    assert again.status_code == 410 and "already used" in again.get_data(as_text=True)
    # no SAML state was left behind: the IdP's SSO endpoint answers nothing
    assert client.get("/saml/idp/sso?SAMLRequest=x").status_code == 403
    with app.app_context():
        jumps = [
            (j.step, j.outcome)
            for j in db.session.scalars(
                select(ConsoleJump).order_by(ConsoleJump.id).execution_options(all_stores=True)
            )
        ]
        assert jumps == [
            ("mint", "ok"), ("redeem", "ok"), ("redeem", "link_used"), ("sso", "no_pending_jump")
        ]
        audited = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "console.jump")
            .execution_options(all_stores=True)
        ).all()
        assert len(audited) == 4
        assert [a.customer_id for a in audited[:3]] == [linked.id] * 3


def test_expired_or_forged_login_tokens_are_refused(
    client: FlaskClient, sandbox: Any, linked: Customer, make_resource: Callable[..., Resource]
) -> None:
    mine = make_resource(linked)
    _path, url = federation_url(client, linked, mine.id)
    forged = url.replace("logintoken=LT", "logintoken=LX")
    assert requests.get(forged, allow_redirects=False, timeout=10).status_code == 401
    outside = url.replace("service=http", "service=https%3A%2F%2Fevil.example%2Fconsole%2F&x=")
    assert requests.get(outside, allow_redirects=False, timeout=10).status_code == 400
    sandbox._control("POST", "/_sandbox/clock", {"offset_s": 660})
    try:
        late = requests.get(url, allow_redirects=False, timeout=10)
    finally:
        sandbox._control("POST", "/_sandbox/clock", {"offset_s": 0})
    assert late.status_code == 401 and "expired" in late.text


def test_broker_route_refuses_like_the_saml_route(
    app: Flask,
    client: FlaskClient,
    linked: Customer,
    make_linked: Callable[..., Customer],
    make_resource: Callable[..., Resource],
    owner: Any,
) -> None:
    mine = make_resource(linked)
    other = make_linked()
    assert client.post(
        f"/api/v1/resources/{make_resource(other).id}/console", headers=token(client, linked)
    ).status_code == 404
    minted = client.post(f"/api/v1/resources/{mine.id}/console", headers=token(client, linked))
    link = urlsplit(minted.get_json()["url"]).path
    runner = app.test_cli_runner()
    frozen = runner.invoke(args=["storefront", "store-freeze", "default", "--reason", "x"])
    assert frozen.exit_code == 0, frozen.output
    refused = client.get(link)
    assert refused.status_code == 403 and 'id="console-refused"' in refused.get_data(as_text=True)
    api = client.post(f"/api/v1/resources/{mine.id}/console", headers=token(client, linked))
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "store_frozen"
    assert runner.invoke(args=["storefront", "store-unfreeze", "default"]).exit_code == 0
    from storefront.backoffice import customer_freeze as backoffice

    with app.app_context():
        customer = db.session.get(Customer, linked.id)
        assert customer is not None
        backoffice.freeze_customer(db.session.merge(owner), customer, "unpaid invoices")
        db.session.commit()
    api = client.post(f"/api/v1/resources/{mine.id}/console", headers=token(client, linked))
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "account_frozen"


def test_the_provider_refuses_an_agency_it_has_not_granted(app: Flask, sandbox: Any) -> None:
    with app.app_context(), pytest.raises(UpstreamRejected) as refused:
        cloud_provider().console_federation_url(
            customer_id="0" * 32,
            session_user="storefront-1",
            service=f"{sandbox.url}/console/",
            idp_login_url="http://localhost/resources",
        )
    assert refused.value.code == "IAM.0002"
