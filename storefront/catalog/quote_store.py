"""Writing a new quote: one ``INSERT`` rendered once per dialect, run on the session's connection
or, for a request that writes nothing but the quote, committed on a connection of its own.

The quote API's hot path writes one row per quote (its lines are a JSON column of that row).
The statement and its bind order come from SQLAlchemy's own compiler, and each value goes
through its column type's bind processor for that dialect (on SQLite: datetimes as ISO text,
booleans as 0/1, JSON through the engine's serializer: exactly what the ORM writes), so the
stored row is the one ``db.session.add(Quote(...))`` would store.

What it skips: the ORM's unit of work and its events (``before_insert``/``after_insert`` mapper
events, ``do_orm_execute`` session events: the tenancy filter does not see it, so the caller
passes ``store_id`` itself), the statement cache lookup and the reload of server defaults.
Every column is given. Core connection events (``before_cursor_execute``) still fire, and the
row is written in the request's transaction: the caller commits.

The quote writer (:func:`save_alone`) is the one documented exception to "services flush, the
edge commits": when the edge says the quote is all its request writes (the quote API without
server choices) and the session has no transaction open, the row goes through the DBAPI cursor of
a pooled connection of a small engine of its own (Flask-SQLAlchemy's bind :data:`WRITER`, the
same database), in autocommit: one statement, committed by the database as it runs, no
``BEGIN``/``COMMIT`` round trips and none of SQLAlchemy's execution machinery (so no
``before_cursor_execute`` either). On PostgreSQL that engine's connections are opened with
``synchronous_commit`` off (:func:`install_writer`): the row is visible to every connection at
once, and a server crash may lose the last few milliseconds of quotes (the client then gets
"No such quote" and prices again), never half a row. Nothing that moves money uses it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, cast

from flask import Flask
from flask_babel import gettext as _
from sqlalchemy import Table, event
from sqlalchemy.exc import DBAPIError

from storefront.caching import open_session
from storefront.catalog.errors import CatalogError
from storefront.catalog.models import Quote
from storefront.extensions import db

log = logging.getLogger(__name__)

WRITER = "quote_writer"  # the Flask-SQLAlchemy bind key of the quote writer's engine


class QuoteNotSaved(CatalogError):
    """The database refused or could not take a new quote now; asking again may work."""

    code = "unavailable"
    status = 503


class PreparedInsert:
    """An ``INSERT`` into ``table`` of ``columns``, compiled once per dialect."""

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        self.table, self.columns = table, tuple(columns)
        self.by_dialect: dict[str, tuple[str, bool, tuple[tuple[str, Any], ...]]] = {}

    def compiled(self, dialect: Any) -> tuple[str, bool, tuple[tuple[str, Any], ...]]:
        rendered = self.by_dialect.get(dialect.name)
        if rendered is None:
            compiled = self.table.insert().compile(dialect=dialect, column_keys=self.columns)
            names = list(compiled.positiontup or []) if compiled.positional else list(self.columns)
            binds = tuple(
                (name, self.table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
                for name in names
            )
            rendered = self.by_dialect[dialect.name] = (
                compiled.string,
                bool(compiled.positional),
                binds,
            )
        return rendered

    def params(self, dialect: Any, row: Mapping[str, Any]) -> tuple[str, Any]:
        """The statement and the DBAPI parameters (a tuple or a dict) for one row."""
        sql, positional, binds = self.compiled(dialect)
        if positional:
            return sql, tuple(row[n] if proc is None else proc(row[n]) for n, proc in binds)
        return sql, {n: row[n] if proc is None else proc(row[n]) for n, proc in binds}

    def execute(self, row: Mapping[str, Any]) -> None:
        """Insert ``row`` through the session's connection (its transaction; not flushed
        objects' order: call it before anything that must see the row)."""
        connection = db.session.connection()
        sql, params = self.params(connection.dialect, row)
        connection.exec_driver_sql(sql, params)


