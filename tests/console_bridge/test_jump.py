"""The console jump without a browser: link -> provider login -> our IdP -> signed assertion ->
the sandbox SP logs the customer into its console; refusals and the audit."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.backoffice.models import AuditEntry
from storefront.billing.models import Resource
from storefront.console_bridge.models import ConsoleJump
from storefront.extensions import db
from tests.console_bridge.conftest import trust_storefront
from tests.shop import token


def mint(client: FlaskClient, customer: Customer, resource_id: int) -> Any:
    return client.post(f"/api/v1/resources/{resource_id}/console", headers=token(client, customer))


def saml_form(html: str) -> dict[str, str]:
    fields = dict(re.findall(r'name="(SAMLResponse|RelayState)" value="([^"]*)"', html))
    action = re.search(r'action="([^"]+)"', html)
    assert action, html
    return {**{k: unescape(v) for k, v in fields.items()}, "action": unescape(action.group(1))}


def jump_to_assertion(
    client: FlaskClient, sandbox: Any, url: str, browser: requests.Session
) -> tuple[Any, dict[str, str]]:
    """Follow the link to the point where our IdP hands the browser a signed response."""
    go = client.get(urlsplit(url).path)
    assert go.status_code == 302, go.get_data(as_text=True)
    login = go.headers["Location"]
    assert login.startswith(f"{sandbox.url}/authui/saml/login?")
    at_provider = browser.get(login, allow_redirects=False)
    assert at_provider.status_code == 302, at_provider.text
    sso = urlsplit(at_provider.headers["Location"])
    assert sso.path == "/saml/idp/sso"
    answer = client.get(f"{sso.path}?{sso.query}")
    return answer, saml_form(answer.get_data(as_text=True)) if answer.status_code == 200 else {}


def test_full_jump_lands_on_the_resource_and_is_audited(
    app: Flask, client: FlaskClient, sandbox: Any, linked: Customer, bought: Any
) -> None:
    trust_storefront(sandbox, client.get("/saml/idp/metadata.xml").get_data(as_text=True))
    resource = bought(linked)[0]
    resp = mint(client, linked, resource["id"])
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert "/console/go/" in body["url"] and body["expires_at"]
    browser = requests.Session()
    answer, form = jump_to_assertion(client, sandbox, body["url"], browser)
    assert answer.status_code == 200
    csp = answer.headers["Content-Security-Policy"]
    assert f"form-action 'self' {sandbox.url}" in csp and "nonce-" in csp
    assert form["action"] == f"{sandbox.url}/authui/saml/SAMLAssertionConsumer"
    assert form["RelayState"].endswith(
        f"/console/ecs/{resource['region']}/{resource['provider_resource_id']}"
    )
    xml = base64.b64decode(form["SAMLResponse"]).decode()
    assert xml.count("SignatureValue>") == 4  # two signatures: response and assertion
    assert linked.provider_xaccount_id in xml and "xAccountType" in xml
    landed = browser.post(form["action"], data=form, allow_redirects=True)
    assert landed.status_code == 200, landed.text
    assert landed.url == form["RelayState"]
    assert resource["provider_resource_id"] in landed.text
    # the second use of the same link is refused with a branded page
    again = client.get(urlsplit(body["url"]).path)
    assert again.status_code == 410
    assert "already used" in again.get_data(as_text=True)
    with app.app_context():
        steps = [
            (j.step, j.outcome)
            for j in db.session.scalars(
                select(ConsoleJump).order_by(ConsoleJump.id).execution_options(all_stores=True)
            )
        ]
        assert steps == [
            ("mint", "ok"), ("redeem", "redirected"), ("sso", "ok"), ("redeem", "link_used")
        ]
        audited = db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "console.jump")
            .execution_options(all_stores=True)
        ).all()
        assert len(audited) == 4 and all(a.customer_id == linked.id for a in audited)


def test_tampered_assertion_is_refused_by_the_provider(
    client: FlaskClient, sandbox: Any, linked: Customer, bought: Any, make_linked: Any
) -> None:
    trust_storefront(sandbox, client.get("/saml/idp/metadata.xml").get_data(as_text=True))
    other = make_linked()
    resource = bought(linked)[0]
    url = mint(client, linked, resource["id"]).get_json()["url"]
    browser = requests.Session()
    _answer, form = jump_to_assertion(client, sandbox, url, browser)
    xml = base64.b64decode(form["SAMLResponse"]).decode()
    assert other.provider_xaccount_id is not None and linked.provider_xaccount_id is not None
    forged = xml.replace(linked.provider_xaccount_id, other.provider_xaccount_id)
    assert forged != xml
    form["SAMLResponse"] = base64.b64encode(forged.encode()).decode()
    refused = browser.post(form["action"], data=form, allow_redirects=False)
    assert refused.status_code == 401
    assert "IAM.0201" in refused.text
    assert browser.get(f"{sandbox.url}/console/", allow_redirects=False).status_code == 401


def test_refusals(
    app: Flask,
    client: FlaskClient,
    linked: Customer,
    make_linked: Callable[..., Customer],
    make_resource: Callable[..., Resource],
) -> None:
    mine = make_resource(linked)
    other = make_linked()
    theirs = make_resource(other)
    assert mint(client, linked, theirs.id).status_code == 404
    assert mint(client, linked, 999999).status_code == 404
    unverified = make_linked(realname_status="pending")
    res = mint(client, unverified, make_resource(unverified).id)
    assert res.status_code == 403 and res.get_json()["error"]["code"] == "realname_required"
    # an expired link
    body = mint(client, linked, mine.id).get_json()
    with app.app_context():
        from datetime import UTC, datetime, timedelta

        from storefront.console_bridge.models import ConsoleLink

        for link in db.session.scalars(select(ConsoleLink).execution_options(all_stores=True)):
            link.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    gone = client.get(urlsplit(body["url"]).path)
    assert gone.status_code == 410 and "expired" in gone.get_data(as_text=True)
    unknown = client.get("/console/go/not-a-token")
    assert unknown.status_code == 404
    # the SSO endpoint answers nobody without a pending jump
    assert client.get("/saml/idp/sso?SAMLRequest=x").status_code == 403


def test_frozen_customer_is_refused_with_the_reason(
    app: Flask, client: FlaskClient, linked: Customer, make_resource: Callable[..., Resource],
    owner: Any,
) -> None:
    from storefront.backoffice import customer_freeze as backoffice

    mine = make_resource(linked)
    headers = token(client, linked)
    with app.app_context():
        customer = db.session.get(Customer, linked.id)
        staff = db.session.merge(owner)
        assert customer is not None
        backoffice.freeze_customer(staff, customer, "unpaid invoices")
        db.session.commit()
    res = client.post(f"/api/v1/resources/{mine.id}/console", headers=headers)
    assert res.status_code == 403, res.get_json()
    assert res.get_json()["error"]["code"] == "account_frozen"
    assert "unpaid invoices" in res.get_json()["error"]["message"]


def test_unknown_sp_and_foreign_acs_are_refused(
    app: Flask, client: FlaskClient, sandbox: Any, linked: Customer, bought: Any
) -> None:
    trust_storefront(sandbox, client.get("/saml/idp/metadata.xml").get_data(as_text=True))
    resource = bought(linked)[0]
    url = mint(client, linked, resource["id"]).get_json()["url"]
    go = client.get(urlsplit(url).path)
    at_provider = requests.get(go.headers["Location"], allow_redirects=False, timeout=10)
    query = parse_qs(urlsplit(at_provider.headers["Location"]).query)
    # the request's signature no longer matches once anything in it changes
    forged = dict(query)
    forged["RelayState"] = ["https://evil.example/console/"]
    from urllib.parse import urlencode

    refused = client.get("/saml/idp/sso?" + urlencode({k: v[0] for k, v in forged.items()}))
    assert refused.status_code == 400
    with app.app_context():
        outcomes = [
            j.outcome
            for j in db.session.scalars(
                select(ConsoleJump).where(ConsoleJump.step == "sso")
                .execution_options(all_stores=True)
            )
        ]
        assert outcomes and outcomes[-1] in ("bad_request", "service_not_allowed")


def test_metadata_is_an_idp_descriptor(client: FlaskClient, default_store: Any) -> None:
    resp = client.get("/saml/idp/metadata.xml")
    assert resp.status_code == 200
    xml = resp.get_data(as_text=True)
    assert "IDPSSODescriptor" in xml and "X509Certificate" in xml
    assert "http://localhost/saml/idp/sso" in xml
