"""``Cache-Control: no-store`` on what is made for someone signed in, and on token answers;
the public catalogue keeps its caching."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from storefront.accounts.models import StaffRole
from tests.builders import PASSWORD

HOST = {"Host": "localhost"}


def _no_store(resp: Any) -> bool:
    return "no-store" in (resp.headers.get("Cache-Control") or "")


def test_signed_in_pages_are_not_stored(
    app: Flask, make_customer: Any, make_staff: Any, login: Any
) -> None:
    customer_client = login(make_customer())
    account = customer_client.get("/account", headers=HOST)
    assert account.status_code == 200
    assert _no_store(account)
    staff_client = login(make_staff(role=StaffRole.OWNER))
    admin = staff_client.get("/admin/customers", headers=HOST)
    assert admin.status_code == 200
    assert _no_store(admin)


def test_api_answers_with_a_token_are_not_stored(
    app: Flask, make_customer: Any, token_for: Any
) -> None:
    client = app.test_client()
    me = client.get(
        "/api/v1/me", headers={**HOST, "Authorization": f"Bearer {token_for(make_customer())}"}
    )
    assert me.status_code == 200
    assert _no_store(me)
    refused = client.get("/api/v1/me", headers={**HOST, "Authorization": "Bearer wrong"})
    assert refused.status_code == 401
    assert _no_store(refused)


def test_token_answers_are_not_stored(app: Flask, make_customer: Any, make_staff: Any) -> None:
    client = app.test_client()
    customer, staff = make_customer(), make_staff(role=StaffRole.OWNER)
    issued = client.post(
        "/api/v1/auth/token", json={"email": customer.email, "password": PASSWORD}, headers=HOST
    )
    assert issued.status_code == 200
    assert issued.get_json()["token"]
    assert _no_store(issued)
    staff_token = client.post(
        "/api/v1/admin/auth/token", json={"email": staff.email, "password": PASSWORD}, headers=HOST
    )
    assert staff_token.status_code == 200
    assert _no_store(staff_token)
    wrong = client.post(
        "/api/v1/auth/token",
        json={"email": customer.email, "password": "nope-nope-1"},
        headers=HOST,
    )
    assert wrong.status_code == 401
    assert _no_store(wrong)


def test_public_catalogue_keeps_its_caching(app: Flask, default_store: Any) -> None:
    client = app.test_client()
    for url in ("/products", "/api/v1/regions"):
        resp = client.get(url, headers=HOST)
        assert resp.status_code == 200, url
        assert not _no_store(resp), url
    with client.get("/static/" + _a_static_file(app), headers=HOST) as static:
        assert static.status_code == 200
        assert not _no_store(static)


def test_a_signed_in_customer_gets_static_files_cacheable(
    app: Flask, make_customer: Any, login: Any
) -> None:
    client = login(make_customer())
    with client.get("/static/" + _a_static_file(app), headers=HOST) as static:
        assert static.status_code == 200
        assert not _no_store(static)


def _a_static_file(app: Flask) -> str:
    folder = Path(app.static_folder or "")
    first = next(p for p in sorted(folder.rglob("*.css")) if p.is_file())
    return first.relative_to(folder).as_posix()
