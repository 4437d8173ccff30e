"""Statements both database backends (SQLite and PostgreSQL) spell differently.

``INSERT … ON CONFLICT`` exists in both dialects under the same API, but SQLAlchemy builds it
from the dialect's own ``insert``: these helpers pick it from the session's bind, once, here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite

from storefront.extensions import db


def dialect_insert(table: Any) -> Any:
    """The bound dialect's ``insert(table)`` (it has ``on_conflict_do_*``)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignore(table: Any, **values: Any) -> Any:
    """``INSERT … VALUES (…) ON CONFLICT DO NOTHING`` for ``table``, ready to execute.

    Add ``.returning(…)`` to learn whether the row was inserted (``None`` when it existed).
    """
    return dialect_insert(table).values(**values).on_conflict_do_nothing()


# (dialect, table, columns, returning) -> the statement, built once and reused
_ROW_INSERTS: dict[tuple[str, Any, tuple[str, ...], tuple[str, ...]], Any] = {}


def insert_ignore_row(table: Any, values: Mapping[str, Any], returning: Sequence[str] = ()) -> Any:
    """Run ``INSERT … ON CONFLICT DO NOTHING [RETURNING …]`` of one row in the session's
    transaction and return the result (``.scalar()`` is ``None`` when the row existed).

    Same statement as :func:`insert_ignore`, but built once per dialect, table and set of
    columns, with bind parameters: a hot path (a job, a notification, an idempotency key per
    order) pays neither building a statement nor computing its cache key on every call.
    """
    dialect = db.session.get_bind().dialect.name
    columns = tuple(values)
    key = (dialect, table, columns, tuple(returning))
    stmt = _ROW_INSERTS.get(key)
    if stmt is None:
        stmt = (
            dialect_insert(table)
            .values({c: bindparam(c, type_=table.c[c].type) for c in columns})
            .on_conflict_do_nothing()
        )
        if returning:
            stmt = stmt.returning(*(table.c[c] for c in returning))
        _ROW_INSERTS[key] = stmt
    return db.session.execute(stmt, dict(values))


def upsert(table: Any, rows: list[dict[str, Any]], keys: Sequence[str]) -> Any | None:
    """``INSERT … ON CONFLICT (keys) DO UPDATE`` of every other column, or ``None`` for no rows."""
    if not rows:
        return None
    stmt = dialect_insert(table).values(rows)
    columns = [c for c in rows[0] if c not in keys]
    return stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: stmt.excluded[c] for c in columns}
    )
