"""Real-name through the API and the page: statuses, checksums, masking everywhere."""

from __future__ import annotations

import logging
from typing import Any

from storefront.accounts.models import RealnameSubmission
from tests.accounts.helpers import PASSWORD, bank_card_realname, register, token_for

ID = "11010519491231002X"
MASKED = "1101**********002X"
CODE = "91350100M000100Y43"


def _customer_token(client: Any) -> tuple[dict[str, Any], dict[str, str]]:
    body = register(client).get_json()
    token = token_for(client, body["email"], PASSWORD)
    return body, {"Authorization": f"Bearer {token}"}


def test_individual_realname_verified_and_masked(
    client: Any, db: Any, default_store: Any, caplog: Any, sandbox: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    _body, headers = _customer_token(client)
    individual = bank_card_realname(client, headers, sandbox)
    bad = client.post(
        "/api/v1/me/realname", json={**individual, "id_number": ID[:-1] + "1"}, headers=headers
    )
    assert bad.status_code == 422
    assert bad.get_json()["error"]["code"] == "invalid_id_number"
    resp = client.post("/api/v1/me/realname", json=individual, headers=headers)
    assert resp.status_code == 202
    assert resp.get_json()["realname_status"] in ("pending", "verified")
    got = client.get("/api/v1/me/realname", headers=headers).get_json()
    assert got == {
        "realname_status": "verified",
        "type": "individual",
        "masked_id": MASKED,
        "opinion": None,
    }
    again = client.post("/api/v1/me/realname", json=individual, headers=headers)
    assert again.status_code == 409
    # stored encrypted, logged masked only
    stored = db.session.query(RealnameSubmission).one()
    assert ID not in stored.number_enc
    assert ID not in caplog.text
    assert MASKED in caplog.text


def test_enterprise_rejected_then_resubmitted(client: Any, default_store: Any) -> None:
    _body, headers = _customer_token(client)
    bad = client.post(
        "/api/v1/me/realname",
        json={
            "type": "enterprise",
            "company_name": "Acme",
            "credit_code": CODE[:-1] + "4",
            "legal_person": "李四",
        },
        headers=headers,
    )
    assert bad.get_json()["error"]["code"] == "invalid_credit_code"
    payload = {
        "type": "enterprise",
        "company_name": "Reject Me Ltd",
        "credit_code": CODE,
        "legal_person": "李四",
    }
    assert client.post("/api/v1/me/realname", json=payload, headers=headers).status_code == 202
    got = client.get("/api/v1/me/realname", headers=headers).get_json()
    assert got["realname_status"] == "rejected"
    assert got["opinion"]
    payload["company_name"] = "Acme Ltd"
    assert client.post("/api/v1/me/realname", json=payload, headers=headers).status_code == 202
    got = client.get("/api/v1/me/realname", headers=headers).get_json()
    assert got["realname_status"] == "verified"
    assert got["masked_id"] == "9135**********0Y43"


def test_realname_page_shows_only_the_masked_number(
    extra_app: Any, app: Any, default_store: Any, sandbox: Any
) -> None:
    nocsrf = extra_app(WTF_CSRF_ENABLED=False)
    client = nocsrf.test_client()
    _body, headers = _customer_token(client)
    individual = bank_card_realname(client, headers, sandbox)
    assert client.post("/api/v1/me/realname", json=individual, headers=headers).status_code == 202
    login = client.post("/login", data={"email": _body["email"], "password": PASSWORD})
    assert login.status_code == 302
    page = client.get("/account/realname").get_data(as_text=True)
    assert MASKED in page
    assert ID not in page


def test_form_post_without_csrf_token_is_rejected(client: Any, default_store: Any) -> None:
    resp = client.post("/login", data={"email": "a@example.com", "password": "x"})
    assert resp.status_code == 400


def test_verified_individual_switches_to_enterprise(
    client: Any, default_store: Any, sandbox: Any
) -> None:
    """Individual -> enterprise uses the provider's change call; the individual verification
    stays in place while it is reviewed and when it is rejected."""
    _body, headers = _customer_token(client)
    individual = bank_card_realname(client, headers, sandbox)
    assert client.post("/api/v1/me/realname", json=individual, headers=headers).status_code == 202
    assert client.get("/api/v1/me/realname", headers=headers).get_json()["type"] == "individual"
    assert client.post("/api/v1/me/realname", json=individual, headers=headers).status_code == 409

    enterprise = {
        "type": "enterprise",
        "company_name": "Reject Me Ltd",
        "credit_code": CODE,
        "legal_person": "李四",
    }
    assert client.post("/api/v1/me/realname", json=enterprise, headers=headers).status_code == 202
    got = client.get("/api/v1/me/realname", headers=headers).get_json()
    assert got["realname_status"] == "verified"  # still an individual: the change was refused
    assert got["type"] == "individual"
    assert got["masked_id"] == MASKED
    assert got["opinion"]

    enterprise["company_name"] = "Acme Ltd"
    assert client.post("/api/v1/me/realname", json=enterprise, headers=headers).status_code == 202
    got = client.get("/api/v1/me/realname", headers=headers).get_json()
    assert got == {
        "realname_status": "verified",
        "type": "enterprise",
        "masked_id": "9135**********0Y43",
        "opinion": None,
    }
    # an enterprise cannot switch again
    assert client.post("/api/v1/me/realname", json=enterprise, headers=headers).status_code == 409


def test_change_call_in_review_keeps_the_individual_verification(
    client: Any, default_store: Any, sandbox: Any
) -> None:
    _body, headers = _customer_token(client)
    individual = bank_card_realname(client, headers, sandbox)
    assert client.post("/api/v1/me/realname", json=individual, headers=headers).status_code == 202
    assert client.get("/api/v1/me/realname", headers=headers).get_json()["type"] == "individual"
    sandbox._control("POST", "/_sandbox/realname", {"review_delay_s": 3600})
    try:
        enterprise = {
            "type": "enterprise",
            "company_name": "Acme Ltd",
            "credit_code": CODE,
            "legal_person": "李四",
        }
        resp = client.post("/api/v1/me/realname", json=enterprise, headers=headers)
        assert resp.status_code == 202
        got = client.get("/api/v1/me/realname", headers=headers).get_json()
        assert (got["realname_status"], got["type"]) == ("verified", "individual")
        again = client.post("/api/v1/me/realname", json=enterprise, headers=headers)
        assert again.status_code == 409
        assert again.get_json()["error"]["code"] == "realname_pending"
    finally:
        sandbox._control("POST", "/_sandbox/realname", {"review_delay_s": 0})
