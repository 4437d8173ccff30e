"""Staff customer API: search, filters, keyset pagination, detail, freeze/unfreeze."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from storefront.accounts import services as accounts
from storefront.accounts.models import Customer, CustomerStatus, RealnameStatus, StaffRole
from storefront.extensions import db
from tests.accounts.helpers import register


def auth(token: str, host: str = "localhost") -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Host": host}


def test_search_newest_first_matching_email_name_phone(
    client: Any, make_staff: Any, make_customer: Any, token_for: Any
) -> None:
    base = datetime(2025, 1, 1, tzinfo=UTC)
    old = make_customer(email="alice@example.com", name="alice-old", created_at=base)
    new = make_customer(
        email="bob@example.com",
        name="alice-new",
        phone="+8613800001111",
        created_at=base + timedelta(days=1),
    )
    make_customer(email="carol@example.com", name="carol", created_at=base + timedelta(days=2))
    headers = auth(token_for(make_staff()))
    body = client.get("/api/v1/admin/customers?q=alice", headers=headers).get_json()
    assert [c["id"] for c in body["items"]] == [new.id, old.id]
    assert body["next_cursor"] is None
    assert [
        c["id"]
        for c in client.get("/api/v1/admin/customers?q=bob@", headers=headers).get_json()["items"]
    ] == [new.id]
    phone = client.get("/api/v1/admin/customers?q=%2B86138000", headers=headers).get_json()
    assert [c["id"] for c in phone["items"]] == [new.id]
    everyone = client.get("/api/v1/admin/customers", headers=headers).get_json()["items"]
    assert len(everyone) == 3 and everyone[0]["email"] == "carol@example.com"


def test_keyset_pagination_and_limits(
    client: Any, make_staff: Any, make_customer: Any, token_for: Any
) -> None:
    base = datetime(2025, 1, 1, tzinfo=UTC)
    ids = [make_customer(created_at=base + timedelta(minutes=i)).id for i in range(7)]
    headers = auth(token_for(make_staff()))
    seen: list[int] = []
    url = "/api/v1/admin/customers?limit=3"
    while True:
        body = client.get(url, headers=headers).get_json()
        seen += [c["id"] for c in body["items"]]
        if not body["next_cursor"]:
            break
        url = f"/api/v1/admin/customers?limit=3&cursor={body['next_cursor']}"
    assert seen == list(reversed(ids))
    assert client.get("/api/v1/admin/customers?limit=101", headers=headers).status_code == 422
    bad = client.get("/api/v1/admin/customers?cursor=%%%", headers=headers)
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_cursor"


def test_filters_and_provider_id(
    client: Any, make_staff: Any, make_customer: Any, token_for: Any
) -> None:
    pending = make_customer(realname_status=RealnameStatus.PENDING, provider_customer_id="abc123")
    frozen = make_customer(status=CustomerStatus.FROZEN)
    headers = auth(token_for(make_staff()))

    def get(q: str) -> list[int]:
        return [
            c["id"]
            for c in client.get(f"/api/v1/admin/customers?{q}", headers=headers).get_json()["items"]
        ]

    assert get("realname=pending") == [pending.id]
    assert get("frozen=true") == [frozen.id]
    assert frozen.id not in get("frozen=false")
    assert get("q=abc123") == [pending.id]
    assert get("has_balance=true") == []  # nobody is funded (tests/backoffice/test_money.py)
    assert set(get("has_balance=false")) >= {pending.id, frozen.id}


def test_detail_of_an_unfunded_customer_says_zero(
    client: Any, make_staff: Any, make_customer: Any, token_for: Any
) -> None:
    customer = make_customer()
    headers = auth(token_for(make_staff()))
    body = client.get(f"/api/v1/admin/customers/{customer.id}", headers=headers).get_json()
    assert body["balance"] == "0.00" and body["orders_count"] == 0
    assert body["realname_status"] == "unverified" and "billing_available" not in body
    assert client.get("/api/v1/admin/customers/999999", headers=headers).status_code == 404


def test_freeze_and_unfreeze_mirror_to_the_provider(
    app: Any, client: Any, make_staff: Any, token_for: Any, sandbox: Any
) -> None:
    created = register(client).get_json()
    staff = make_staff()
    headers = auth(token_for(staff))
    url = f"/api/v1/admin/customers/{created['id']}"
    missing = client.post(url + "/freeze", json={"reason": "  "}, headers=headers)
    assert missing.status_code == 422 and missing.get_json()["error"]["code"] == "reason_required"
    resp = client.post(
        url + "/freeze",
        json={"reason": "Chargeback", "mode": "ACCOUNT_AND_RESOURCE"},
        headers=headers,
    )
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"status": "frozen", "provider": "synced"}
    with app.app_context():
        customer = db.session.get(Customer, created["id"])
        assert customer is not None and not accounts.can_buy(customer)
        provider_id = customer.provider_customer_id
    at_provider = {a["domain_id"]: a for a in sandbox.inspect()["sub_customers"]}
    assert at_provider[provider_id]["is_frozen"] == 2  # ACCOUNT_AND_RESOURCE
    assert client.post(url + "/freeze", json={"reason": "x"}, headers=headers).status_code == 409
    detail = client.get(url, headers=headers).get_json()
    assert detail["status"] == "frozen" and detail["frozen_reason"] == "Chargeback"
    resp = client.post(url + "/unfreeze", json={"reason": "Paid"}, headers=headers)
    assert resp.status_code == 200 and resp.get_json() == {"status": "pending_email"}
    assert {a["domain_id"]: a for a in sandbox.inspect()["sub_customers"]}[provider_id][
        "is_frozen"
    ] == 0


def test_finance_cannot_freeze_and_customer_tokens_are_refused(
    client: Any, make_staff: Any, make_customer: Any, token_for: Any
) -> None:
    customer = make_customer()
    finance = auth(token_for(make_staff(role=StaffRole.FINANCE)))
    url = f"/api/v1/admin/customers/{customer.id}/freeze"
    assert client.post(url, json={"reason": "x"}, headers=finance).status_code == 403
    as_customer = auth(token_for(customer))
    assert client.get("/api/v1/admin/customers", headers=as_customer).status_code == 403
    assert client.get("/api/v1/admin/customers").status_code == 401


def test_limit_that_is_not_plain_ascii_digits_is_a_422(
    client: Any, make_staff: Any, token_for: Any
) -> None:
    # '²' passes str.isdigit() but not int(); 5,000 nines are digits int() refuses to read.
    headers = auth(token_for(make_staff()))
    for limit in ("%C2%B2", "%EF%BC%91", "9" * 5000):
        resp = client.get(f"/api/v1/admin/customers?limit={limit}", headers=headers)
        assert resp.status_code == 422, (limit, resp.status_code)
        assert resp.get_json()["error"]["fields"] == {"limit": "1 to 100."}
