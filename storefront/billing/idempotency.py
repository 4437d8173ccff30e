"""Idempotent money-moving requests, keyed by (store, scope, key).

:func:`run_once` claims the key by inserting its record *first* (``INSERT … ON CONFLICT DO
NOTHING``), in the same database transaction as the effect, and commits the effect together
with the recorded result. A concurrent request with the same key blocks on the unique index
(PostgreSQL) or the write lock (SQLite) until the first commits, then inserts nothing and
replays the recorded result: exactly one effect. If the first request fails, nothing is
recorded and a retry runs anew (errors are not cached: a failed request moved no money).

The caller's session must hold no unrelated pending work: ``run_once`` commits, and rolls back
on a lost race.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from storefront.billing.errors import IdempotencyConflict, IdempotencyInProgress
from storefront.billing.models import IdempotencyRecord
from storefront.extensions import db

MAX_KEY_LENGTH = 255


def request_hash(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _find(store_id: int, scope: str, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        select(IdempotencyRecord)
        .where(
            IdempotencyRecord.store_id == store_id,
            IdempotencyRecord.scope == scope,
            IdempotencyRecord.key == key,
        )
        .execution_options(all_stores=True, populate_existing=True)
    )


def _replay(record: IdempotencyRecord, digest: str) -> dict[str, Any]:
    if record.request_hash != digest:
        raise IdempotencyConflict("This Idempotency-Key was used with a different request.")
    if record.response is None:
        raise IdempotencyInProgress("The first request with this Idempotency-Key is unfinished.")
    result: dict[str, Any] = json.loads(record.response)
    return result


def run_once(
    store_id: int,
    scope: str,
    key: str | None,
    payload: Any,
    action: Callable[[], dict[str, Any]],
) -> dict[str, Any]:
    """Run ``action`` (which must not commit) once per key and commit; replay the first result.

    ``payload`` is what identifies the request (its body plus the target); ``action`` returns
    a JSON-serialisable result. Without a key the action simply runs and commits.
    """
    if key is None:
        try:
            result = action()
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        return result
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"an idempotency key is 1..{MAX_KEY_LENGTH} characters")
    digest = request_hash(payload)
    # Claim the key: INSERT … ON CONFLICT DO NOTHING RETURNING id. One round trip on the happy
    # path; a concurrent first request holding the key makes this wait until it commits (or
    # rolls back, and then this claim wins).
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    table = IdempotencyRecord.__table__
    claimed = db.session.execute(
        module.insert(table)
        .values(store_id=store_id, scope=scope, key=key, request_hash=digest)
        .on_conflict_do_nothing()
        .returning(table.c.id)
    ).scalar()
    if claimed is None:
        db.session.rollback()
        existing = _find(store_id, scope, key)
        if existing is None:  # pragma: no cover - the winner's row is committed by now
            raise IdempotencyInProgress(
                "The first request with this Idempotency-Key is unfinished."
            )
        return _replay(existing, digest)
    try:
        result = action()
        db.session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.id == claimed)
            .values(response=json.dumps(result, sort_keys=True))
            .execution_options(synchronize_session=False, all_stores=True)
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return result
