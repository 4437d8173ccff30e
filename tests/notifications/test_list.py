"""The in-app list: the customer's own notifications of their store only, newest first in
cursor pages with the unread count, marked read one by one or all at once; preferences by API
and on the settings page."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from storefront.accounts.models import Customer
from storefront.stores.models import Store
from tests.staff import host_of


def _auth(token: str, host: str = "localhost") -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Host": host}


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def test_the_api_lists_pages_and_marks_read(
    app: Flask,
    client: FlaskClient,
    make_customer: Callable[..., Customer],
    notify: Callable[..., None],
    token_for: Callable[[Customer], str],
) -> None:
    me, other = make_customer(), make_customer()
    for n in range(5):
        notify(me, "order_active", n, order=n)
    notify(other, "account_frozen", "x")
    headers = _auth(token_for(me))
    first = client.get("/api/v1/notifications?limit=2", headers=headers).get_json()
    assert [i["title"] for i in first["items"]] == ["Order #4 is ready", "Order #3 is ready"]
    assert first["unread"] == 5 and first["next_cursor"]
    seen = [i["id"] for i in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get(
            f"/api/v1/notifications?limit=2&cursor={cursor}", headers=headers
        ).get_json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 5
    assert client.get("/api/v1/notifications?cursor=abc", headers=headers).status_code == 422
    assert client.get("/api/v1/notifications?limit=1000", headers=headers).status_code == 422
    # another customer's notification: not listed, not markable
    theirs = client.get("/api/v1/notifications", headers=_auth(token_for(other))).get_json()
    assert [i["event"] for i in theirs["items"]] == ["account_frozen"]
    resp = client.post(
        "/api/v1/notifications/read", json={"ids": [theirs["items"][0]["id"]]}, headers=headers
    )
    assert resp.get_json() == {"marked": 0, "unread": 5}
    resp = client.post("/api/v1/notifications/read", json={"ids": seen[:2]}, headers=headers)
    assert resp.get_json() == {"marked": 2, "unread": 3}
    unread = client.get("/api/v1/notifications?unread=1", headers=headers).get_json()
    assert len(unread["items"]) == 3 and not any(i["read"] for i in unread["items"])
    resp = client.post("/api/v1/notifications/read", json={"all": True}, headers=headers)
    assert resp.get_json() == {"marked": 3, "unread": 0}
    for bad in ({}, {"ids": "1"}, {"ids": [True]}, {"ids": []}, [1]):
        assert (
            client.post("/api/v1/notifications/read", json=bad, headers=headers).status_code == 422
        )
    assert client.get("/api/v1/notifications").status_code == 401
    theirs = client.get("/api/v1/notifications", headers=_auth(token_for(other))).get_json()
    assert theirs["unread"] == 1  # untouched


def test_another_store_sees_nothing(
    app: Flask,
    client: FlaskClient,
    make_customer: Callable[..., Customer],
    make_store: Callable[..., Store],
    notify: Callable[..., None],
    token_for: Callable[[Customer], str],
    login: Callable[..., FlaskClient],
) -> None:
    me = make_customer()
    notify(me, "account_frozen", "x")
    store = make_store()
    stranger = make_customer(store=store)
    host = host_of(store)
    got = client.get("/api/v1/notifications", headers=_auth(token_for(stranger), host)).get_json()
    assert got["items"] == [] and got["unread"] == 0
    # my token on the other store's host is refused
    assert client.get("/api/v1/notifications", headers=_auth(token_for(me), host)).status_code in (
        401,
        403,
    )
    mine = client.get("/api/v1/notifications", headers=_auth(token_for(me))).get_json()
    note_id = mine["items"][0]["id"]
    browser = login(stranger, host=host)
    page = browser.get("/notifications", headers={"Host": host}).get_data(as_text=True)
    assert "No notifications yet" in page and "Your account is frozen" not in page
    form = browser.get("/notifications/settings", headers={"Host": host}).get_data(as_text=True)
    resp = browser.post(
        f"/notifications/{note_id}/read", data={"csrf_token": _csrf(form)}, headers={"Host": host}
    )
    assert resp.status_code == 404
    assert (
        client.get("/api/v1/notifications", headers=_auth(token_for(me))).get_json()["unread"] == 1
    )


def test_the_page_lists_marks_read_and_shows_the_unread_count(
    app: Flask,
    make_customer: Callable[..., Customer],
    notify: Callable[..., None],
    login: Callable[..., FlaskClient],
) -> None:
    me = make_customer()
    browser = login(me)
    page = browser.get("/notifications").get_data(as_text=True)
    assert "No notifications yet" in page and 'id="unread-badge"' not in page
    for n in range(23):
        notify(me, "order_active", n, order=n)
    page = browser.get("/notifications").get_data(as_text=True)
    assert page.count('data-event="order_active"') == 20  # a page of 20
    assert re.search(r'id="unread-badge"><span aria-hidden="true">23<', page)
    next_url = re.search(r'href="(/notifications\?cursor=\d+)"', page)
    assert next_url
    rest = browser.get(next_url.group(1)).get_data(as_text=True)
    assert rest.count('data-event="order_active"') == 3 and "Order #0 is ready" in rest
    first = re.search(r'action="/notifications/(\d+)/read', page)
    assert first
    resp = browser.post(f"/notifications/{first.group(1)}/read", data={"csrf_token": _csrf(page)})
    assert resp.status_code == 302
    page = browser.get("/notifications").get_data(as_text=True)
    assert re.search(r'id="unread-badge"><span aria-hidden="true">22<', page)
    assert browser.post("/notifications/read-all", data={}).status_code == 400  # no CSRF token
    browser.post("/notifications/read-all", data={"csrf_token": _csrf(page)})
    page = browser.get("/notifications").get_data(as_text=True)
    assert 'id="unread-badge"' not in page and 'data-read="no"' not in page
    assert "All notifications are marked read." in page


def test_preferences_by_api_and_page(
    app: Flask,
    client: FlaskClient,
    make_customer: Callable[..., Customer],
    token_for: Callable[[Customer], str],
    login: Callable[..., FlaskClient],
) -> None:
    me = make_customer()
    headers = _auth(token_for(me))
    got = client.get("/api/v1/notifications/preferences", headers=headers).get_json()
    low = {"event": "low_balance", "label": "Low balance warnings", "mail": True}
    assert low in got["events"] and got["low_balance_threshold"] is None
    assert not any(e["event"] == "account_frozen" for e in got["events"])
    resp = client.put(
        "/api/v1/notifications/preferences",
        json={"mail": {"account_frozen": False}},
        headers=headers,
    )
    assert resp.status_code == 422  # security and money mails stay on
    for bad in ({"low_balance_threshold": "-1"}, {"low_balance_threshold": 5.5}, {"mail": []}):
        resp = client.put("/api/v1/notifications/preferences", json=bad, headers=headers)
        assert resp.status_code == 422, bad
    resp = client.put(
        "/api/v1/notifications/preferences",
        json={"mail": {"low_balance": False}, "low_balance_threshold": "25"},
        headers=headers,
    )
    assert resp.status_code == 200
    assert {**low, "mail": False} in resp.get_json()["events"]
    assert resp.get_json()["low_balance_threshold"] == "25.00"
    browser = login(me)
    page = browser.get("/notifications/settings").get_data(as_text=True)
    assert 'value="25.00"' in page and 'value="low_balance"' in page
    assert not re.search(r'checked[^>]*value="low_balance"|value="low_balance"[^>]*checked', page)
    resp = browser.post(
        "/notifications/settings",
        data={"csrf_token": _csrf(page), "mail": ["low_balance"], "low_balance_threshold": "x"},
    )
    assert resp.status_code == 200 and "Enter an amount" in resp.get_data(as_text=True)
    resp = browser.post(
        "/notifications/settings",
        data={"csrf_token": _csrf(page), "mail": ["low_balance"], "low_balance_threshold": ""},
        follow_redirects=True,
    )
    assert "Your notification settings are saved." in resp.get_data(as_text=True)
    got = client.get("/api/v1/notifications/preferences", headers=headers).get_json()
    assert low in got["events"] and got["low_balance_threshold"] is None
