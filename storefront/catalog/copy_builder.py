"""One process builds the catalogue copy, the workers read it from a file (issue #23).

Rebuilding the copy (about 1 s for the price book and 4 s for the term prices at the
provider's real size) in a thread of a worker held the interpreter lock against the requests
that worker served. Here the worker that finds its copy due does not build it:

- it looks at the file (:mod:`storefront.catalog.copy_file`, under the instance folder, one
  per database): checked against the database within the time to live, it swaps that copy in
  (a new version: one ``mmap`` and a small unpickling; the same version: nothing);
- otherwise it starts the *builder*
  (``python -m storefront.catalog.copy_builder_process``), unless one runs (an exclusive
  ``flock`` on ``<file>.lock``, held by the builder for its life), and waits in its background
  thread until the file has been checked after its refresh began. The
  builder, at a lower CPU priority, checks the database every half time to live (the same
  incremental refresh as before: each table's signature, then only the changed slabs; after
  a check that took longer, it waits as long as the check took), writes a new version when
  something changed or just marks the file checked (its mtime), and exits once no worker has
  asked for a while (``<file>.wanted``), or when the process that started it is gone;
- a builder that fails or dies leaves the file as it was: the workers keep their copy, log,
  and start another builder at their next refresh.

A process that builds or rebuilds the copy itself (its first use without a usable file, or
after it committed writes to the catalogue's tables) writes the file for the others; writes
take turns (``<file>.writing``), and a builder whose check began before such a write drops its
result (the committed copy wins; the next check starts from it).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storefront.catalog import copy_file

log = logging.getLogger(__name__)
WAIT_SECONDS = 120.0  # longest a worker waits for the builder before it gives up (and logs)
LINGER_SECONDS = 60.0  # a builder exits when no worker asked for this long (or 4 TTLs)
MIN_INTERVAL = 0.25  # the builder's shortest pause between two checks
_STARTED: list[subprocess.Popen[bytes]] = []  # builders this process started


def interval(seconds: float) -> float:
    return max(seconds / 2, MIN_INTERVAL)


@dataclass(frozen=True)
class SharedCopy:
    """The copy's file for one database, as a worker uses it."""

    path: Path
    url: str  # the database's URL (with its password: handed to the builder on stdin)
    seconds: float  # the copy's time to live

    @classmethod
    def at(cls, instance_path: str, url: str, seconds: float) -> SharedCopy:
        name = hashlib.sha256(url.encode()).hexdigest()[:16]
        return cls(Path(instance_path) / "catalog-copy" / f"{name}.copy", url, seconds)

    @property
    def lock_path(self) -> Path:
        return self.path.with_suffix(".lock")

    @property
    def wanted_path(self) -> Path:
        return self.path.with_suffix(".wanted")

    def any(self) -> Any | None:
        """The copy in the file whatever its age (a first use checks it itself), or None."""
        try:
            return copy_file.read(self.path)[1]
        except copy_file.Unreadable as exc:
            if self.path.exists():
                log.warning("catalogue copy %s not used: %s", self.path, exc)
            return None

    def fresh(self, held: Any | None, since: float) -> Any | None:
        """The file's copy if it was checked against the database at or after ``since``
        (``held`` itself when it is the same version), else None."""
        self._want()
        try:
            version, checked = copy_file.header(self.path)
        except copy_file.Unreadable:
            return None
        if checked < since:
            return None
        if held is not None and version == held.version:
            return held
        try:
            return copy_file.read(self.path)[1]
        except copy_file.Unreadable as exc:
            log.warning("catalogue copy %s not used: %s", self.path, exc)
            return None

    def _want(self) -> None:
        try:
            self.wanted_path.parent.mkdir(parents=True, exist_ok=True)
            self.wanted_path.touch()
        except OSError:
            log.exception("cannot mark %s", self.wanted_path)

    def build(self, since: float) -> None:
        """Have a builder check the database (start one unless one runs) and wait until the
        file was checked at or after ``since``; raises when the builder fails or is late."""
        self._want()
        started = self._start_unless_running()
        deadline = time.monotonic() + WAIT_SECONDS
        probe = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            try:
                if copy_file.header(self.path)[1] >= since:
                    return
            except copy_file.Unreadable:
                pass
            if started is not None and started.poll() is not None:
                raise RuntimeError(f"the catalogue copy's builder exited ({started.returncode})")
            if started is None and time.monotonic() > probe:  # the one that ran is gone?
                started, probe = self._start_unless_running(), time.monotonic() + 1.0
            time.sleep(0.05)
        raise TimeoutError(f"no catalogue copy checked within {WAIT_SECONDS:.0f} s")

    def _start_unless_running(self) -> subprocess.Popen[bytes] | None:
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return None  # a builder runs
            # the builder inherits the locked file (and so the lock, until it exits)
            proc = subprocess.Popen(  # noqa: S603 (this interpreter, this module)
                [sys.executable, "-m", "storefront.catalog.copy_builder_process", str(fd)],
                stdin=subprocess.PIPE, pass_fds=(fd,),
            )  # fmt: skip
        finally:
            os.close(fd)
        assert proc.stdin is not None
        config = {"url": self.url, "path": str(self.path), "seconds": self.seconds}
        proc.stdin.write(json.dumps(config).encode())
        proc.stdin.close()
        _STARTED.append(proc)
        threading.Thread(target=_reap, args=(proc,), daemon=True, name="copy builder").start()
        return proc

    def publish(self, value: Any, checked_at: float) -> None:
        """Write ``value`` (built or rebuilt in this process) for the others."""
        try:
            with writing(self.path):
                copy_file.write(self.path, value, value.version, checked_at)
        except Exception:  # the others build it themselves; this process keeps its copy
            log.exception("writing the catalogue copy %s failed", self.path)

    def forget(self) -> None:
        """Remove the file (after writes made behind the ORM's back)."""
        self.path.unlink(missing_ok=True)


def _reap(proc: subprocess.Popen[bytes]) -> None:
    code = proc.wait()
    if proc in _STARTED:
        _STARTED.remove(proc)
    if code not in (0, -15):
        log.error("the catalogue copy's builder exited with %s", code)


def builders() -> list[int]:
    """The process ids of the builders this process started and that still run."""
    return [proc.pid for proc in _STARTED if proc.poll() is None]


def stop_builders(timeout: float = 10.0) -> None:
    """Stop the builders this process started (tests; the process's exit)."""
    for proc in list(_STARTED):
        proc.terminate()
    for proc in list(_STARTED):
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


atexit.register(stop_builders)


# --------------------------------------------------------------------------- the builder


@contextlib.contextmanager
def writing(path: Path) -> Iterator[None]:
    """Held while the file is written (a builder's write and a process's publish in turn)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_suffix(".writing"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def file_version(path: Path) -> int | None:
    try:
        return copy_file.header(path)[0]
    except copy_file.Unreadable:
        return None
