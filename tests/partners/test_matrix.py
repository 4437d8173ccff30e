"""Every partners route × distributor owner/finance/support, reseller staff, customer, anonymous.

The routes come from the url_map, so a new partner page is in the matrix the moment it exists.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from storefront import create_app
from storefront.accounts.models import StaffRole
from storefront.accounts.permissions import DISTRIBUTOR_SCOPE, PERMISSIONS, ROLE_PERMISSIONS
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


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("endpoint", "rule", "method"), RULES)
def test_matrix(
    app: Flask,
    default_store: Any,
    make_staff: Any,
    make_customer: Any,
    reseller: Any,
    login: Any,
    caller: str,
    endpoint: str,
    rule: str,
    method: str,
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False
    store = reseller.store
    principal: Any = {
        "dist_owner": lambda: make_staff(role=StaffRole.OWNER),
        "dist_finance": lambda: make_staff(role=StaffRole.FINANCE),
        "dist_support": lambda: make_staff(role=StaffRole.SUPPORT),
        "reseller_owner": lambda: make_staff(store=store, role=StaffRole.OWNER),
        "customer": lambda: make_customer(),
        "anonymous": lambda: None,
    }[caller]()
    host = host_of(store) if caller == "reseller_owner" else "localhost"
    client = login(principal, host=host) if principal is not None else app.test_client()
    url = (
        rule.replace("<id:reseller_id>", str(reseller.id))
        .replace("<id:invitation_id>", "1")
        .replace("<id:remittance_id>", "1")
        .replace("<id:certification_id>", "1")
        .replace("<id:opportunity_id>", "1")
        .replace("<quote_id>", "nope")
    )
    resp = client.open(url, method=method, headers={"Host": host}, data={})
    code = resp.status_code
    assert code < 500, (code, resp.get_data(as_text=True)[:300])
    permission = app.view_functions[endpoint].permission
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
    from tests.conftest import dispose

    app = make_app(STOREFRONT_PLATFORM_MODE="solution_provider")
    try:
        assert app.test_client().get("/admin/partners/resellers").status_code == 404
    finally:
        dispose(app)
