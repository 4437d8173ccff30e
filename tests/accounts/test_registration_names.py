"""Registration with a person's name, an optional provider account name, and a mobile that
needs the provider's SMS code (issue 19 section 2, issue 16 point 5)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from storefront.accounts.models import Customer
from tests.accounts.helpers import register, token_for

ACCOUNT_NAME = re.compile(r"^[A-Za-z_-][A-Za-z0-9_-]{4,31}$")


def _at_provider(sandbox: Any, customer_id: str | None = None) -> dict[str, dict[str, Any]]:
    return {a["name"]: a for a in sandbox.inspect()["sub_customers"]}


def _customers(db: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(Customer)) or 0)


def _mobile() -> str:
    return "139" + f"{uuid.uuid4().int % 10**8:08d}"


@pytest.mark.parametrize("name", ["Ada Lovelace", "张三", "José Ñúñez-O'Brien", "محمد"])
def test_a_persons_name_registers_and_the_provider_generates_the_account_name(
    client: Any, db: Any, sandbox: Any, default_store: Any, name: str
) -> None:
    resp = register(client, name=name)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["name"] == name
    generated = body["account_name"]
    assert generated and ACCOUNT_NAME.match(generated) and not generated.isdigit()
    assert body["provider_link"] == "linked"
    assert generated in _at_provider(sandbox)
    assert db.session.get(Customer, body["id"]).account_name == generated

    me = client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {token_for(client, body['email'])}"}
    ).get_json()
    assert (me["name"], me["account_name"]) == (name, generated)


def test_two_customers_with_the_same_name_both_register(
    client: Any, db: Any, sandbox: Any, default_store: Any
) -> None:
    first = register(client, name="TestCustomer1")
    second = register(client, name="TestCustomer1")
    assert (first.status_code, second.status_code) == (201, 201), second.get_json()
    names = {first.get_json()["account_name"], second.get_json()["account_name"]}
    assert len(names) == 2 and names <= set(_at_provider(sandbox))


@pytest.mark.parametrize(
    ("name", "kept"),
    [("  Ada  ", "Ada"), ("张" * 64, "张" * 64), ("Zoë", "Zoë"), ("A", "A")],
)
def test_display_name_is_stripped_and_kept(
    client: Any, default_store: Any, name: str, kept: str
) -> None:
    resp = register(client, name=name)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["name"] == kept


@pytest.mark.parametrize(
    "name", ["", "   ", "x" * 65, "Ada\x00Lovelace", "Ada\nLovelace", "evil\u202egnp.exe"]
)
def test_display_name_rules(client: Any, db: Any, default_store: Any, name: str) -> None:
    resp = register(client, name=name)
    assert resp.status_code == 422
    assert set(resp.get_json()["error"]["fields"]) == {"name"}
    assert _customers(db) == 0


@pytest.mark.parametrize(
    ("account_name", "message"),
    [
        ("abcd", "5-32"),  # too short
        ("a" * 33, "5-32"),  # too long
        ("123456", "only digits"),
        ("9abcde", "starting with a letter"),  # starts with a digit
        ("ada lovelace", "letters, digits"),
        ("ada.lovelace", "letters, digits"),
        ("张三abcdef", "letters, digits"),
        ("op_admin1", "op_"),
        ("OP_admin1", "op_"),
        ("shadow_ada", "shadow_"),
    ],
)
def test_account_name_rules(
    client: Any, db: Any, sandbox: Any, default_store: Any, account_name: str, message: str
) -> None:
    resp = register(client, name="Ada", account_name=account_name)
    assert resp.status_code == 422
    fields = resp.get_json()["error"]["fields"]
    assert set(fields) == {"account_name"} and message in fields["account_name"]
    assert _customers(db) == 0
    assert account_name not in _at_provider(sandbox)


@pytest.mark.parametrize("prefix", ["Ada_Lovelace-", "-dash", "_under"])
def test_a_chosen_account_name_is_the_provider_login_name(
    client: Any, sandbox: Any, default_store: Any, prefix: str
) -> None:
    account_name = prefix + uuid.uuid4().hex[:8]
    resp = register(client, name="Ada Lovelace", account_name=account_name)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["account_name"] == account_name
    assert account_name in _at_provider(sandbox)


def test_a_taken_account_name_is_a_field_error(
    client: Any, db: Any, sandbox: Any, default_store: Any
) -> None:
    account_name = "_taken" + uuid.uuid4().hex[:8]  # '_' start: the provider's create refuses it
    assert register(client, account_name=account_name).status_code == 201
    again = register(client, account_name=account_name.upper())
    assert again.status_code == 422
    assert "already taken" in again.get_json()["error"]["fields"]["account_name"]
    assert _customers(db) == 1


# --------------------------------------------------------------------------- mobile + SMS code


def test_a_mainland_mobile_without_a_code_is_a_field_error(
    client: Any, db: Any, sandbox: Any, default_store: Any
) -> None:
    mobile = _mobile()
    resp = register(client, phone=f"+86{mobile}")
    assert resp.status_code == 422
    assert set(resp.get_json()["error"]["fields"]) == {"verification_code"}
    bad_format = register(client, phone=f"+86{mobile}", verification_code="12ab")
    assert set(bad_format.get_json()["error"]["fields"]) == {"verification_code"}
    assert _customers(db) == 0


def test_a_mainland_mobile_registers_with_the_code_the_provider_sent(
    client: Any, db: Any, sandbox: Any, default_store: Any
) -> None:
    mobile = _mobile()
    sent = client.post("/api/v1/customers/verification-code", json={"phone": f"+86{mobile}"})
    assert sent.status_code == 202, sent.get_json()
    code = sandbox.verification_code(mobile)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    refused = register(client, phone=f"+86{mobile}", verification_code=wrong)
    assert refused.status_code == 422
    assert set(refused.get_json()["error"]["fields"]) == {"verification_code"}
    assert _customers(db) == 0

    resp = register(client, name="张三", phone=f"+86{mobile}", verification_code=code)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["phone"] == f"+86{mobile}"
    assert _at_provider(sandbox)[body["account_name"]]["mobile"] == mobile

    # a code is good once
    again = register(client, phone=f"+86{mobile}", verification_code=code)
    assert again.status_code == 422
    assert set(again.get_json()["error"]["fields"]) == {"verification_code"}


def test_an_expired_code_is_refused(client: Any, db: Any, sandbox: Any, default_store: Any) -> None:
    mobile = _mobile()
    assert (
        client.post(
            "/api/v1/customers/verification-code", json={"phone": f"+86{mobile}"}
        ).status_code
        == 202
    )
    code = sandbox.verification_code(mobile)
    sandbox.set_clock_offset(11 * 60)  # codes last 10 minutes
    try:
        resp = register(client, phone=f"+86{mobile}", verification_code=code)
    finally:
        sandbox.set_clock_offset(0)
    assert resp.status_code == 422
    assert "expired" in resp.get_json()["error"]["fields"]["verification_code"]


def test_a_non_mainland_phone_is_kept_here_and_not_sent_upstream(
    client: Any, db: Any, sandbox: Any, default_store: Any
) -> None:
    phone = "+85291234567"
    code = client.post("/api/v1/customers/verification-code", json={"phone": phone})
    assert code.status_code == 422
    assert code.get_json()["error"]["code"] == "code_not_needed"
    resp = register(client, phone=phone)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["phone"] == phone
    assert _at_provider(sandbox)[body["account_name"]]["mobile"] is None


def test_verification_code_route_checks_and_limits(
    client: Any, sandbox: Any, default_store: Any
) -> None:
    for _ in range(2):  # a refused try does not use up the number's limit
        bad = client.post("/api/v1/customers/verification-code", json={"phone": "12345"})
        assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"phone"}
    mobile = _mobile()
    first = client.post("/api/v1/customers/verification-code", json={"phone": f"+86{mobile}"})
    assert first.status_code == 202
    again = client.post("/api/v1/customers/verification-code", json={"phone": f"+86{mobile}"})
    assert again.status_code == 429
