"""Run a sync's units of work so that it completes while the provider fails some calls.

This is the syncs' job runner and owns their transactions: every unit is fetched and committed
on its own (see :mod:`storefront.catalog.sync`), after the setup the units rely on. A unit
whose calls still fail after the client's own retries (:class:`UpstreamUnavailable`: 5xx,
timeouts, 429 throttling) is rolled back and set aside; the others go on. The units set aside
are tried again in later passes, with a growing pause, until all are done, ``passes`` passes
were made, or two passes in a row fetched nothing (the provider is down). What was fetched is
kept; each unit replaces its own rows or nothing, so a complete price book is never replaced
by a partial one. A run that leaves units undone raises :class:`SyncIncomplete` at the end,
and the next run fetches only what is missing or stale.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from storefront.cloud.interface import CloudError, UpstreamUnavailable
from storefront.transactions import commit_step

log = logging.getLogger(__name__)
U = TypeVar("U")

PASSES = 8  # first pass + up to 7 passes over the units that failed
PAUSE_S = 0.5  # before the second pass; doubled before each next one, at most MAX_PAUSE_S
MAX_PAUSE_S = 8.0


class SyncIncomplete(CloudError):
    """Some units could not be fetched in this run; the rest were kept."""

    def __init__(self, label: str, fetched: int, failed: int, last: BaseException) -> None:
        super().__init__(f"{label}: {failed} unit(s) still failing after retries ({last})")
        self.fetched = fetched
        self.failed = failed


def run_units(
    units: Iterable[U],
    fetch: Callable[[U], bool],
    *,
    session: Any,
    label: str,
    passes: int = PASSES,
    pause_s: float = PAUSE_S,
    setup: Callable[[], None] | None = None,
) -> int:
    """``setup()`` then ``fetch(unit)`` each unit (True: fetched, False: fresh, skipped),
    committing each; returns the number fetched. Raises :class:`SyncIncomplete` when some units
    never succeeded."""
    if setup is not None:
        setup()
        commit_step("per item: the base rows before the units", session)
    pending: Iterable[U] = units
    fetched, idle, pause = 0, 0, pause_s
    for attempt in range(max(1, passes)):
        failed: list[U] = []
        last: BaseException | None = None
        progress = 0
        for unit in pending:
            try:
                if fetch(unit):
                    progress += 1
                commit_step("per item: each unit's rows", session)
            except UpstreamUnavailable as exc:
                session.rollback()
                failed.append(unit)
                last = exc
        fetched += progress
        if not failed:
            return fetched
        assert last is not None
        idle = idle + 1 if progress == 0 and attempt > 0 else 0
        if idle >= 2 or attempt == passes - 1:
            raise SyncIncomplete(label, fetched, len(failed), last)
        log.warning(
            "%s: %d unit(s) failed (%s); pass %d of %d in %.1fs",
            label,
            len(failed),
            last,
            attempt + 2,
            passes,
            pause,
        )
        time.sleep(pause)
        pause = min(pause * 2, MAX_PAUSE_S)
        pending = failed
    raise AssertionError("unreachable")  # pragma: no cover
