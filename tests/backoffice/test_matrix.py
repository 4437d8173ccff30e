"""Authorisation matrix: every staff route × every kind of caller.

Staff routes are the back office (``backoffice.*``), the admin API (``/api/v1/admin/*``), every
rule under ``/staff/`` (billing, catalogue pricing, …) and any view that declares a
``.permission``. They come from the app's url_map, so a new staff route is in the matrix the
moment it exists; each must declare its permission (``accounts.guards.staff_page`` /
``api.admin.staff_api``) or this test fails.

The callers (two stores, their staff, a customer) are built once per module, each logged in or
given a token once. Every case's request runs inside one database transaction that is rolled
back afterwards, so no case sees what another one wrote (a POST that succeeds, a login record).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from storefront import create_app
from storefront.accounts import services as accounts
from storefront.accounts.models import Customer, CustomerStatus, Staff, StaffRole
from storefront.accounts.permissions import PERMISSIONS, ROLE_PERMISSIONS
from storefront.backoffice.models import AuditEntry
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.stores.services import create_store, ensure_default_store
from storefront.stores.tenancy import store_context
from tests.builders import PASSWORD, _hash
from tests.conftest import _empty_tables
from tests.matrix import (
    RolledBack,
    add,
    login_cookie,
    session_on_connection,
    sqlite_begins_explicitly,
)
from tests.staff import host_of

CALLERS = ["owner", "support", "finance", "other_store_staff", "customer", "anonymous"]
PUBLIC_ADMIN = {"api.staff_token", "accounts.admin_login"}
# The partner pages' permissions are in the same map, some with the distributor scope (only the
# default store's staff, only in distributor mode): tests/partners/test_matrix.py walks every
# partner route with distributor, reseller, support, customer and anonymous callers.
OWN_MATRIX = ("partners.",)


def _admin_rules(app: Flask) -> list[tuple[str, str, str]]:
    rules = []
    for rule in app.url_map.iter_rules():
        admin = (
            rule.endpoint.startswith("backoffice.")
            or rule.rule.startswith("/api/v1/admin/")
            or rule.rule.startswith("/staff/")
            or hasattr(app.view_functions.get(rule.endpoint), "permission")
        )
        if not admin or rule.endpoint in PUBLIC_ADMIN or rule.endpoint.startswith(OWN_MATRIX):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            rules.append((rule.endpoint, rule.rule, method))
    return sorted(rules)


def _all_rules() -> list[tuple[str, str, str]]:
    app = create_app({"STOREFRONT_ENV": "testing", "STOREFRONT_DATABASE_URL": "sqlite://"})
    return _admin_rules(app)


RULES = _all_rules()


def test_every_admin_endpoint_declares_a_permission(app: Flask) -> None:
    assert len(RULES) >= 30
    covered = {rule for _endpoint, rule, _method in RULES}
    for needed in ("/staff/pricing", "/staff/claims", "/staff/payments", "/admin/"):
        assert needed in covered, needed
    for endpoint, _rule, _method in _admin_rules(app):
        permission = getattr(app.view_functions[endpoint], "permission", None)
        assert permission in PERMISSIONS, endpoint


# --- the callers, built once per module (tests/matrix.py) ---------------------------------


@dataclass
class Matrix(RolledBack):
    target: Customer
    owner: Staff
    principals: dict[str, Staff | Customer | None]
    tokens: dict[str, str]


def _store(**kwargs: Any) -> Store:
    store = create_store(**kwargs)
    db.session.commit()
    return store


def _add(row: Staff | Customer) -> Any:
    db.session.add(row)
    db.session.commit()
    db.session.refresh(row)
    db.session.expunge(row)
    return row


def _build(app: Flask) -> Matrix:
    with app.app_context():
        _empty_tables()
        store = ensure_default_store()
        db.session.commit()
        other = _store(slug="matrix-other", name="Other store", domains=["matrix-other.test"])
        other_id, other_host = other.id, host_of(other)

        def staff(store_id: int, role: StaffRole, name: str) -> Staff:
            email = f"{name}@matrix.example.com"
            return add(
                Staff(
                    store_id=store_id,
                    email=email,
                    name=name,
                    role=role,
                    password_hash=_hash(PASSWORD),
                )
            )

        target = add(
            Customer(
                store_id=store.id,
                email="target@matrix.example.com",
                name="Target",
                status=CustomerStatus.ACTIVE,
                password_hash=_hash(PASSWORD),
            )
        )
        principals: dict[str, Staff | Customer | None] = {
            "owner": staff(store.id, StaffRole.OWNER, "owner"),
            "support": staff(store.id, StaffRole.SUPPORT, "support"),
            "finance": staff(store.id, StaffRole.FINANCE, "finance"),
            "other_store_staff": staff(other_id, StaffRole.OWNER, "other-owner"),
            "customer": target,
            "anonymous": None,
        }
    tokens: dict[str, str] = {}
    cookies: dict[str, tuple[str, str, str]] = {}
    for caller, principal in principals.items():
        if principal is None:
            continue
        with app.app_context():
            st = db.session.get(Store, principal.store_id)
            assert st is not None
            with store_context(st):
                fresh = db.session.get(type(principal), principal.id)
                tokens[caller], _ = accounts.issue_token(fresh)  # type: ignore[arg-type]
                db.session.commit()
        host = other_host if caller == "other_store_staff" else "localhost"
        cookies[caller] = login_cookie(app, principal, host)
    owner = principals["owner"]
    assert isinstance(owner, Staff)
    return Matrix(app, session_on_connection(app), cookies, target, owner, principals, tokens)


@pytest.fixture(scope="module")
def matrix(make_app: Callable[..., Flask], _migrated: None) -> Iterator[Matrix]:
    app = make_app()
    app.config["WTF_CSRF_ENABLED"] = False  # read per request: posts reach the views
    sqlite_begins_explicitly(app)
    yield _build(app)
    with app.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def _url(rule: str, values: dict[str, Any]) -> str:
    for name, value in values.items():
        rule = rule.replace(f"<id:{name}>", str(value)).replace(f"<{name}>", str(value))
    return rule


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("endpoint", "rule", "method"), RULES)
def test_matrix(
    matrix: Matrix,
    caller: str,
    endpoint: str,
    rule: str,
    method: str,
) -> None:
    permission = matrix.app.view_functions[endpoint].permission
    allowed = (
        caller in ("owner", "support", "finance")
        and permission in ROLE_PERMISSIONS[StaffRole(caller)]
    )
    values = {
        "customer_id": matrix.target.id,
        "staff_id": matrix.owner.id,
        "domain_id": 1,
        "kind": "logo",
        "token": "nope",
        "name": "x",
        "claim_id": 1,
        "funding_id": 1,
        "voucher_id": 1,
        "rule_id": 1,
        "group_id": 1,
        "code": "ecs",
        "resource_id": 1,
        "request_id": 1,
        "endpoint_id": 1,
        "delivery_id": 1,
        "ticket_id": 1,
        "attachment_id": 1,
        "reply_id": 1,
    }
    api = rule.startswith("/api/")
    headers = {"Host": "localhost"}
    client = matrix.app.test_client() if api else matrix.client(caller)
    if api and caller in matrix.tokens:
        headers["Authorization"] = f"Bearer {matrix.tokens[caller]}"
    kwargs: dict[str, Any] = {"headers": headers}
    if method == "POST" and api:
        kwargs["json"] = {}
    with matrix.rolled_back():
        resp = client.open(_url(rule, values), method=method, **kwargs)
    code = resp.status_code
    assert code < 500, (code, resp.get_data(as_text=True)[:300])
    if allowed:
        assert code not in (401, 403), (code, resp.get_data(as_text=True)[:300])
        if not api:
            assert "/admin/login" not in resp.headers.get("Location", "")
    elif api:
        assert code == (401 if caller in ("anonymous", "other_store_staff") else 403), code
    elif caller in ("anonymous", "other_store_staff"):
        # another store's session does not exist on this host: it is anonymous here
        assert code == 302 and "/admin/login" in resp.headers["Location"]
    else:
        assert code == 403, code


def test_a_case_leaves_nothing_behind(matrix: Matrix) -> None:
    """What a case's request writes (here: a store setting and its audit entry) is undone."""

    def entries() -> int:
        with matrix.app.app_context():
            return len(
                db.session.scalars(select(AuditEntry.id).execution_options(all_stores=True)).all()
            )

    before = entries()
    with matrix.rolled_back():
        client = matrix.client("owner")
        resp = client.post("/admin/security", data={"staff_2fa_required": "y"})
        assert resp.status_code == 302
        assert entries() == before + 1  # inside the case: written
    assert entries() == before
    with matrix.app.app_context():
        assert not accounts.staff_2fa_required(matrix.owner.store_id)
