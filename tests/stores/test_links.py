"""Absolute links (mails, payment, console, SAML) come from configuration, never the Host."""

from __future__ import annotations

import email
import re
from collections.abc import Callable
from email import policy
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from storefront.accounts import services as accounts
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.stores.services import set_primary_domain
from storefront.stores.tenancy import store_context
from storefront.stores.urls import external_url
from tests.accounts.helpers import run_jobs
from tests.builders import PASSWORD

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def mail_links(mail_dir: Path) -> list[str]:
    """Every http(s) link in the plain-text part of every mail sent so far."""
    found: list[str] = []
    for path in sorted(mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns):
        msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        body = msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        found += re.findall(r"https?://\S+", body)
    return found


def forgot(client: FlaskClient, host: str, address: str) -> Any:
    """POST /forgot-password through its form, with ``Host: host``."""
    page = client.get("/forgot-password", headers={"Host": host})
    token = CSRF.search(page.get_data(as_text=True))
    assert token, page.status_code
    return client.post(
        "/forgot-password",
        data={"csrf_token": token.group(1), "email": address},
        headers={"Host": host},
    )


@pytest.fixture
def acme(make_store: Callable[..., Store]) -> Store:
    """A store answering on two domains; the first one is its canonical one."""
    return make_store(name="Acme Cloud", domains=["acme.test", "www.acme.test"])


def test_a_reset_asked_for_with_a_forged_host_mails_nothing(
    app: Flask, client: FlaskClient, make_customer: Any, mail_dir: Path
) -> None:
    # An attacker speaks raw HTTP: a CSRF token and its cookie are theirs to send, so CSRF is no
    # defence here (it is switched off to show that); the Host check is.
    app.config["WTF_CSRF_ENABLED"] = False
    victim = make_customer()
    forged = {"Host": "evil.example"}
    answer = client.post("/forgot-password", data={"email": victim.email}, headers=forged)
    assert answer.status_code == 400 and "Unknown site" in answer.get_data(as_text=True)
    assert run_jobs(app) == 0  # nothing queued for the worker either
    assert mail_links(mail_dir) == []  # before: http://evil.example/reset-password/<token>
    # the same request on the store's own host does mail the victim (the test can fail)
    assert client.post("/forgot-password", data={"email": victim.email}).status_code == 302
    assert run_jobs(app) == 1  # the worker sends the mail
    assert [urlsplit(link).netloc for link in mail_links(mail_dir)] == ["localhost"]


def test_the_reset_link_is_the_public_url_whatever_host_was_asked(
    app: Flask, client: FlaskClient, make_customer: Any, mail_dir: Path
) -> None:
    customer = make_customer()
    # 127.0.0.1 serves the default store in testing, but the link is STOREFRONT_PUBLIC_URL's
    assert forgot(client, "127.0.0.1:5000", customer.email).status_code == 302
    run_jobs(app)  # the worker, which has no request (and so no Host), sends the mail
    [link] = mail_links(mail_dir)
    assert link.startswith("http://localhost/reset-password/"), link
    assert client.get(urlsplit(link).path).status_code == 200  # and it works there


def test_a_store_links_to_its_primary_domain(
    app: Flask, client: FlaskClient, acme: Store, make_customer: Any, mail_dir: Path
) -> None:
    customer = make_customer(store=acme)
    assert forgot(client, "www.acme.test", customer.email).status_code == 302
    run_jobs(app)
    assert mail_links(mail_dir)[-1].startswith("http://acme.test/reset-password/")
    with app.app_context():
        set_primary_domain(db.session.get(Store, acme.id), "www.acme.test")  # type: ignore[arg-type]
        db.session.commit()
    assert forgot(client, "acme.test", customer.email).status_code == 302
    run_jobs(app)
    assert mail_links(mail_dir)[-1].startswith("http://www.acme.test/reset-password/")


def test_the_verification_mail_of_the_api(
    app: Flask, client: FlaskClient, default_store: Any, mail_dir: Path
) -> None:
    from tests.accounts.helpers import registration

    forged = client.post("/api/v1/customers", json=registration(), headers={"Host": "evil.example"})
    assert forged.status_code == 400 and forged.get_json()["error"]["code"] == "unknown_host"
    assert run_jobs(app) == 0
    assert mail_links(mail_dir) == []
    made = client.post("/api/v1/customers", json=registration(), headers={"Host": "127.0.0.1"})
    assert made.status_code == 201, made.get_json()
    assert run_jobs(app) == 1
    [link] = mail_links(mail_dir)
    assert link.startswith("http://localhost/verify-email/"), link


def test_links_outside_a_request_use_the_store_domain(
    app: Flask, acme: Store, make_customer: Any, mail_dir: Path
) -> None:
    """A worker job has no request at all: the store's canonical domain still makes the link."""
    customer = make_customer(store=acme)
    with app.app_context(), store_context(acme):
        accounts.request_password_reset(customer.email)
        db.session.commit()
    assert mail_links(mail_dir) == []  # queued, not sent: the worker sends it
    assert run_jobs(app) == 1  # outside any request and any store context
    [link] = mail_links(mail_dir)
    assert link.startswith("http://acme.test/reset-password/"), link
    with app.app_context():
        assert external_url("accounts.login") == "http://localhost/login"  # no store: public URL


