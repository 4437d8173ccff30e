"""JSON API v1: regions, products and binding quotes, read from the local price book."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, update
from werkzeug.http import dump_cookie

from storefront.catalog import services
from storefront.catalog.models import HiddenItem, PriceBookEntry, PriceRule, Quote
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.stores.tenancy import store_context

ECS = {"product": "ecs", "spec": "s6.large.2.linux", "quantity": 2}
EVS = {"product": "evs", "spec": "SSD", "quantity": 1, "size_gb": 100}
EIP = {"product": "eip", "spec": "5_bgp", "quantity": 1, "bandwidth_mbit": 10}
VPC = {"product": "vpc", "spec": "vpc", "quantity": 1}


def test_regions_and_products(client: Any, catalog: Any) -> None:
    regions = client.get("/api/v1/regions").get_json()
    assert {"code": "cn-north-4", "name": "CN North-Beijing4"} in regions["items"]
    zh = client.get("/api/v1/regions", headers={"Accept-Language": "zh-CN"}).get_json()
    assert {"code": "cn-north-4", "name": "华北-北京四"} in zh["items"]
    body = client.get("/api/v1/products").get_json()
    codes = [p["code"] for p in body["items"]]
    assert codes == ["ecs", "evs", "vpc", "eip"]
    ecs = body["items"][0]
    assert ecs["name"] == "Elastic Cloud Server" and ecs["description"]
    flavour = next(s for s in ecs["specs"] if s["code"] == "s6.large.2.linux")
    assert flavour["vcpus"] == 2 and flavour["memory_gib"] == "4.00" and flavour["os"] == "linux"
    evs = body["items"][1]["specs"][0]
    assert (evs["min_size"], evs["max_size"], evs["size_unit"]) == (10, 32768, "GB")

    priced = client.get("/api/v1/products?region=cn-north-4").get_json()
    prices = next(s for s in priced["items"][0]["specs"] if s["code"] == "s6.large.2.linux")[
        "prices"
    ]
    assert prices["monthly"] == "112.00" and prices["yearly"] == "1120.00"
    assert prices["on_demand_hourly"] == "0.38" and prices["stale"] is False
    assert client.get("/api/v1/products?region=mars-1").status_code == 422


def test_quote_on_demand(quote: Any) -> None:
    resp = quote(
        {"region": "cn-north-4", "billing_mode": "on_demand", "items": [ECS, EVS, EIP, VPC]}
    )
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert (
        body["currency"] == "CNY" and body["billing_mode"] == "on_demand" and body["period"] is None
    )
    lines = body["lines"]
    assert lines[0] == {**ECS, "unit_price": "0.38", "amount": "0.76"}
    assert lines[1]["size_gb"] == 100 and lines[1]["amount"] == "0.14"  # 100 x 0.001389
    # EIP: the address + 5 Mbit/s at 0.063 + 5 at 0.25
    assert lines[2]["amount"] == "1.59"
    assert lines[3]["amount"] == "0.00"
    assert Decimal(body["total"]) == sum(Decimal(x["amount"]) for x in lines)
    assert body["monthly_estimate"] == "1813.25"  # 554.80 + 101.40 + 1157.05
    assert body["stale"] is False and body["expires_at"].endswith("+00:00")


def test_quote_monthly_and_yearly_and_owner(client: Any, quote: Any, app: Any) -> None:
    monthly = quote(
        {"region": "cn-north-4", "billing_mode": "monthly", "period": 3, "items": [ECS]}
    )
    assert monthly.status_code == 201
    assert monthly.get_json()["lines"][0]["unit_price"] == "336.00"
    assert monthly.get_json()["total"] == "672.00"
    yearly = quote({"region": "cn-north-4", "billing_mode": "yearly", "period": 2, "items": [ECS]})
    assert yearly.get_json()["total"] == "4480.00"
    qid = yearly.get_json()["id"]
    got = client.get(f"/api/v1/quotes/{qid}")
    assert got.status_code == 200 and got.get_json()["total"] == "4480.00"
    # another client (another session) cannot read it
    assert app.test_client().get(f"/api/v1/quotes/{qid}").status_code == 404
    with app.app_context():
        stored = db.session.get(Quote, qid)
        assert stored is not None and stored.session_key and stored.customer_id is None
        line = stored.lines[0]
        # sold at list, bought at list (partner-key ratings carry no partner discount)
        assert line.cost_amount == line.amount == line.official_amount
        assert stored.expires_at - stored.created_at == timedelta(minutes=30)


def test_quote_attaches_the_api_customer(app: Any, catalog: Any, make_customer: Any) -> None:
    customer = make_customer()
    with app.test_request_context("/", headers={"Host": "127.0.0.1"}):
        from flask import g

        with store_context(catalog["store"]):
            g.api_customer = customer
            req = services.parse_quote_request(
                {"region": "cn-north-4", "billing_mode": "on_demand", "items": [ECS]}
            )
            made = services.create_quote(req, customer_id=customer.id, session_key=None)
            assert made.customer_id == customer.id and made.session_key is None
            assert services.find_quote(made.id, customer_id=customer.id, session_key=None)
            assert (
                services.find_quote(made.id, customer_id=customer.id + 1, session_key="x") is None
            )


BAD = [
    (None, "body"),
    ([], "body"),
    ({"billing_mode": "on_demand", "items": [ECS]}, "region"),
    ({"region": "mars-1", "billing_mode": "on_demand", "items": [ECS]}, "region"),
    ({"region": "cn-north-4", "billing_mode": "weekly", "items": [ECS]}, "billing_mode"),
    ({"region": "cn-north-4", "billing_mode": "monthly", "period": 10, "items": [ECS]}, "period"),
    ({"region": "cn-north-4", "billing_mode": "yearly", "period": 0, "items": [ECS]}, "period"),
    ({"region": "cn-north-4", "billing_mode": "yearly", "period": "2", "items": [ECS]}, "period"),
    ({"region": "cn-north-4", "billing_mode": "on_demand", "period": 1, "items": [ECS]}, "period"),
    ({"region": "cn-north-4", "billing_mode": "on_demand", "items": []}, "items"),
    ({"region": "cn-north-4", "billing_mode": "on_demand", "items": "ecs"}, "items"),
    ({"region": "cn-north-4", "billing_mode": "on_demand", "items": [1]}, "items.0"),
    (
        {"region": "cn-north-4", "billing_mode": "on_demand", "items": [{**ECS, "product": "rds"}]},
        "items.0.product",
    ),
    (
        {"region": "cn-north-4", "billing_mode": "on_demand", "items": [{**ECS, "spec": "x9"}]},
        "items.0.spec",
    ),
    (
        {"region": "cn-north-4", "billing_mode": "on_demand", "items": [{**ECS, "quantity": 0}]},
        "items.0.quantity",
    ),
    (
        {"region": "cn-north-4", "billing_mode": "on_demand", "items": [{**ECS, "quantity": 1.5}]},
        "items.0.quantity",
    ),
    (
        {"region": "cn-north-4", "billing_mode": "on_demand", "items": [{**ECS, "quantity": True}]},
        "items.0.quantity",
    ),
    (
        {"region": "cn-north-4", "billing_mode": "on_demand", "items": [{**ECS, "quantity": "2"}]},
        "items.0.quantity",
    ),
    (
        {"region": "cn-north-4", "billing_mode": "on_demand", "items": [{**EVS, "size_gb": 5}]},
        "items.0.size_gb",
    ),
    (
        {"region": "cn-north-4", "billing_mode": "on_demand", "items": [{**EVS, "size_gb": 40000}]},
        "items.0.size_gb",
    ),
    (
        {"region": "cn-north-4", "billing_mode": "on_demand", "items": [{**EVS, "size_gb": None}]},
        "items.0.size_gb",
    ),
    (
        {
            "region": "cn-north-4",
            "billing_mode": "on_demand",
            "items": [{**EIP, "bandwidth_mbit": 301}],
        },
        "items.0.bandwidth_mbit",
    ),
    (
        {"region": "cn-north-4", "billing_mode": "on_demand", "items": [{**ECS, "size_gb": 10}]},
        "items.0.size_gb",
    ),
    (
        {"region": "cn-north-4", "billing_mode": "on_demand", "items": [{**ECS, "product": 3}]},
        "items.0.product",
    ),
]


@pytest.mark.parametrize(("body", "field"), BAD)
def test_bad_input_is_422_with_fields(quote: Any, body: Any, field: str) -> None:
    resp = quote(body)
    assert resp.status_code == 422, resp.get_json()
    error = resp.get_json()["error"]
    assert error["code"] == "invalid_input" and field in error["fields"], error


def test_missing_or_malformed_body(client: Any, catalog: Any) -> None:
    for kwargs in ({}, {"data": "{nope", "content_type": "application/json"}, {"data": "x=1"}):
        resp = client.post("/api/v1/quotes", **kwargs)
        assert resp.status_code == 422 and "body" in resp.get_json()["error"]["fields"]


def test_hidden_items_are_unknown(app: Any, quote: Any, catalog: Any) -> None:
    with app.app_context(), store_context(catalog["store"]):
        db.session.add(HiddenItem(kind="region", code="cn-east-3"))
        db.session.add(HiddenItem(kind="spec", code="ecs/s6.large.2.linux"))
        db.session.add(HiddenItem(kind="product", code="evs"))
        db.session.commit()
    base = {"billing_mode": "on_demand"}
    assert quote({**base, "region": "cn-east-3", "items": [VPC]}).status_code == 422
    assert quote({**base, "region": "cn-north-4", "items": [ECS]}).status_code == 422
    assert quote({**base, "region": "cn-north-4", "items": [EVS]}).status_code == 422
    assert quote({**base, "region": "cn-north-4", "items": [VPC]}).status_code == 201


def test_rules_apply_and_floor_holds(app: Any, quote: Any, catalog: Any) -> None:
    with app.app_context(), store_context(catalog["store"]):
        db.session.add(PriceRule(kind="discount", adjustment="percent", value=Decimal(50)))
        db.session.add(
            PriceRule(kind="markup", adjustment="percent", value=Decimal(10), product_code="evs")
        )
        db.session.commit()
    body = quote(
        {"region": "cn-north-4", "billing_mode": "monthly", "items": [ECS, EVS]}
    ).get_json()
    ecs, evs = body["lines"]
    with app.app_context():
        lines = db.session.scalars(select(Quote)).one().lines
    assert Decimal(ecs["amount"]) == lines[0].cost_amount  # 50% off would go below cost
    assert Decimal(evs["amount"]) == (lines[1].cost_amount * Decimal("1.1")).quantize(
        Decimal("0.01")
    )


def test_stale_prices_are_flagged_then_refused(app: Any, quote: Any) -> None:
    body = {"region": "cn-north-4", "billing_mode": "on_demand", "items": [ECS]}
    with app.app_context():
        old = utcnow() - timedelta(hours=30)
        db.session.execute(update(PriceBookEntry).values(fetched_at=old))
        db.session.commit()
    resp = quote(body)
    assert resp.status_code == 201 and resp.get_json()["stale"] is True
    with app.app_context():
        db.session.execute(update(PriceBookEntry).values(fetched_at=old - timedelta(days=7)))
        db.session.commit()
    resp = quote(body)
    assert resp.status_code == 503 and resp.get_json()["error"]["code"] == "prices_unavailable"


def test_quotes_do_not_call_the_provider(quote: Any, sandbox: Any) -> None:
    sandbox.set_faults(fault_rate=1.0, mode="error")
    try:
        resp = quote({"region": "cn-north-4", "billing_mode": "yearly", "items": [ECS, EIP]})
        assert resp.status_code == 201
    finally:
        sandbox.clear_faults()


def test_a_customer_token_owns_the_quote(client: Any, catalog: Any, make_customer: Any) -> None:
    """With a customer's bearer token the quote is that customer's (what POST /api/v1/orders
    buys); a token that is sent but invalid is refused, not treated as anonymous."""
    from tests.builders import PASSWORD

    customer = make_customer(email="api.buyer@example.com")
    raw = client.post(
        "/api/v1/auth/token", json={"email": customer.email, "password": PASSWORD}
    ).get_json()["token"]
    body = {
        "region": "cn-north-4",
        "billing_mode": "monthly",
        "items": [{"product": "ecs", "spec": "s6.large.2.linux", "quantity": 1}],
    }
    other = client.application.test_client()  # no session cookie: only the token identifies
    created = other.post("/api/v1/quotes", json=body, headers={"Authorization": f"Bearer {raw}"})
    assert created.status_code == 201
    quote_id = created.get_json()["id"]
    fetched = client.application.test_client().get(
        f"/api/v1/quotes/{quote_id}", headers={"Authorization": f"Bearer {raw}"}
    )
    assert fetched.status_code == 200 and fetched.get_json()["id"] == quote_id
    assert client.application.test_client().get(f"/api/v1/quotes/{quote_id}").status_code == 404
    refused = other.post("/api/v1/quotes", json=body, headers={"Authorization": "Bearer nope"})
    assert refused.status_code == 401 and refused.get_json()["error"]["code"] == "unauthorized"


def test_the_anonymous_owner_is_a_cookie_of_its_own(client: Any, quote: Any, app: Any) -> None:
    """An anonymous quote is seen again only with the owner cookie it came with: not by another
    client, not with a forged or malformed key; and making it does not set a session cookie."""
    made = quote({"region": "cn-north-4", "billing_mode": "monthly", "period": 1, "items": [ECS]})
    assert made.status_code == 201
    qid = made.get_json()["id"]
    cookies = made.headers.getlist("Set-Cookie")
    assert [c.split("=", 1)[0] for c in cookies] == ["sf_quote_owner"]
    assert "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]
    key = client.get_cookie("sf_quote_owner").value
    seen = client.get(f"/api/v1/quotes/{qid}")
    assert seen.status_code == 200 and "Cookie" in seen.headers["Vary"]  # caches: per owner
    again = quote({"region": "cn-north-4", "billing_mode": "on_demand", "items": [ECS]})
    assert "Set-Cookie" not in again.headers  # the same owner keeps its key
    stranger = app.test_client()
    assert stranger.get(f"/api/v1/quotes/{qid}").status_code == 404
    stranger.set_cookie("sf_quote_owner", key[:-1] + ("A" if key[-1] != "A" else "B"))
    assert stranger.get(f"/api/v1/quotes/{qid}").status_code == 404
    stranger.set_cookie("sf_quote_owner", "<script>")
    assert stranger.get(f"/api/v1/quotes/{qid}").status_code == 404
    stranger.set_cookie("sf_quote_owner", key)
    assert stranger.get(f"/api/v1/quotes/{qid}").status_code == 200


@pytest.mark.parametrize("secure", [False, True])
def test_the_owner_cookie_is_what_werkzeug_would_write(quote: Any, app: Any, secure: bool) -> None:
    """The owner cookie's header is written by hand on the hot path: it must be exactly
    ``set_cookie``'s, with ``Secure`` where the session cookie is (production)."""
    app.config["SESSION_COOKIE_SECURE"] = secure
    made = quote({"region": "cn-north-4", "billing_mode": "monthly", "period": 1, "items": [ECS]})
    (header,) = made.headers.getlist("Set-Cookie")
    key = header.split(";", 1)[0].split("=", 1)[1]
    expected = dump_cookie(
        "sf_quote_owner", key, path="/", secure=secure, httponly=True, samesite="Lax"
    )
    assert header == expected and len(key) == 32
    assert "Vary" not in made.headers  # an answer to a POST is not stored by caches
