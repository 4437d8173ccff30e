"""Authorisation matrix: every staff route × every kind of caller.

Staff routes are the back office (``backoffice.*``), the admin API (``/api/v1/admin/*``), every
rule under ``/staff/`` (billing, catalogue pricing, …) and any view that declares a
``.permission``. They come from the app's url_map, so a new staff route is in the matrix the
moment it exists; each must declare its permission (``accounts.guards.staff_page`` /
``api.admin.staff_api``) or this test fails.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from storefront import create_app
from storefront.accounts.models import StaffRole
from storefront.accounts.permissions import PERMISSIONS, ROLE_PERMISSIONS
from tests.backoffice.conftest import host_of

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


def _url(rule: str, values: dict[str, Any]) -> str:
    for name, value in values.items():
        rule = rule.replace(f"<id:{name}>", str(value)).replace(f"<{name}>", str(value))
    return rule


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("endpoint", "rule", "method"), RULES)
def test_matrix(
    app: Flask,
    make_store: Any,
    default_store: Any,
    make_staff: Any,
    make_customer: Any,
    caller: str,
    endpoint: str,
    rule: str,
    method: str,
) -> None:
    from storefront.extensions import db

    app.config["WTF_CSRF_ENABLED"] = False  # read per request: posts reach the views
    store = default_store
    other = make_store()
    target = make_customer(store=store)
    owner = make_staff(store=store, role=StaffRole.OWNER)
    principal: Any = {
        "owner": owner,
        "support": make_staff(store=store, role=StaffRole.SUPPORT),
        "finance": make_staff(store=store, role=StaffRole.FINANCE),
        "other_store_staff": make_staff(store=other, role=StaffRole.OWNER),
        "customer": target,
        "anonymous": None,
    }[caller]
    view = app.view_functions[endpoint]
    permission = view.permission
    allowed = (
        caller in ("owner", "support", "finance")
        and permission in ROLE_PERMISSIONS[StaffRole(caller)]
    )
    values = {
        "customer_id": target.id,
        "staff_id": owner.id,
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
    }
    url = _url(rule, values)
    client = app.test_client()
    api = rule.startswith("/api/")
    headers = {"Host": "localhost"}
    if principal is not None:
        if api:
            from storefront.accounts import services as accounts
            from storefront.stores.models import Store
            from storefront.stores.tenancy import store_context

            with app.app_context():
                st = db.session.get(Store, principal.store_id)
                with store_context(st):  # type: ignore[arg-type]
                    fresh = db.session.get(type(principal), principal.id)
                    raw, _ = accounts.issue_token(fresh)
                    db.session.commit()
            headers["Authorization"] = f"Bearer {raw}"
        else:
            path = "/admin/login" if caller != "customer" else "/login"
            login_host = host_of(other) if caller == "other_store_staff" else "localhost"
            resp = client.post(
                path,
                data={"email": principal.email, "password": "correct horse battery 9"},
                headers={"Host": login_host},
            )
            assert resp.status_code == 302
    kwargs: dict[str, Any] = {"headers": headers}
    if method == "POST" and api:
        kwargs["json"] = {}
    resp = client.open(url, method=method, **kwargs)
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
