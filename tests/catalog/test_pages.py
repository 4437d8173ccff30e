"""Product pages, the calculator and quotes in HTML, and the staff pricing pages."""

from __future__ import annotations

import re
from typing import Any

from storefront.accounts.models import StaffRole
from storefront.catalog.models import PriceRule
from storefront.extensions import db


def login(client: Any, principal: Any) -> None:
    """Log in through the session (staff login is built elsewhere). Session protection is
    "strong", so the session also carries the identifier Flask-Login derives from the client."""
    from flask_login.utils import _create_identifier

    with client.application.test_request_context(environ_base=client.environ_base):
        ident = _create_identifier()
    with client.session_transaction() as s:
        s["_user_id"] = principal.get_id()
        s["_fresh"] = True
        s["_id"] = ident


def csrf(client: Any, path: str = "/calculator") -> dict[str, str]:
    html = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert token is not None
    return {"X-CSRFToken": token.group(1)}


def test_product_pages(client: Any, catalog: Any) -> None:
    html = client.get("/products").get_data(as_text=True)
    assert "Elastic Cloud Server" in html and "/products/evs" in html
    home = client.get("/").get_data(as_text=True)
    assert 'href="/products"' in home  # the first main nav item: "Browse products"
    page = client.get("/products/ecs?region=cn-south-1").get_data(as_text=True)
    assert "s6.large.2.linux" in page and "117.60" in page  # monthly in Guangzhou
    assert "General computing" in page
    assert "billed separately" in client.get("/products/vpc").get_data(as_text=True)
    assert client.get("/products/rds").status_code == 404
    zh = client.get("/products/ecs", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "弹性云服务器" in zh


def test_browsing_products_sets_no_cookie_and_the_calculator_still_posts(
    client: Any, catalog: Any
) -> None:
    """Product pages have nothing to post, so they carry no CSRF token and viewing them starts
    no session; the calculator's htmx requests still get a token that works."""
    for path in ("/products", "/products/ecs?region=cn-north-4", "/products/vpc"):
        resp = client.get(path)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200 and resp.headers.get("Set-Cookie") is None
        assert 'method="post"' not in html.lower()
        assert not re.search(r"hx-(post|put|patch|delete)", html)
    form = {"region": "cn-north-4", "ecs_spec": "s6.large.2.linux", "ecs_quantity": "1"}
    assert client.post("/calculator/price", data=form).status_code == 400  # no token, no price
    part = client.post("/calculator/price", data=form, headers=csrf(client))
    assert part.status_code == 200 and "CN¥112.00" in part.get_data(as_text=True)


def test_calculator_prices_and_quotes(client: Any, catalog: Any) -> None:
    page = client.get("/calculator?region=cn-north-4")
    assert page.status_code == 200 and 'data-price="yearly"' in page.get_data(as_text=True)
    form = {
        "region": "cn-north-4",
        "ecs_spec": "s6.large.2.linux",
        "ecs_quantity": "2",
        "evs_spec": "SSD",
        "evs_size": "100",
        "evs_quantity": "1",
        "eip_spec": "",
        "months": "1",
        "years": "1",
    }
    headers = csrf(client)
    part = client.post("/calculator/price", data=form, headers=headers).get_data(as_text=True)
    assert "CN¥324.00" in part  # 2 x 112 + 100 x 1.00, monthly
    assert "CN¥3,240.00" in part and "You save" in part
    made = client.post(
        "/calculator/quote", data={**form, "billing_mode": "yearly"}, headers=headers
    )
    assert made.status_code == 302
    quote_page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "CN¥3,240.00" in quote_page and "Log in to buy" in quote_page  # a visitor
    bad = client.post(
        "/calculator/price", data={**form, "evs_size": "5"}, headers=headers
    ).get_data(as_text=True)
    assert "Must be from 10 to 32768" in bad and "CN¥" not in bad
    for field, value in (("ecs_quantity", "0"), ("evs_quantity", "abc"), ("ecs_quantity", "")):
        wrong = client.post("/calculator/price", data={**form, field: value}, headers=headers)
        text = wrong.get_data(as_text=True)
        assert wrong.status_code == 200 and "CN¥" not in text  # no price for a wrong basket
        assert "must be from 1 to 500" in text or "enter a whole number" in text


def test_staff_pricing_needs_staff(
    client: Any, catalog: Any, make_customer: Any, make_staff: Any
) -> None:
    anonymous = client.get("/staff/pricing")  # one staff guard: anonymous -> staff login
    assert anonymous.status_code == 302 and "/admin/login" in anonymous.headers["Location"]
    login(client, make_customer())
    assert client.get("/staff/pricing").status_code == 403
    login(client, make_staff(role=StaffRole.SUPPORT))
    assert client.get("/staff/pricing").status_code == 403



def add_rule_past_warning(client: Any, data: dict[str, str]) -> Any:
    """"Add rule", through the warning step when the rule warns (sells below list or lowers
    today's price): then the first answer is the preview with its warning, and the second (the
    same rule, its preview seen) saves it. A rule that warns of nothing saves at once."""
    data = {**data, "save": "1"}
    first = client.post("/staff/pricing", headers=csrf(client, "/staff/pricing"), data=data)
    if first.status_code == 302:
        return first
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and 'class="alert alert-warning"' in page
    seen = re.search(r'id="acknowledged" name="acknowledged" type="hidden" value="([^"]*)"', page)
    assert seen is not None
    return client.post(
        "/staff/pricing",
        headers=csrf(client, "/staff/pricing"),
        data={**data, "acknowledged": seen.group(1)},
    )


def _add_ecs_markup(client: Any) -> Any:
    """A logged-in owner adds a 10 % markup on ECS through the pricing page (a markup is on
    cost, which is the list price the provider rates for the partner's keys: no warning)."""
    return add_rule_past_warning(
        client,
        {
            "product_code": "ecs",
            "spec_code": "",
            "group_id": "",
            "kind": "markup",
            "adjustment": "percent",
            "value": "10",
        },
    )

def test_staff_pricing_rules_and_preview(
    app: Any, client: Any, catalog: Any, make_staff: Any, make_store: Any
) -> None:
    login(client, make_staff(role=StaffRole.OWNER))
    resp = client.get("/staff/pricing?region=cn-north-4&mode=monthly")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200, page[page.find("<main") :][:600]
    assert "s6.large.2.linux" in page and "112.00" in page
    assert _add_ecs_markup(client).status_code == 302
    with app.app_context():
        rule = db.session.query(PriceRule).one()
        assert rule.product_code == "ecs" and rule.store_id == catalog["store"].id
    page = client.get("/staff/pricing?region=cn-north-4&mode=monthly").get_data(as_text=True)
    assert f"#{rule.id}" in page
    # staff of another store cannot act here (their session does not load on this host)
    other = make_store()
    login(client, make_staff(store=other, role=StaffRole.OWNER))
    refused = client.get("/staff/pricing")
    assert refused.status_code == 302 and "/admin/login" in refused.headers["Location"]


def _row(page: str, spec: str) -> str:
    start = page.index(f'<code class="small">{spec}</code>')
    return page[start : page.index("</tr>", start)]


def test_product_page_shows_a_new_price_rule_at_once(
    client: Any, catalog: Any, make_staff: Any
) -> None:
    """The spec table is rendered once and reused; a rule change must still show at once."""
    before = _row(
        client.get("/products/ecs?region=cn-north-4").get_data(as_text=True), "s6.large.2.linux"
    )
    assert before == _row(
        client.get("/products/ecs?region=cn-north-4").get_data(as_text=True), "s6.large.2.linux"
    )
    login(client, make_staff(role=StaffRole.OWNER))
    assert _add_ecs_markup(client).status_code == 302
    page = client.get("/products/ecs?region=cn-north-4").get_data(as_text=True)
    after = _row(page, "s6.large.2.linux")
    assert after != before
    # the layout around the reused table is still per request: a fresh CSP nonce each time
    nonces = {
        re.search(
            r'nonce="([^"]+)"', client.get("/products/ecs?region=cn-north-4").get_data(as_text=True)
        ).group(1)  # type: ignore[union-attr]
        for _ in range(2)
    }
    assert len(nonces) == 2
