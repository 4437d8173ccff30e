"""Background jobs: a table of work claimed by ``flask storefront worker`` processes.

Each area declares its job kinds in ``storefront/<area>/jobs.py`` with ``register(jobs)``
(:class:`JobRegistry`), found through :func:`storefront.areas.hooks`; this module knows no
handler itself.

Claiming is one ``UPDATE … WHERE id = (SELECT … LIMIT 1 [FOR UPDATE SKIP LOCKED]) RETURNING``:
on PostgreSQL concurrent workers skip rows another worker holds; on SQLite the statement takes
the database write lock, so claims are serialised. A claimed job carries a short lease
(``locked_until``, ``STOREFRONT_JOB_LEASE_S``, 60 s by default) and the name of the worker
holding it (``locked_by``); a heartbeat thread renews the lease while the handler runs. A
worker that dies mid-job stops renewing: once the lease has expired, the next worker to poll
takes the job over and runs it again (one more attempt). ``reconcile`` lists such jobs.
Failed jobs are retried with exponential backoff up to ``max_attempts``, then left ``dead``
for ``reconcile`` (which re-drives stuck orders) and for staff to see.

The runner owns the transaction: a handler flushes; whatever it left pending is committed
with the job's outcome, or rolled back when it failed. A handler that must keep a step before
the job ends (per item, or before a provider call) says so with
:func:`storefront.transactions.commit_step`.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Engine, case, func, literal, or_, select, update

from storefront.areas import hooks
from storefront.billing.models import Job, JobStatus
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.sql import insert_ignore_row

log = logging.getLogger(__name__)
DEFAULT_LEASE_S = 60
BACKOFF_BASE_S = 2.0
BACKOFF_MAX_S = 300.0
PERIODIC_S = 60

Handler = Callable[[Job], None]


class Retry(Exception):
    """The job should run again later (the provider was unavailable).

    Control flow between a handler and the runner (:func:`run_one` answers it with a backoff),
    not an error for a person: it stays outside :class:`storefront.errors.DomainError`, whose
    subclasses the services' ``except DomainError`` turn into a recorded refusal; a Retry must
    pass through them to the runner."""


# --- registration -------------------------------------------------------------------------


@dataclass(frozen=True)
class JobType:
    """A kind of job: its handler and, for periodic work, how often it is enqueued."""

    kind: str
    handler: Handler
    every: timedelta | None = None
    max_attempts: int = 8


class JobRegistry:
    """The job kinds the areas declare (``storefront/<area>/jobs.py``: ``register(jobs)``)."""

    def __init__(self) -> None:
        self._types: dict[str, JobType] = {}

    def add(
        self,
        kind: str,
        handler: Handler,
        *,
        every: timedelta | None = None,
        max_attempts: int = 8,
    ) -> None:
        """Declare ``kind``; with ``every``, the worker enqueues it once per period."""
        if kind in self._types and self._types[kind].handler is not handler:
            raise ValueError(f"job kind {kind!r} is registered twice")
        if len(kind) > 32:
            raise ValueError(f"job kind {kind!r} is longer than 32 characters")
        self._types[kind] = JobType(kind, handler, every, max_attempts)

    def remove(self, kind: str) -> None:
        self._types.pop(kind, None)

    def get(self, kind: str) -> JobType | None:
        return self._types.get(kind)

    def kinds(self) -> set[str]:
        return set(self._types)

    def periodic(self) -> list[JobType]:
        return [t for t in self._types.values() if t.every is not None]


_registry: JobRegistry | None = None
_registry_lock = threading.Lock()


def registry() -> JobRegistry:
    """Every area's job kinds, collected once per process."""
    global _registry
    with _registry_lock:
        if _registry is None:
            found = JobRegistry()
            for module in hooks("jobs"):
                module.register(found)
            _registry = found
        return _registry


# --- the queue ----------------------------------------------------------------------------


