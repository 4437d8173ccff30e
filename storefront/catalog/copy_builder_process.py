"""The builder process of the shared catalogue copy (:mod:`storefront.catalog.copy_builder`
says when a worker starts it and how the file is shared): ``python -m
storefront.catalog.copy_builder_process [lock fd]`` reads its settings (database URL, file,
time to live) as JSON on stdin and checks the database every half time to live while workers
ask for the copy."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from storefront.catalog import copy_builder, copy_file, snapshot

log = logging.getLogger(__name__)


def _check(engine: Any, path: Path, current: Any | None) -> Any | None:
    """One check: the copy brought up to date with the database and in the file; the
    copy as read back from the file (its columns views of the file, not of this process), or
    None when a process published its own copy meanwhile (read at the next check)."""
    checked_at = time.time()
    found = copy_builder.file_version(path)
    if found is None:
        current = None  # removed (or never written): built from scratch
    elif current is None or found != current.version:
        try:
            current = copy_file.read(path)[1]
        except copy_file.Unreadable as exc:
            log.warning("catalogue copy %s rebuilt: %s", path, exc)
            current = None
    with engine.connect() as conn:
        if current is None:
            fresh = snapshot.build_copy(conn)
        else:
            fresh = snapshot.refresh_copy(conn, current, frozenset())
    with copy_builder.writing(path):
        if (
            copy_builder.file_version(path) != found
        ):  # a commit elsewhere published its copy: that one wins
            return None
        if fresh is current:
            copy_file.touch(path, checked_at)
            return current
        copy_file.write(path, fresh, fresh.version, checked_at)
    return copy_file.read(path)[1]


def _idle(wanted: Path, linger: float) -> bool:
    try:
        return time.time() - wanted.stat().st_mtime > linger
    except OSError:
        return True


def run(config: dict[str, Any], parent: int) -> int:
    """Check the database every half time to live while workers ask and ``parent`` lives."""
    path, seconds = Path(config["path"]), float(config["seconds"])
    wanted = path.with_suffix(".wanted")
    linger = max(copy_builder.LINGER_SECONDS, 4 * seconds)
    engine = create_engine(config["url"], poolclass=NullPool)
    current: Any | None = None
    try:
        while os.getppid() == parent and not _idle(wanted, linger):
            started = time.monotonic()
            try:
                current = _check(engine, path, current)
            except Exception:  # the file stays as it was; the next refresh starts a builder
                log.exception("checking the catalogue copy %s failed", path)
                return 1
            took = time.monotonic() - started  # at most half the time checking (and the
            time.sleep(max(copy_builder.interval(seconds) - took, took))  # database with it)
    finally:
        engine.dispose()
    return 0


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s copy builder %(message)s")
    config = json.loads(sys.stdin.read())
    parent = os.getppid()
    if argv:  # the lock, taken by the worker that started this process
        fd = int(argv[0])
    else:  # started by hand: take it, or leave it to the builder that has it
        lock = Path(config["path"]).with_suffix(".lock")
        lock.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return 0
    with contextlib.suppress(OSError):
        os.nice(5)  # the requests the workers serve come first
    try:
        return run(config, parent)
    finally:
        os.close(fd)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
