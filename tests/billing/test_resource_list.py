"""The resources page: one set of statements however many resources a customer has."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import event

from storefront.accounts.models import Customer
from storefront.billing.models import Resource
from storefront.extensions import db


def _statements(app: Flask, load: Callable[[], Any]) -> tuple[int, str]:
    """How many SQL statements ``load()`` sends, and the page it got."""
    with app.app_context():
        engine = db.engine
    sent: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = load()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(sent), response.get_data(as_text=True)


def test_the_resources_page_does_not_load_each_resource_again(
    app: Flask,
    make_customer: Callable[..., Customer],
    make_resource: Callable[..., Resource],
    login: Callable[..., Any],
) -> None:
    customer = make_customer()
    browser = login(customer)
    counts, made = [], 0
    for total in (2, 20):
        for n in range(made, total):
            make_resource(customer, name=f"web-{n}")
        made = total
        browser.get("/resources")  # the states of new rows are fetched once, then kept
        sent, page = _statements(app, lambda: browser.get("/resources"))
        assert page.count("data-resource=") == total
        counts.append(sent)
    assert counts[0] == counts[1], counts