def enqueue(
    kind: str,
    key: str,
    *,
    store_id: int | None = None,
    payload: dict[str, Any] | None = None,
    run_at: datetime | None = None,
    max_attempts: int = 8,
) -> None:
    """Add a job unless one with ``key`` exists. Runs in the caller's transaction."""
    insert_ignore_row(
        Job.__table__,
        {
            "kind": kind,
            "key": key,
            "store_id": store_id,
            "payload": json.dumps(payload or {}),
            "status": JobStatus.QUEUED.value,
            "attempts": 0,
            "max_attempts": max_attempts,
            "run_at": run_at or utcnow(),
        },
    )


def requeue(key: str, *, now: datetime | None = None) -> bool:
    """Run a finished (done or dead) job again from scratch. Does not commit."""
    result = db.session.execute(
        update(Job)
        .where(Job.key == key, Job.status.in_([JobStatus.DONE.value, JobStatus.DEAD.value]))
        .values(status=JobStatus.QUEUED.value, attempts=0, run_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def lease() -> timedelta:
    """How long a claim holds without a heartbeat (``STOREFRONT_JOB_LEASE_S``)."""
    settings = current_app.config.get("SETTINGS")
    return timedelta(seconds=getattr(settings, "job_lease_s", DEFAULT_LEASE_S))


def worker_name() -> str:
    """Who holds a lease: host and process id (what an operator looks for)."""
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def claim(now: datetime | None = None, *, key: str | None = None) -> tuple[int, str] | None:
    """Claim one ready job (commits); ``key``: only that one. Returns ``(job id, claim token)``.

    Ready: queued and due, or running under a lease that expired (its worker died); taking
    such a job over counts one more attempt and notes whose lease expired."""
    moment = now or utcnow()
    token = secrets.token_hex(8)
    ready = (
        select(Job.id)
        .where(
            or_(
                (Job.status == JobStatus.QUEUED.value) & (Job.run_at <= moment),
                (Job.status == JobStatus.RUNNING.value) & (Job.locked_until < moment),
            )
        )
        .order_by(Job.run_at, Job.id)
        .limit(1)
    )
    if key is not None:
        ready = ready.where(Job.key == key)
    if db.session.get_bind().dialect.name == "postgresql":
        ready = ready.with_for_update(skip_locked=True)
    taken_over = (
        literal("taken over: the lease of worker ")
        + func.coalesce(Job.locked_by, "?")
        + literal(" expired")
    )
    job_id = db.session.scalar(
        update(Job)
        .where(Job.id == ready.scalar_subquery())
        .values(
            # SET expressions read the row as it was: a running row is one being taken over
            last_error=case(
                (Job.status == JobStatus.RUNNING.value, taken_over), else_=Job.last_error
            ),
            status=JobStatus.RUNNING.value,
            claim_token=token,
            locked_until=moment + lease(),
            locked_by=worker_name(),
            attempts=Job.attempts + 1,
        )
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return (job_id, token) if job_id is not None else None


def renew(job_id: int, token: str, now: datetime | None = None) -> bool:
    """Extend our lease on a job (its own short transaction); False once it is not ours."""
    return _renew(db.engine, job_id, token, (now or utcnow()) + lease())


def _renew(engine: Engine, job_id: int, token: str, until: datetime) -> bool:
    with engine.begin() as conn:
        result = conn.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.claim_token == token,
                Job.status == JobStatus.RUNNING.value,
            )
            .values(locked_until=until)
        )
    return bool(result.rowcount)


@contextmanager
def heartbeat(job_id: int, token: str) -> Iterator[None]:
    """Renew the lease every third of it, from a thread of its own, while the block runs."""
    engine, length = db.engine, lease()
    every = length.total_seconds() / 3
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            try:
                if not _renew(engine, job_id, token, utcnow() + length):
                    log.warning("job %s: the lease was lost to another worker", job_id)
                    return
            except Exception:  # database away for a moment: try again next beat
                log.exception("job %s: renewing the lease failed", job_id)

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 5)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_BASE_S * 2 ** max(attempts - 1, 0), BACKOFF_MAX_S))


