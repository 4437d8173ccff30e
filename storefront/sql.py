"""Statements both database backends (SQLite and PostgreSQL) spell differently.

``INSERT … ON CONFLICT`` exists in both dialects under the same API, but SQLAlchemy builds it
from the dialect's own ``insert``: these helpers pick it from the session's bind, once, here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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


def upsert(table: Any, rows: list[dict[str, Any]], keys: Sequence[str]) -> Any | None:
    """``INSERT … ON CONFLICT (keys) DO UPDATE`` of every other column, or ``None`` for no rows."""
    if not rows:
        return None
    stmt = dialect_insert(table).values(rows)
    columns = [c for c in rows[0] if c not in keys]
    return stmt.on_conflict_do_update(
        index_elements=list(keys), set_={c: stmt.excluded[c] for c in columns}
    )
