"""Registration through the API: consent, provider rejection and outage, verification."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from storefront.accounts.models import ConsentRecord, Customer
from tests.accounts.helpers import mail_link, register, registration, run_jobs


def _sub_customer_names(sandbox: Any) -> set[str]:
    return {a["name"] for a in sandbox.inspect()["sub_customers"]}


@pytest.mark.parametrize(
    "consents",
    [
        {"accept_terms": False},
        {"consent_personal_info": False},
        {"accept_terms": "true"},
        {"accept_terms": None, "consent_personal_info": None},
    ],
)
def test_without_consent_nothing_is_created(
    client: Any, db: Any, sandbox: Any, default_store: Any, consents: dict[str, Any]
) -> None:
    body = registration(**consents)
    resp = client.post("/api/v1/customers", json=body)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "consent_required"
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0
    assert body["name"] not in _sub_customer_names(sandbox)


def test_register_links_at_the_provider_and_records_consent(
    client: Any, db: Any, sandbox: Any, default_store: Any, mail_dir: Path
) -> None:
    account_name = "acct-" + uuid.uuid4().hex[:10]
    resp = register(client, account_name=account_name)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "pending_email"
    assert body["realname_status"] == "unverified"
    assert body["provider_link"] == "linked"
    assert body["account_name"] == account_name
    assert account_name in _sub_customer_names(sandbox)
    consent = db.session.scalar(select(ConsentRecord))
    assert consent.customer_id == body["id"]
    assert consent.personal_info_consent is True
    assert set(consent.terms) >= {"user_agreement", "privacy_statement"}
    assert consent.ip == "127.0.0.1"

    # the verification mail (sent by the worker) carries a link whose token activates it
    assert not list(mail_dir.glob("*.eml"))
    assert run_jobs(client.application) == 1
    assert len(list(mail_dir.glob("*.eml"))) == 1
    token = mail_link(mail_dir, "/verify-email/")
    resp = client.post("/api/v1/customers/verify-email", json={"token": token})
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "active"}
    bad = client.post("/api/v1/customers/verify-email", json={"token": token + "x"})
    assert bad.status_code == 400
    assert bad.get_json()["error"]["code"] == "invalid_token"


def test_duplicate_email_is_409(client: Any, default_store: Any) -> None:
    first = register(client)
    assert first.status_code == 201
    again = register(client, email=first.get_json()["email"].upper())
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "email_taken"


def test_invalid_input_lists_fields(client: Any, default_store: Any) -> None:
    resp = register(
        client,
        email="nope",
        password="short",
        name="  ",
        account_name="x",
        country="ZZ",
        phone="123",
    )
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "invalid_input"
    assert set(error["fields"]) == {"email", "password", "name", "account_name", "country", "phone"}


def test_non_json_body_is_400(client: Any, default_store: Any) -> None:
    resp = client.post("/api/v1/customers", data="x", content_type="text/plain")
    assert resp.status_code == 400


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"account_name": "taken-name"}, "account_name"),
        ({"account_name": "Taken-Name"}, "account_name"),
    ],
)
def test_provider_rejection_is_a_field_error_and_no_account(
    client: Any, db: Any, default_store: Any, overrides: dict[str, str], field: str
) -> None:
    resp = register(client, **overrides)
    assert resp.status_code == 422
    assert field in resp.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0


def test_provider_outage_keeps_the_account_and_link_command_reconciles(
    app: Any, client: Any, db: Any, sandbox: Any, default_store: Any
) -> None:
    account_name = "acct-" + uuid.uuid4().hex[:10]
    sandbox.set_faults(fault_rate=1.0, mode="error")
    try:
        resp = register(client, account_name=account_name)
    finally:
        sandbox.clear_faults()
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["provider_link"] == "failed"
    assert account_name not in _sub_customer_names(sandbox)

    result = app.test_cli_runner().invoke(args=["storefront", "link-customers"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    customer = db.session.get(Customer, body["id"])
    assert customer.provider_link == "linked"
    assert account_name in _sub_customer_names(sandbox)