def _run_handler(job: Job, token: str) -> tuple[str | None, bool]:
    """Run the job's handler under a heartbeat; ``(error, retry)``."""
    job_type = registry().get(job.kind)
    if job_type is None:
        return f"LookupError: no handler for job kind {job.kind!r}", False
    if job.attempts > job.max_attempts:  # taken over from a dead worker once too often
        return f"{job.last_error or 'failed'} (attempt {job.attempts})", False
    try:
        with heartbeat(job.id, token):
            job_type.handler(job)
    except Retry as exc:
        db.session.rollback()
        return f"retry: {exc}", True
    except Exception as exc:  # the job failed; keep the worker alive
        db.session.rollback()
        log.exception("job %s (%s) failed", job.id, job.kind)
        return f"{type(exc).__name__}: {exc}", True
    return None, False


def run_one(now: datetime | None = None, *, key: str | None = None) -> bool:
    """Claim and run one job (``key``: only that one, e.g. in the request that enqueued it);
    False when nothing is ready."""
    claimed = claim(now, key=key)
    if claimed is None:
        return False
    job_id, token = claimed
    job = db.session.get(Job, job_id, populate_existing=True)
    assert job is not None
    error, retry = _run_handler(job, token)
    moment = utcnow()
    job = db.session.get(Job, job_id, populate_existing=True)
    assert job is not None
    if job.claim_token != token:  # our lease expired and someone else owns it now
        db.session.rollback()
        return True
    if error is None:
        job.status, job.finished_at, job.last_error = JobStatus.DONE.value, moment, None
    elif retry and job.attempts < job.max_attempts:
        job.status, job.last_error = JobStatus.QUEUED.value, error[:2000]
        job.run_at = moment + backoff(job.attempts)
    else:
        job.status, job.finished_at, job.last_error = JobStatus.DEAD.value, moment, error[:2000]
    job.locked_until = None
    db.session.commit()
    return True


def run_pending(limit: int = 10_000, now: datetime | None = None) -> int:
    """Run ready jobs until none is left (tests, ``flask storefront reconcile``)."""
    done = 0
    while done < limit and run_one(now):
        done += 1
    return done


def schedule_periodic(now: datetime | None = None) -> None:
    """Enqueue this period's periodic jobs (once, whichever worker is first): each registered
    kind with ``every`` gets one job per period, keyed ``<kind>:<period number>``."""
    moment = now or utcnow()
    for job_type in registry().periodic():
        assert job_type.every is not None
        period = int(moment.timestamp()) // int(job_type.every.total_seconds())
        enqueue(
            job_type.kind,
            f"{job_type.kind}:{period}",
            run_at=moment,
            max_attempts=job_type.max_attempts,
        )
    db.session.commit()


def expired_leases(now: datetime | None = None) -> list[Job]:
    """Jobs still marked running whose lease expired: their worker stopped (died) mid-job."""
    moment = now or utcnow()
    return list(
        db.session.scalars(
            select(Job)
            .where(Job.status == JobStatus.RUNNING.value, Job.locked_until < moment)
            .order_by(Job.locked_until, Job.id)
        )
    )


def work(
    app: Flask,
    stop: threading.Event | None = None,
    *,
    poll_s: float = 1.0,
    periodic: bool = True,
) -> None:
    """The worker loop: periodic jobs, then ready jobs; sleeps ``poll_s`` when idle."""
    stop = stop or threading.Event()
    last_periodic = 0.0
    while not stop.is_set():
        with app.app_context():
            try:
                if periodic and time.monotonic() - last_periodic >= PERIODIC_S:
                    schedule_periodic()
                    last_periodic = time.monotonic()
                busy = run_one()
            except Exception:  # database away: wait and try again
                log.exception("worker loop error")
                db.session.rollback()
                busy = False
            finally:
                db.session.remove()
        if not busy:
            stop.wait(poll_s)
