"""The quote writer: a quote API request that writes nothing but the quote commits its row on a
connection of its own, in one statement (``storefront.catalog.quote_store.write_alone``).

What a client and an operator notice: the quote is there for everyone at once (its owner reads
it back, it can be bought after logging in, another store never sees it), a database that
refuses the row answers a clear 503 (never a 500) and the next quote works, and on PostgreSQL
only the writer's connections skip waiting for the disk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from storefront.accounts.models import Customer
from storefront.catalog import quote_store
from storefront.extensions import db
from tests.billing.conftest import requires_postgres
from tests.billing.test_checkout_page import login

ECS = {"product": "ecs", "spec": "s6.large.2.linux", "quantity": 1}
BODY = {"region": "cn-north-4", "billing_mode": "monthly", "period": 1, "items": [ECS]}


def test_a_quote_is_committed_at_once_for_its_store_only(
    app: Flask, client: FlaskClient, catalog: Any, make_store: Any
) -> None:
    made = client.post("/api/v1/quotes", json=BODY)
    assert made.status_code == 201, made.get_json()
    quote_id = made.get_json()["id"]
    with app.app_context(), db.engine.connect() as other:  # another connection of the app
        store_id = other.scalar(
            text("SELECT store_id FROM catalog_quotes WHERE id = :id"), {"id": quote_id}
        )
    assert store_id == catalog["store"].id
    again = client.get(f"/api/v1/quotes/{quote_id}")
    assert again.status_code == 200 and again.get_json() == made.get_json()
    other_host = make_store().domains[0].host  # the owner's key sent there too: still unseen
    owner = client.get_cookie("sf_quote_owner")
    assert owner is not None
    client.set_cookie("sf_quote_owner", owner.value, domain=other_host)
    elsewhere = client.get(f"/api/v1/quotes/{quote_id}", headers={"Host": other_host})
    assert elsewhere.status_code == 404


def test_an_api_quote_made_before_logging_in_is_bought_after(
    client: FlaskClient, make_buyer: Callable[..., Customer]
) -> None:
    customer = make_buyer()
    made = client.post("/api/v1/quotes", json=BODY)
    assert made.status_code == 201, made.get_json()
    login(client, customer.email)
    assert client.get(f"/checkout/{made.get_json()['id']}").status_code == 200


@contextmanager
def _quotes_refused(app: Flask) -> Iterator[None]:
    """The database refuses every new quote row (a trigger), as a full disk or a broken
    constraint would; the trigger goes afterwards."""
    with app.app_context(), db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(
                "CREATE FUNCTION refuse_quote() RETURNS trigger LANGUAGE plpgsql AS"
                " $$ BEGIN RAISE EXCEPTION 'no more quotes'; END $$"
            ))  # fmt: skip
            conn.execute(text(
                "CREATE TRIGGER refuse_quotes BEFORE INSERT ON catalog_quotes"
                " FOR EACH ROW EXECUTE FUNCTION refuse_quote()"
            ))  # fmt: skip
        else:
            conn.execute(text(
                "CREATE TRIGGER refuse_quotes BEFORE INSERT ON catalog_quotes"
                " BEGIN SELECT RAISE(ABORT, 'no more quotes'); END"
            ))  # fmt: skip
    try:
        yield
    finally:
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER refuse_quotes ON catalog_quotes")
                         if conn.dialect.name == "postgresql"
                         else text("DROP TRIGGER refuse_quotes"))  # fmt: skip
            if conn.dialect.name == "postgresql":
                conn.execute(text("DROP FUNCTION refuse_quote()"))


def test_a_refused_quote_is_a_503_and_the_next_one_works(
    app: Flask, client: FlaskClient, catalog: Any
) -> None:
    with_image = {**BODY, "items": [{**ECS, "image": "img-ubuntu"}]}  # through the session
    with _quotes_refused(app):
        refused = [client.post("/api/v1/quotes", json=body) for body in (BODY, with_image)]
    for answer in refused:
        assert answer.status_code == 503
        error = answer.get_json()["error"]
        assert error["code"] == "unavailable" and "ask again" in error["message"]
    made = client.post("/api/v1/quotes", json=BODY)
    assert made.status_code == 201, made.get_json()
    assert client.get(f"/api/v1/quotes/{made.get_json()['id']}").status_code == 200


@requires_postgres
def test_only_the_quote_writer_commits_without_waiting_for_the_disk(
    app: Flask, client: FlaskClient, catalog: Any
) -> None:
    assert client.post("/api/v1/quotes", json=BODY).status_code == 201
    # who set it: the writer on its connections ("session"); on the others the app leaves
    # the database's own setting (the test databases turn it off for every connection)
    source = text("SELECT setting, source FROM pg_settings WHERE name = 'synchronous_commit'")
    with app.app_context():
        with db.engines[quote_store.WRITER].connect() as writer:
            assert tuple(writer.execute(source).one()) == ("off", "session")
        with db.engine.connect() as orders:  # orders, payments, everything else
            assert orders.execute(source).one().source != "session"
