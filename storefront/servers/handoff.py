"""A server's login password on its way from the order request to the create call, held in
this process's memory only (never a table, job payload, log line or audit entry) for at most
:data:`HOLD_FOR_S`, and forgotten once the create call is accepted."""

from __future__ import annotations

import threading
import time

HOLD_FOR_S = 15 * 60

_held: dict[tuple[int, str], tuple[float, str]] = {}
_lock = threading.Lock()


def _expire(now: float) -> None:
    for key in [k for k, (until, _pw) in _held.items() if until < now]:
        del _held[key]


def hold(store_id: int, quote_id: str, password: str) -> None:
    now = time.monotonic()
    with _lock:
        _expire(now)
        _held[(store_id, quote_id)] = (now + HOLD_FOR_S, password)


def peek(store_id: int, quote_id: str) -> str | None:
    now = time.monotonic()
    with _lock:
        _expire(now)
        found = _held.get((store_id, quote_id))
    return found[1] if found else None


def forget(store_id: int, quote_id: str) -> None:
    with _lock:
        _held.pop((store_id, quote_id), None)
