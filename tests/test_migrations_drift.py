"""The models and the migrations describe the same schema: a column, index or constraint added
to a model without a migration (or the other way round) fails here, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import warnings
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from storefront.extensions import db

# Text-search indexes built per database in the migrations (trigram GIN on PostgreSQL,
# expression prefixes on SQLite): the models cannot declare both, so they are not compared.
SEARCH_INDEXES = re.compile(r"^ix_customers_\w+_(trgm|prefix)$")


def _compared(name: str | None, kind: str, parent: Any) -> bool:
    return not (kind == "index" and name and SEARCH_INDEXES.match(name))


def _differences(app: Flask) -> list[Any]:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": False,
                "compare_server_default": False,
                "include_name": _compared,
            },
        )
        with warnings.catch_warnings():
            # SQLite cannot reflect expression indexes (the search indexes); PostgreSQL can
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
            return list(compare_metadata(context, db.metadata))


def test_the_migrated_schema_matches_the_models(app: Flask) -> None:
    found = _differences(app)
    assert found == [], "models and migrations differ:\n" + "\n".join(map(repr, found))
