"""Authorisation matrices (tests/backoffice/test_matrix.py, tests/partners/test_matrix.py):
callers built and logged in once per module, each case's requests rolled back afterwards.

A matrix has hundreds of cases (every route × every kind of caller); building stores, staff and
a logged-in client for each case cost most of its time. Here a module builds them once, and
:meth:`RolledBack.rolled_back` runs a case's requests inside one database transaction that is
rolled back at the end, so no case sees what another one wrote (a POST that succeeds, a login
record).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import scoped_session, sessionmaker

from storefront.accounts.models import Customer, Staff
from storefront.extensions import db
from storefront.stores.services import forget_cached_stores
from tests.builders import PASSWORD


def session_on_connection(app: Flask) -> type[Any]:
    """The app's session class (with every listener the app installs on it: the store filter,
    caches), bound to the one connection it is given instead of the app's engine."""
    with app.app_context():
        app_session: type[Any] = type(db.session.registry())

    class OnConnection(app_session):  # type: ignore[misc,valid-type]
        def get_bind(self, *args: Any, **kwargs: Any) -> Any:
            return self.bind

    return OnConnection


def sqlite_begins_explicitly(app: Flask) -> None:
    """SQLite's driver opens transactions lazily, so a SAVEPOINT could start (and its release
    commit) one of its own: let SQLAlchemy emit BEGIN, as its documentation recommends."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


def add(row: Staff | Customer) -> Any:
    """Commit a principal and detach it (its attributes stay readable across cases)."""
    db.session.add(row)
    db.session.commit()
    db.session.refresh(row)
    db.session.expunge(row)
    return row


def login_cookie(app: Flask, principal: Staff | Customer, host: str) -> tuple[str, str, str]:
    """Log in through the real form once (CSRF off in the matrix app); the session cookie."""
    client = app.test_client()
    resp = client.post(
        "/admin/login" if isinstance(principal, Staff) else "/login",
        data={"email": principal.email, "password": PASSWORD},
        headers={"Host": host},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name, domain=host)
    assert cookie is not None
    return (name, cookie.value, host)


@dataclass
class RolledBack:
    app: Flask
    session_class: type[Any]
    cookies: dict[str, tuple[str, str, str]]  # caller -> (name, value, domain) after login

    def client(self, caller: str) -> FlaskClient:
        """A test client carrying ``caller``'s session cookie (none: anonymous)."""
        client = self.app.test_client()
        if caller in self.cookies:
            name, value, domain = self.cookies[caller]
            client.set_cookie(name, value, domain=domain)
        return client

    @contextmanager
    def rolled_back(self) -> Iterator[None]:
        """The block's requests run in one transaction, rolled back at its end."""
        with self.app.app_context():
            connection = db.engine.connect()
        outer = connection.begin()
        factory = sessionmaker(
            class_=self.session_class,
            db=db,
            bind=connection,
            join_transaction_mode="create_savepoint",
        )
        app_session = db.session
        db.session = scoped_session(factory)
        try:
            yield
        finally:
            db.session.remove()
            db.session = app_session
            outer.rollback()
            connection.close()
            forget_cached_stores()  # a store a case changed must not stay cached