def test_the_operator_sets_a_store_primary_domain(
    app: Flask, acme: Store, default_store: Store
) -> None:
    def run(*args: str) -> Any:
        return app.test_cli_runner().invoke(args=["storefront", "store-primary-domain", *args])

    assert run("acme.test").output.strip() == f"Store {acme.slug} links to http://acme.test"
    moved = run(acme.slug, "WWW.acme.test")
    assert moved.exit_code == 0 and moved.output.strip().endswith("http://www.acme.test")
    refused = run(acme.slug, "localhost")  # another store's domain
    assert refused.exit_code != 0 and "not one of the store's domains" in refused.output
    assert run(acme.slug).output.strip().endswith("http://www.acme.test")
    assert run("default", "127.0.0.1").output.strip().endswith("links to http://127.0.0.1")
    assert run("default", "").output.strip().endswith("links to http://localhost")
    assert run(acme.slug, "").output.strip().endswith("links to http://acme.test")  # oldest


def test_the_public_url_gives_scheme_port_and_prefix(
    make_app: Callable[..., Flask], acme: Store, default_store: Store
) -> None:
    app = make_app(STOREFRONT_PUBLIC_URL="https://shop.example.com:8443/cloud/")
    with app.app_context():
        login = external_url("accounts.login", store=default_store, next="/a b", _anchor="top")
        assert login == "https://shop.example.com:8443/cloud/login?next=/a+b#top"
        reset = external_url("accounts.reset_password", store=acme, token="t")
        assert reset == "https://acme.test:8443/cloud/reset-password/t"
        # a primary domain for the default store replaces the public URL
        set_primary_domain(db.session.get(Store, default_store.id), "localhost")  # type: ignore[arg-type]
        login = external_url("accounts.login", store=default_store)
        assert login == "https://localhost:8443/cloud/login"
        db.session.rollback()


def test_topup_return_and_notify_urls_ignore_the_host(app: Flask, make_customer: Any) -> None:
    app.config["PAYSANDBOX_DELIVERY"] = "outbox"
    customer = make_customer()
    client = app.test_client()
    host = {"Host": "127.0.0.1"}
    page = client.get("/login", headers=host).get_data(as_text=True)
    token = CSRF.search(page)
    assert token
    client.post(
        "/login",
        data={"email": customer.email, "password": PASSWORD, "csrf_token": token.group(1)},
        headers=host,
    )
    wallet = client.get("/wallet", headers=host).get_data(as_text=True)
    form_key = re.search(r'name="form_key" value="([^"]+)"', wallet)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', wallet) or CSRF.search(wallet)
    assert form_key and csrf
    started = client.post(
        "/wallet/topup",
        data={"amount": "12.00", "form_key": form_key.group(1), "csrf_token": csrf.group(1)},
        headers=host,
    )
    assert started.status_code == 302
    checkout = urlsplit(started.headers["Location"])
    assert (checkout.scheme, checkout.netloc) == ("http", "localhost")
    query = parse_qs(checkout.query)
    assert query["return_url"][0].startswith("http://localhost/wallet/topup/")
    assert query["notify_url"] == ["http://localhost/payments/notify/sandbox"]


def test_saml_endpoints_and_console_links_use_the_store_domain(
    client: FlaskClient, acme: Store, make_customer: Any, sandbox: Any
) -> None:
    xml = client.get("/saml/idp/metadata.xml", headers={"Host": "www.acme.test"}).get_data(
        as_text=True
    )
    assert 'entityID="http://acme.test/saml/idp/metadata.xml"' in xml
    assert 'Location="http://acme.test/saml/idp/sso"' in xml
    assert "www.acme.test" not in xml


def test_the_console_link_of_the_api_uses_the_store_domain(
    app: Flask, client: FlaskClient, acme: Store, make_linked: Any, make_resource: Any
) -> None:
    customer = make_linked(store=acme)
    resource = make_resource(customer)
    host = {"Host": "www.acme.test"}
    from tests.accounts.helpers import PASSWORD as LINKED_PASSWORD

    body = {"email": customer.email, "password": LINKED_PASSWORD}
    auth = client.post("/api/v1/auth/token", json=body, headers=host)
    assert auth.status_code == 200, auth.get_json()
    headers = {**host, "Authorization": f"Bearer {auth.get_json()['token']}"}
    answer = client.post(f"/api/v1/resources/{resource.id}/console", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["url"].startswith("http://acme.test/console/go/")


def test_a_partner_invitation_links_to_the_public_url(
    make_app: Callable[..., Flask], default_store: Store, make_staff: Any, mail_dir: Path
) -> None:
    from storefront.accounts.models import StaffRole

    app = make_app(STOREFRONT_PLATFORM_MODE="distributor")
    owner = make_staff(role=StaffRole.OWNER)
    client = app.test_client()
    host = {"Host": "127.0.0.1"}
    page = client.get("/admin/login", headers=host).get_data(as_text=True)
    token = CSRF.search(page)
    assert token
    client.post(
        "/admin/login",
        data={"email": owner.email, "password": PASSWORD, "csrf_token": token.group(1)},
        headers=host,
    )
    path = "/admin/partners/resellers/invitations"
    form = client.get(path, headers=host).get_data(as_text=True)
    token = CSRF.search(form)
    assert token, form[:300]
    sent = client.post(
        path,
        data={
            "csrf_token": token.group(1),
            "company_name": "Blue Reseller",
            "email": "boss@blue.example",
            "account_name": "blue-acct",
            "locale": "en",
        },
        headers=host,
    )
    assert sent.status_code in (302, 303), sent.status_code
    [link] = mail_links(mail_dir)
    assert link.startswith("http://localhost/join/"), link
