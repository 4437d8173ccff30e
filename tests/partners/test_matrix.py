"""Every partners route × distributor owner/finance/support, reseller staff, customer, anonymous.

The routes come from the url_map, so a new partner page is in the matrix the moment it exists.
The callers (the distributor's staff, a reseller with its store and owner, a customer) are built
and logged in once per module; each case's request is rolled back (tests/matrix.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from storefront import create_app
from storefront.accounts.models import Customer, CustomerStatus, Staff, StaffRole
from storefront.accounts.permissions import DISTRIBUTOR_SCOPE, PERMISSIONS, ROLE_PERMISSIONS
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.partners.models import Reseller
from storefront.stores.services import create_store, ensure_default_store
from tests.builders import PASSWORD, _hash
from tests.conftest import _empty_tables, dispose
from tests.matrix import (
    RolledBack,
    add,
    login_cookie,
    session_on_connection,
    sqlite_begins_explicitly,
)
from tests.resellers import new_sandbox_reseller
from tests.staff import host_of

CALLERS = ["dist_owner", "dist_finance", "dist_support", "reseller_owner", "customer", "anonymous"]
ROLES = {
    "dist_owner": StaffRole.OWNER,
    "dist_finance": StaffRole.FINANCE,
    "dist_support": StaffRole.SUPPORT,
    "reseller_owner": StaffRole.OWNER,
}


def _rules(app: Flask) -> list[tuple[str, str, str]]:
    rules = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("partners."):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            rules.append((rule.endpoint, rule.rule, method))
    return sorted(rules)


RULES = _rules(
    create_app(
        {
            "STOREFRONT_ENV": "testing",
            "STOREFRONT_DATABASE_URL": "sqlite://",
            "STOREFRONT_PLATFORM_MODE": "distributor",
        }
    )
)


def test_every_partner_route_declares_a_permission(app: Flask) -> None:
    assert len(RULES) >= 20
    for endpoint, _rule, _method in RULES:
        # one map answers "may this staff do X": the partner pages' permissions are in it
        assert getattr(app.view_functions[endpoint], "permission", None) in PERMISSIONS, endpoint


# --- the callers, built once per module (tests/matrix.py) ---------------------------------


@dataclass
class Matrix(RolledBack):
    reseller_id: int
    reseller_host: str


def _build(app: Flask, sandbox: Any) -> Matrix:
    account = new_sandbox_reseller(sandbox)
    with app.app_context():
        _empty_tables()
        default = ensure_default_store()
        db.session.commit()
        store = create_store(slug="matrix-reseller", name="Reseller", domains=["reseller.test"])
        db.session.commit()
        row = Reseller(
            store_id=store.id,
            company_name="Reseller Co",
            account_name=account["name"],
            email=f"{account['name']}@example.com",
            indirect_partner_id=account["id"],
            created_at=utcnow(),
        )
        db.session.add(row)
        db.session.commit()
        reseller_id, reseller_host, default_id, store_id = (
            row.id,
            host_of(store),
            default.id,
            store.id,
        )

        def staff(store_id: int, role: StaffRole, name: str) -> Staff:
            return add(
                Staff(
                    store_id=store_id,
                    email=f"{name}@matrix.example.com",
                    name=name,
                    role=role,
                    password_hash=_hash(PASSWORD),
                )
            )

        principals: dict[str, Staff | Customer] = {
            "dist_owner": staff(default_id, StaffRole.OWNER, "dist-owner"),
            "dist_finance": staff(default_id, StaffRole.FINANCE, "dist-finance"),
            "dist_support": staff(default_id, StaffRole.SUPPORT, "dist-support"),
            "reseller_owner": staff(store_id, StaffRole.OWNER, "reseller-owner"),
            "customer": add(
                Customer(
                    store_id=default_id,
                    email="customer@matrix.example.com",
                    name="Customer",
                    status=CustomerStatus.ACTIVE,
                    password_hash=_hash(PASSWORD),
                )
            ),
        }
    cookies = {
        caller: login_cookie(
            app, principal, reseller_host if caller == "reseller_owner" else "localhost"
        )
        for caller, principal in principals.items()
    }
    return Matrix(app, session_on_connection(app), cookies, reseller_id, reseller_host)


@pytest.fixture(scope="module")
def matrix(make_app: Callable[..., Flask], _migrated: None, sandbox: Any) -> Iterator[Matrix]:
    app = make_app(STOREFRONT_PLATFORM_MODE="distributor")
    app.config["WTF_CSRF_ENABLED"] = False  # read per request: posts reach the views
    sqlite_begins_explicitly(app)
    yield _build(app, sandbox)
    dispose(app)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("endpoint", "rule", "method"), RULES)
def test_matrix(matrix: Matrix, caller: str, endpoint: str, rule: str, method: str) -> None:
    host = matrix.reseller_host if caller == "reseller_owner" else "localhost"
    url = (
        rule.replace("<id:reseller_id>", str(matrix.reseller_id))
        .replace("<id:invitation_id>", "1")
        .replace("<id:remittance_id>", "1")
        .replace("<id:certification_id>", "1")
        .replace("<id:opportunity_id>", "1")
        .replace("<quote_id>", "nope")
    )
    with matrix.rolled_back():
        resp = matrix.client(caller).open(url, method=method, headers={"Host": host}, data={})
    code = resp.status_code
    assert code < 500, (code, resp.get_data(as_text=True)[:300])
    permission = matrix.app.view_functions[endpoint].permission
    role = ROLES.get(caller)
    if caller == "anonymous":
        assert code == 302 and "/admin/login" in resp.headers["Location"]
    elif role is None or permission not in ROLE_PERMISSIONS[role]:
        assert code == 403  # customers; staff whose role lacks it (support; finance: freeze)
    elif caller == "reseller_owner" and permission in DISTRIBUTOR_SCOPE:
        assert code == 403  # a reseller's staff never reach the distributor's pages
    else:
        assert code not in (401, 403), (code, resp.get_data(as_text=True)[:300])
        assert "/admin/login" not in resp.headers.get("Location", "")


def test_solution_provider_mode_hides_resellers(
    make_app: Any, _migrated: None, default_store: Any
) -> None:
    """With the default store there (else every page is "no store configured")."""
    app = make_app(STOREFRONT_PLATFORM_MODE="solution_provider")
    try:
        assert app.test_client().get("/admin/partners/resellers").status_code == 404
    finally:
        dispose(app)
