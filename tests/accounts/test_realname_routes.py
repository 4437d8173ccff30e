"""The individual real-name routes the provider documents, through ``/api/v1/me/realname``:
the bank-card route with its SMS code, other documents with three images in the partner's
OBS bucket, and a 422 naming each missing field."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from storefront.accounts.models import Customer
from storefront.cloud import demo
from tests.accounts.helpers import PASSWORD, bank_card_realname, register, token_for

ID = "11010519491231002X"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _customer_token(client: Any) -> tuple[dict[str, Any], dict[str, str]]:
    body = register(client).get_json()
    return body, {"Authorization": f"Bearer {token_for(client, body['email'], PASSWORD)}"}


def _error(resp: Any) -> dict[str, Any]:
    error: dict[str, Any] = resp.get_json()["error"]
    return error


def test_missing_bank_card_fields_are_422_with_field_errors(
    client: Any, default_store: Any
) -> None:
    _body, headers = _customer_token(client)
    resp = client.post(
        "/api/v1/me/realname",
        json={"type": "individual", "name": "张三", "id_number": ID},
        headers=headers,
    )
    assert resp.status_code == 422
    assert _error(resp)["code"] == "invalid_input"
    assert set(_error(resp)["fields"]) == {"bank_account", "mobile", "verification_code"}
    status = client.get("/api/v1/me/realname", headers=headers).get_json()
    assert status["realname_status"] == "unverified"


def test_other_documents_need_a_documented_type_and_three_images(
    client: Any, default_store: Any
) -> None:
    _body, headers = _customer_token(client)
    base = {"type": "individual", "name": "John Smith", "id_number": "E12345678"}
    unknown = client.post(
        "/api/v1/me/realname", json={**base, "document_type": "driving_licence"}, headers=headers
    )
    assert unknown.status_code == 422 and "document_type" in _error(unknown)["fields"]
    two = [base64.b64encode(PNG).decode()] * 2
    short = client.post(
        "/api/v1/me/realname",
        json={**base, "document_type": "passport", "documents": two},
        headers=headers,
    )
    assert short.status_code == 422 and set(_error(short)["fields"]) == {"documents"}
    garbled = client.post(
        "/api/v1/me/realname",
        json={**base, "document_type": "passport", "documents": ["not base64!"]},
        headers=headers,
    )
    assert garbled.status_code == 422 and "documents" in _error(garbled)["fields"]


def test_send_code_validates_the_mobile(client: Any, default_store: Any) -> None:
    _body, headers = _customer_token(client)
    resp = client.post(
        "/api/v1/me/realname/verification-code", json={"mobile": "+852 9123 4567"}, headers=headers
    )
    assert resp.status_code == 422 and "mobile" in _error(resp)["fields"]
    anonymous = client.post("/api/v1/me/realname/verification-code", json={"mobile": "13912345678"})
    assert anonymous.status_code == 401


def test_bank_card_route_with_the_sms_code(client: Any, default_store: Any, sandbox: Any) -> None:
    _body, headers = _customer_token(client)
    payload = bank_card_realname(client, headers, sandbox)
    other = f"{(int(payload['verification_code']) + 1) % 10**6:06d}"
    wrong = client.post(
        "/api/v1/me/realname", json={**payload, "verification_code": other}, headers=headers
    )
    assert wrong.status_code == 422
    assert set(_error(wrong)["fields"]) == {"verification_code"}
    # after a wrong try a fresh code is needed (the provider counts wrong tries)
    payload = bank_card_realname(client, headers, sandbox)
    resp = client.post("/api/v1/me/realname", json=payload, headers=headers)
    assert resp.status_code == 202, resp.get_json()
    got = client.get("/api/v1/me/realname", headers=headers).get_json()
    assert (got["realname_status"], got["type"]) == ("verified", "individual")


def test_passport_images_reach_the_partner_bucket(
    client: Any, db: Any, app: Any, default_store: Any, sandbox: Any
) -> None:
    body, headers = _customer_token(client)
    images = [PNG + bytes([i]) for i in range(3)]
    resp = client.post(
        "/api/v1/me/realname",
        json={
            "type": "individual",
            "name": "John Smith",
            "id_number": "E12345678",
            "document_type": "passport",
            "documents": [base64.b64encode(i).decode() for i in images],
        },
        headers=headers,
    )
    assert resp.status_code == 202, resp.get_json()
    customer = db.session.get(Customer, body["id"])
    prefix = f"download/realname/{customer.provider_customer_id}/"
    listed = sandbox._control(
        "GET", f"/_sandbox/obs/objects?bucket={demo.DEMO_OBS_BUCKET}&prefix={prefix}", None
    )["items"]
    assert sorted(o["size"] for o in listed) == [len(i) for i in images]
    # still kept in the local encrypted store, under the same names
    local = Path(app.instance_path) / "realname"
    for item in listed:
        name = item["key"].rsplit("/", 1)[-1]
        stored = (local / f"{name}.enc").read_bytes()
        assert PNG not in stored
    got = client.get("/api/v1/me/realname", headers=headers).get_json()
    assert got["realname_status"] == "verified"
