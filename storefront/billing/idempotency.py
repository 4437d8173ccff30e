"""Idempotent money-moving requests, keyed by (store, scope, key).

:func:`run_once` claims the key by inserting its record *first* (``INSERT … ON CONFLICT DO
NOTHING``), in the same database transaction as the effect, and commits the effect together
with the recorded result. A concurrent request with the same key blocks on the unique index
(PostgreSQL) or the write lock (SQLite) until the first commits, then inserts nothing and
replays the recorded result: exactly one effect. If the first request fails, nothing is
recorded and a retry runs anew (errors are not cached: a failed request moved no money).

``run_once`` is the edge of an idempotent write, so it owns the transaction (the one place in
billing's services that commits): the claimed key, the effect and the recorded result must
commit together, before the answer is given, or a replay could find the key without its result.
Services inside ``action`` only flush; callers (an API handler, a view, ``place_order``) hand
it a session with no unrelated pending work: it commits, and rolls back on failure or on a lost
race.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import Table, bindparam, select, update

from storefront.billing.errors import IdempotencyConflict, IdempotencyInProgress
from storefront.billing.models import IdempotencyRecord
from storefront.extensions import db
from storefront.sql import insert_ignore_row
from storefront.stores.tenancy import in_store

MAX_KEY_LENGTH = 255


def request_hash(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _find(store_id: int, scope: str, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        in_store(
            select(IdempotencyRecord)
            .where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
            .execution_options(populate_existing=True),
            store_id,
        )
    )


def _replay(record: IdempotencyRecord, digest: str) -> dict[str, Any]:
    if record.request_hash != digest:
        raise IdempotencyConflict(_("This Idempotency-Key was used with a different request."))
    if record.response is None:
        raise IdempotencyInProgress(_("The first request with this Idempotency-Key is unfinished."))
    result: dict[str, Any] = json.loads(record.response)
    return result


_RECORDS = cast(Table, IdempotencyRecord.__table__)
_records = _RECORDS.c
_RECORD_RESULT = (  # built once: every keyed request ends with it
    update(_RECORDS)
    .where(_records.id == bindparam("record_id"))
    .values(response=bindparam("result"))
)


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
    claimed = insert_ignore_row(
        IdempotencyRecord.__table__,
        {"store_id": store_id, "scope": scope, "key": key, "request_hash": digest},
        returning=("id",),
    ).scalar()
    if claimed is None:
        db.session.rollback()
        existing = _find(store_id, scope, key)
        if existing is None:  # pragma: no cover - the winner's row is committed by now
            raise IdempotencyInProgress(
                _("The first request with this Idempotency-Key is unfinished.")
            )
        return _replay(existing, digest)
    try:
        result = action()
        db.session.execute(
            _RECORD_RESULT, {"record_id": claimed, "result": json.dumps(result, sort_keys=True)}
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return result
