"""Every route with an integer id in its path answers 404 to an id no table can hold.

The rules come from the app's url_map, so a new route with an id is swept the moment it
exists. Before the ``id`` converter, ``/api/v1/admin/customers/9223372036854775808`` reached
the database as the owner and overflowed the driver: a 500.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from storefront import create_app
from storefront.accounts.models import StaffRole

ID = re.compile(r"<id:(\w+)>")
OTHER = re.compile(r"<(?:\w+:)?(\w+)>")
HUGE = [2**63, 2**64, 10**30]


def _id_rules() -> list[tuple[str, str, str]]:
    app = create_app({"STOREFRONT_ENV": "testing", "STOREFRONT_DATABASE_URL": "sqlite://"})
    rules = []
    for rule in app.url_map.iter_rules():
        if not ID.search(rule.rule) or rule.rule.startswith("/sandbox"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            rules.append((rule.endpoint, rule.rule, method))
    return sorted(rules)


RULES = _id_rules()


def _url(rule: str, huge: int) -> str:
    return OTHER.sub("x", ID.sub(str(huge), rule))


def test_the_sweep_sees_the_id_routes() -> None:
    endpoints = {endpoint for endpoint, _rule, _method in RULES}
    assert len(RULES) >= 35
    for needed in ("api.admin_customer", "api.admin_fund_customer", "billing.order"):
        assert needed in endpoints, needed


def test_an_int_converter_is_gone_from_every_route(app: Flask) -> None:
    leftovers = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if "<int:" in rule.rule and not rule.rule.startswith("/sandbox")
    ]
    assert leftovers == []


@pytest.mark.parametrize("caller", ["owner", "customer", "anonymous"])
def test_huge_ids_are_not_found(
    app: Flask,
    make_staff: Any,
    make_customer: Any,
    login: Any,
    token_for: Any,
    caller: str,
) -> None:
    app.config["WTF_CSRF_ENABLED"] = False  # posts reach the views
    principal: Any = {
        "owner": make_staff(role=StaffRole.OWNER),
        "customer": make_customer(),
        "anonymous": None,
    }[caller]
    client = login(principal) if principal is not None else app.test_client()
    bearer = {"Authorization": f"Bearer {token_for(principal)}"} if principal else {}
    wrong = []
    for endpoint, rule, method in RULES:
        for huge in HUGE:
            url = _url(rule, huge)
            headers = {"Host": "localhost", **(bearer if url.startswith("/api/") else {})}
            resp = client.open(url, method=method, headers=headers, json={"amount": "1.00"})
            if resp.status_code != 404:
                wrong.append((endpoint, method, url, resp.status_code))
    assert wrong == []


@pytest.mark.parametrize("good", ["1", "9223372036854775807"])
def test_ids_in_range_still_route(app: Flask, good: str) -> None:
    adapter = app.url_map.bind("localhost")
    endpoint, values = adapter.match(f"/api/v1/admin/customers/{good}")
    assert endpoint == "api.admin_customer"
    assert values == {"customer_id": int(good)}


@pytest.mark.parametrize("bad", ["0", "00", "-1", "9223372036854775808"])
def test_ids_out_of_range_do_not_route(app: Flask, default_store: Any, bad: str) -> None:
    resp = app.test_client().get(f"/api/v1/admin/customers/{bad}", headers={"Host": "localhost"})
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "not_found"
