"""Idempotent money-moving requests, keyed by (store, scope, key).

:func:`run_once` claims the key by inserting its record *first*, in the same database
transaction as the effect, and commits the effect together with the recorded result. A
concurrent request with the same key blocks on the unique index (PostgreSQL) or the write lock
(SQLite) until the first commits, then fails to insert, rolls back and replays the recorded
result: exactly one effect. If the first request fails, nothing is recorded and a retry runs anew
(errors are not cached: a failed request moved no money).

The caller's session must hold no unrelated pending work: ``run_once`` commits, and rolls back
on a lost race.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

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
    existing = _find(store_id, scope, key)
    if existing is not None:
        return _replay(existing, digest)

    record = IdempotencyRecord(store_id=store_id, scope=scope, key=key, request_hash=digest)
    try:
        db.session.add(record)
        db.session.flush()  # claims the key; waits for a concurrent first request to finish
    except IntegrityError:
        db.session.rollback()
        existing = _find(store_id, scope, key)
        if existing is None:  # pragma: no cover - the winner's row is committed by now
            raise
        return _replay(existing, digest)
    try:
        result = action()
        record.response = json.dumps(result, sort_keys=True)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return result
