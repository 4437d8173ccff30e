"""The product's one clock: every aware UTC timestamp it takes comes from :func:`utcnow`.

Code that stores or compares a time calls ``clock.utcnow()`` (never ``datetime.now`` or
``datetime.utcnow``), so tests and development tools have one place to move time.

In development and testing the clock may follow an offset file
(``STOREFRONT_CLOCK_OFFSET_FILE``, set up by :func:`follow_offset_file` when the app is
built): a JSON object ``{"offset_s": N}`` that a development tool writes, e.g. the cloud
sandbox's ``POST /_sandbox/clock``. The file is read at most once a second; a missing or
unreadable file means no offset. Production refuses the setting, so its clock is the real one.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

OFFSET_CACHE_S = 1.0


class _Offset:
    """The offset file being followed (if any) and its last reading."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.seconds = 0.0
        self.read_at = float("-inf")
        self.lock = threading.Lock()

    def current(self) -> float:
        path = self.path
        if path is None:
            return 0.0
        now = time.monotonic()
        if now - self.read_at < OFFSET_CACHE_S:
            return self.seconds
        with self.lock:
            self.seconds = read_offset(path)
            self.read_at = now
        return self.seconds


_offset = _Offset()


def read_offset(path: Path) -> float:
    """The ``offset_s`` held in ``path``; 0 when the file is missing or not an offset."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return float(data.get("offset_s", 0)) if isinstance(data, dict) else 0.0
    except (OSError, ValueError, TypeError):
        return 0.0


def write_offset(path: Path, seconds: float) -> None:
    """Write ``{"offset_s": seconds}`` to ``path`` atomically (what a development tool does)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps({"offset_s": seconds}), encoding="utf-8")
    tmp.replace(path)


def follow_offset_file(path: Path | None) -> None:
    """Follow ``path`` from now on (None: the real clock). Called when the app is built."""
    with _offset.lock:
        _offset.path = path
        _offset.seconds = 0.0
        _offset.read_at = float("-inf")


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    now = datetime.now(UTC)
    seconds = _offset.current()
    return now + timedelta(seconds=seconds) if seconds else now
