"""Buying without surprises: a visitor's quote is still theirs after logging in, the checkout
page names every blocker with its fix (and Pay waits), quotes tell themselves apart, and the
order page stops asking for news once the order is final."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from storefront.accounts.models import Customer, CustomerStatus, RealnameStatus
from storefront.billing.models import Order
from storefront.extensions import db
from storefront.stores import freeze
from storefront.stores.models import Store
from tests.accounts.helpers import PASSWORD
from tests.billing.wallet_helpers import csrf
from tests.shop import drain


def login(client: FlaskClient, email: str) -> None:
    """Log in through the login page (what fires the login signal quotes move on)."""
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf(page)}
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]



CALC = {
    "region": "cn-north-4",
    "ecs_spec": "s6.large.2.linux",
    "ecs_quantity": "1",
    "evs_spec": "SSD",
    "evs_size": "100",
    "evs_quantity": "1",
    "months": "1",
    "years": "1",
}


def visitor_quote(client: FlaskClient, **changes: str) -> str:
    """Price and quote in the calculator as a visitor (the sf_quote_owner cookie owns it)."""
    token = csrf(client.get("/calculator").get_data(as_text=True))
    made = client.post(
        "/calculator/quote",
        data={**CALC, **changes, "billing_mode": "monthly", "csrf_token": token},
    )
    assert made.status_code == 302, made.get_data(as_text=True)[:300]
    return str(made.headers["Location"]).rsplit("/", 1)[-1]


def test_a_quote_made_before_logging_in_is_bought_after(
    app: Flask,
    client: FlaskClient,
    make_buyer: Callable[..., Customer],
    give: Callable[[Customer, str], None],
) -> None:
    customer = make_buyer()
    give(customer, "5000.00")
    quote_id = visitor_quote(client)
    page = client.get(f"/quotes/{quote_id}").get_data(as_text=True)
    assert "Log in to buy" in page and f"next=/checkout/{quote_id}" in page
    login(client, customer.email)
    checkout = client.get(f"/checkout/{quote_id}")  # 404 before: the quote was the visitor's
    assert checkout.status_code == 200
    html = checkout.get_data(as_text=True)
    assert 'id="checkout-blockers"' not in html and 'id="pay"' in html
    assert re.search(r'<button[^>]*id="pay"[^>]*>', html) and "disabled" not in re.search(
        r'<button[^>]*id="pay"[^>]*>', html
    ).group(0)  # type: ignore[union-attr]
    paid = client.post(
        f"/checkout/{quote_id}",
        data={"csrf_token": csrf(html), "idempotency_key": "k1"},
    )
    assert paid.status_code == 302 and "/orders/" in paid.headers["Location"]


def test_a_quote_made_before_registering_is_the_new_customers(
    app: Flask, client: FlaskClient, catalog: Any
) -> None:
    from tests.accounts.helpers import registration

    quote_id = visitor_quote(client)
    page = client.get("/register").get_data(as_text=True)
    form = registration()
    data = {
        "email": form["email"], "password": form["password"], "name": form["name"],
        "country": "CN", "phone_code": "+86", "phone": "",
        "accept_terms": "y", "consent_personal_info": "y", "csrf_token": csrf(page),
    }  # fmt: skip
    made = client.post("/register", data=data)
    text = made.get_data(as_text=True)
    assert made.status_code == 302, re.findall(r"invalid-feedback[^>]*>([^<]+)<", text)
    html = client.get(f"/checkout/{quote_id}").get_data(as_text=True)
    # a brand-new customer: the page says what to do before paying, and Pay waits
    assert 'data-blocker="email_unconfirmed"' in html
    assert 'data-blocker="realname_required"' in html


def pay_button(html: str) -> str:
    found = re.search(r'<button[^>]*id="pay"[^>]*>', html)
    assert found is not None
    return found.group(0)


BLOCKERS: dict[str, dict[str, Any]] = {
    "email_unconfirmed": {"status": CustomerStatus.PENDING_EMAIL},
    "realname_required": {"realname_status": RealnameStatus.UNVERIFIED},
    "realname_pending": {"realname_status": RealnameStatus.PENDING},
    "account_frozen": {"status": CustomerStatus.FROZEN},
    "store_frozen": {},
    "balance_short": {},
}
FIXES = {
    "email_unconfirmed": ('action="/account/verify/resend"', "Send the link again"),
    "realname_required": ('href="/account/realname"', "Verify your identity"),
    "realname_pending": ('href="/account/realname"', "being reviewed"),
    "account_frozen": ('href="mailto:help@example.com"', "contact the store"),
    "store_frozen": ('href="mailto:help@example.com"', "not taking orders"),
    "balance_short": ('href="/wallet?amount=', "Top up CN¥"),
}


@pytest.mark.parametrize("code", list(BLOCKERS))
def test_each_blocker_is_named_with_its_fix_and_pay_waits(
    app: Flask,
    client: FlaskClient,
    code: str,
    make_buyer: Callable[..., Customer],
    make_quote: Callable[..., str],
    give: Callable[[Customer, str], None],
    default_store: Store,
    owner: Any,
) -> None:
    customer = make_buyer(**BLOCKERS[code])
    quote_id = make_quote(customer)
    with app.app_context():
        store = db.session.get(Store, default_store.id)
        assert store is not None
        store.contact_email = "help@example.com"
        db.session.commit()
        if code == "store_frozen":
            freeze.freeze_store(store, "audit", "test")
            db.session.commit()
    if code != "balance_short":
        give(customer, "5000.00")
    login(client, customer.email)
    html = client.get(f"/checkout/{quote_id}").get_data(as_text=True)
    blockers = re.findall(r'data-blocker="([a-z_]+)"', html)
    assert blockers == [code]
    link, words = FIXES[code]
    section = html[html.index('id="checkout-blockers"') : html.index("</section>")]
    assert link in section and words in section
    assert "disabled" in pay_button(html)
    # placing it anyway is refused with the same reason, and nothing is bought
    refused = client.post(
        f"/checkout/{quote_id}", data={"csrf_token": csrf(html), "idempotency_key": "k" + code}
    )
    assert refused.status_code == (402 if code == "balance_short" else 409)
    assert f'data-blocker="{code}"' in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Order).count() == 0


def test_balance_short_says_by_how_much_and_prefills_the_top_up(
    app: Flask,
    client: FlaskClient,
    make_buyer: Callable[..., Customer],
    make_quote: Callable[..., str],
    give: Callable[[Customer, str], None],
) -> None:
    customer = make_buyer()
    quote_id = make_quote(customer)
    with app.app_context():
        from storefront.catalog.models import Quote

        total = db.session.get(Quote, quote_id).total  # type: ignore[union-attr]
    give(customer, "10.00")
    login(client, customer.email)
    html = client.get(f"/checkout/{quote_id}").get_data(as_text=True)
    short = total - Decimal("10.00")
    assert f'href="/wallet?amount={short}"' in html
    wallet = client.get(f"/wallet?amount={short}").get_data(as_text=True)
    assert f'value="{short}"' in wallet


def test_chinese_checkout_speaks_chinese_money(
    app: Flask,
    client: FlaskClient,
    make_buyer: Callable[..., Customer],
    make_quote: Callable[..., str],
    give: Callable[[Customer, str], None],
) -> None:
    customer = make_buyer()
    quote_id = make_quote(customer)
    give(customer, "1234.50")
    login(client, customer.email)
    zh = client.get(f"/checkout/{quote_id}", headers={"Accept-Language": "zh-CN"})
    html = zh.get_data(as_text=True)
    assert "¥1,234.50" in html and "CN¥" not in html  # Babel's zh_Hans_CN: symbol, separators
    assert "华北-北京四" in html and "cn-north-4<" not in html  # the region's name
    en = client.get(f"/checkout/{quote_id}").get_data(as_text=True)
    assert "CN¥1,234.50" in en and "CN North-Beijing4" in en


def test_two_quotes_tell_themselves_apart(client: FlaskClient, catalog: Any) -> None:
    first, second = visitor_quote(client), visitor_quote(client, ecs_quantity="2")
    assert first[:8] == second[:8]  # same time prefix: what "Quote 0661fc3e" showed twice

    def label(quote_id: str) -> str:
        html = client.get(f"/quotes/{quote_id}").get_data(as_text=True)
        found = re.search(r'<span id="quote-label">([^<]+)</span>', html)
        assert found is not None
        return found.group(1)

    one, two = label(first), label(second)
    assert one != two and first[-6:] in one and second[-6:] in two
    assert "ECS + EVS" in one


def progress(client: FlaskClient, order_id: int, n: int = 0) -> str:
    return client.get(f"/orders/{order_id}/progress?n={n}").get_data(as_text=True)


def test_the_order_page_asks_less_often_then_stops_when_final(
    app: Flask,
    client: FlaskClient,
    buyer: Customer,
    make_quote: Callable[..., str],
    give: Callable[[Customer, str], None],
) -> None:
    give(buyer, "5000.00")
    quote_id = make_quote(buyer)
    login(client, buyer.email)
    html = client.get(f"/checkout/{quote_id}").get_data(as_text=True)
    placed = client.post(
        f"/checkout/{quote_id}", data={"csrf_token": csrf(html), "idempotency_key": "p1"}
    )
    order_id = int(placed.headers["Location"].rsplit("/", 1)[-1])
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert f'hx-get="/orders/{order_id}/progress?n=1"' in page and "load delay:2s" in page
    later = progress(client, order_id, 4)
    assert f"/orders/{order_id}/progress?n=5" in later and "load delay:10s" in later
    assert "load delay:30s" in progress(client, order_id, 40)  # capped
    drain(app)  # the worker provisions it: active
    final = progress(client, order_id, 5)
    assert 'data-status="active"' in final and "hx-get" not in final and "hx-trigger" not in final
    assert "hx-get" not in client.get(f"/orders/{order_id}").get_data(as_text=True)


def test_chinese_order_pages_name_statuses_in_chinese(
    app: Flask,
    client: FlaskClient,
    buyer: Customer,
    make_quote: Callable[..., str],
    give: Callable[[Customer, str], None],
) -> None:
    give(buyer, "5000.00")
    quote_id = make_quote(buyer)
    login(client, buyer.email)
    html = client.get(f"/checkout/{quote_id}").get_data(as_text=True)
    client.post(f"/checkout/{quote_id}", data={"csrf_token": csrf(html), "idempotency_key": "z"})
    drain(app)
    zh = {"Accept-Language": "zh-CN"}
    orders = client.get("/orders", headers=zh).get_data(as_text=True)
    assert ">运行中<" in orders and ">active<" not in orders.lower()
    assert "包月" in orders  # the billing mode too
    with app.app_context():
        order_id = db.session.query(Order.id).scalar()
    detail = client.get(f"/orders/{order_id}", headers=zh).get_data(as_text=True)
    assert "已付" in detail and "运行中" in detail and "华北-北京四" in detail
    resources = client.get("/resources", headers=zh).get_data(as_text=True)
    assert ">运行中<" in resources and "华北-北京四" in resources
    account = client.get("/account", headers=zh).get_data(as_text=True)
    assert "已认证</a>" in account and "verified</a>" not in account
    wallet = client.get("/wallet", headers=zh).get_data(as_text=True)
    assert "付款 · 订单 #" in wallet and "Order 1" not in wallet


def test_the_real_name_page_asks_for_news_while_in_review_only(
    app: Flask, client: FlaskClient, make_buyer: Callable[..., Customer]
) -> None:
    customer = make_buyer(realname_status=RealnameStatus.PENDING)
    login(client, customer.email)
    page = client.get("/account/realname").get_data(as_text=True)
    assert 'hx-get="/account/realname?n=1"' in page and "load delay:2s" in page
    assert 'hx-select="#realname-live"' in page
    later = client.get("/account/realname?n=3").get_data(as_text=True)
    assert 'hx-get="/account/realname?n=4"' in later and "load delay:6s" in later
    with app.app_context():
        found = db.session.get(Customer, customer.id)
        assert found is not None
        found.realname_status = RealnameStatus.VERIFIED
        db.session.commit()
    final = client.get("/account/realname?n=4").get_data(as_text=True)
    assert 'data-final="true"' in final and "hx-get" not in final