QUOTE_COLUMNS = (
    "id", "store_id", "customer_id", "session_key", "region_code", "billing_mode", "period",
    "currency", "total", "cost_total", "monthly_estimate", "stale", "created_at", "expires_at",
    "lines",
)  # fmt: skip
INSERT_QUOTE = PreparedInsert(cast(Table, Quote.__table__), QUOTE_COLUMNS)


def insert_quote(row: Mapping[str, Any]) -> None:
    """Write one quote row (every column in :data:`QUOTE_COLUMNS`) in the session's
    transaction; the caller commits. A database error is :class:`QuoteNotSaved` (503)."""
    try:
        INSERT_QUOTE.execute(row)
    except DBAPIError as exc:
        raise _not_saved(row, exc) from exc


def writer_bind(url: str, engine_options: Mapping[str, Any]) -> dict[str, Any] | None:
    """The quote writer's engine (``SQLALCHEMY_BINDS[WRITER]``): the app's database and engine
    options, in autocommit. None for an in-memory SQLite database (a second engine would open a
    second, empty database)."""
    if url.startswith("sqlite") and (url in ("sqlite://", "sqlite:///") or "memory" in url):
        return None
    return {
        **engine_options,
        "url": url,
        "isolation_level": "AUTOCOMMIT",
        "pool_reset_on_return": None,  # autocommit: no transaction to roll back on return
    }


def install_writer(app: Flask) -> None:
    """After ``db.init_app``: the writer's PostgreSQL connections commit without waiting for
    the write-ahead log to reach the disk (set once per connection, when it opens)."""
    with app.app_context():
        engine = db.engines.get(WRITER)
    if engine is not None and engine.dialect.name == "postgresql":  # each app has its own engine
        event.listen(engine, "connect", _no_disk_wait)


def _no_disk_wait(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SET synchronous_commit TO OFF")
    finally:
        cursor.close()
    if not dbapi_connection.autocommit:  # keep the setting past the connection's first reset
        dbapi_connection.commit()


def save_alone(row: Mapping[str, Any]) -> None:
    """Write and commit one quote row for a request that writes nothing else (the edge says
    so: see the module's notes), on the quote writer's connection in one statement.

    Through the session (its ``INSERT`` and :func:`commit_quote`) when this app has no writer
    (in-memory SQLite) or the session holds changes not yet flushed (then they are the
    request's too, and one transaction keeps SQLite from waiting on its own write lock). A
    database error is :class:`QuoteNotSaved` (503); a connection that broke is dropped.
    """
    engine = db.engines.get(WRITER)
    session = open_session()
    pending = session is not None and bool(session.new or session.dirty or session.deleted)
    if engine is None or pending:
        insert_quote(row)
        commit_quote()
        return
    sql, params = INSERT_QUOTE.params(engine.dialect, row)
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql, params)
        finally:
            cursor.close()
    except engine.dialect.loaded_dbapi.Error as exc:
        if engine.dialect.is_disconnect(exc, connection.dbapi_connection, None):
            connection.invalidate(exc)
        raise _not_saved(row, exc) from exc
    finally:
        connection.close()


def _not_saved(row: Mapping[str, Any], exc: Exception) -> QuoteNotSaved:
    log.warning("quote %s not saved: %s", row.get("id"), exc)
    return QuoteNotSaved(_("The quote could not be saved just now. Please ask again."))


def commit_quote() -> None:
    """Commit a transaction that wrote only a new quote (and its server choices).

    On PostgreSQL the COMMIT does not wait for the write-ahead log to reach the disk
    (``SET LOCAL synchronous_commit TO OFF``: this transaction only; the row is visible to
    everyone at once). A quote is a re-creatable price estimate, so a server crash may lose
    the last fraction of a second of them (the client then gets "No such quote" and asks
    again), never a half-written one; nothing that moves money commits this way. On this
    machine it is the difference between ~0.3 ms and ~2.8 ms (one ``fdatasync``) a quote.
    """
    session = db.session
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
    session.commit()
