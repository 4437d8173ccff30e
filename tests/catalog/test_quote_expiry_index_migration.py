"""Migration 0020: the index on ``catalog_quotes.expires_at`` goes, and comes back on downgrade.

Cheap: it steps the session's test database (SQLite or PostgreSQL, already at head) down to
0019 and back up, instead of migrating a new database from nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

from storefront.extensions import db

INDEX = "ix_catalog_quotes_expires_at"


def _quote_indexes() -> set[str]:
    return {ix["name"] for ix in inspect(db.engine).get_indexes("catalog_quotes") if ix["name"]}


def test_0020_drops_the_expiry_index_and_its_downgrade_restores_it(app: Any) -> None:
    from flask_migrate import downgrade, upgrade

    directory = app.extensions["migrate"].directory
    with app.app_context():
        db.session.remove()
        assert INDEX not in _quote_indexes()
        try:
            downgrade(directory=directory, revision="0019_quote_lines_inline")
            assert INDEX in _quote_indexes()
        finally:
            upgrade(directory=directory)  # back to head for the rest of the session
        indexes = _quote_indexes()
        assert INDEX not in indexes
        assert "ix_catalog_quotes_store_created" in indexes
