"""Background jobs: a table of work claimed by ``flask storefront worker`` processes.

Claiming is one ``UPDATE … WHERE id = (SELECT … LIMIT 1 [FOR UPDATE SKIP LOCKED]) RETURNING``:
on PostgreSQL concurrent workers skip rows another worker holds; on SQLite the statement takes
the database write lock, so claims are serialised. A claimed job carries a lease
(``locked_until``); a worker that dies mid-job loses it and another worker picks the job up.
Failed jobs are retried with exponential backoff up to ``max_attempts``, then left ``dead``
for ``reconcile`` (which re-drives stuck orders) and for staff to see.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from storefront.billing.models import Job, JobStatus
from storefront.extensions import db

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=10)
BACKOFF_BASE_S = 2.0
BACKOFF_MAX_S = 300.0
PERIODIC_S = 60


def utcnow() -> datetime:
    return datetime.now(UTC)


class Retry(Exception):
    """The job should run again later (the provider was unavailable)."""


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
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    db.session.execute(
        module.insert(Job.__table__)
        .values(
            kind=kind,
            key=key,
            store_id=store_id,
            payload=json.dumps(payload or {}),
            status=JobStatus.QUEUED.value,
            attempts=0,
            max_attempts=max_attempts,
            run_at=run_at or utcnow(),
        )
        .on_conflict_do_nothing()
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


def claim(now: datetime | None = None) -> tuple[int, str] | None:
    """Claim one ready job (commits). Returns ``(job id, claim token)``."""
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
    if db.session.get_bind().dialect.name == "postgresql":
        ready = ready.with_for_update(skip_locked=True)
    job_id = db.session.scalar(
        update(Job)
        .where(Job.id == ready.scalar_subquery())
        .values(
            status=JobStatus.RUNNING.value,
            claim_token=token,
            locked_until=moment + LEASE,
            attempts=Job.attempts + 1,
        )
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return (job_id, token) if job_id is not None else None


def _handlers() -> dict[str, Callable[[Job], None]]:
    from storefront import housekeeping, mail, uploads
    from storefront.accounts import mails
    from storefront.billing import provisioning, reconcile, topup, usage
    from storefront.partners import cli as partners_cli

    return {
        "provision": provisioning.provision_job,
        "reconcile": reconcile.reconcile_job,
        "bill_usage": usage.bill_usage_job,
        "partners_reconcile": partners_cli.reconcile_job,
        "purge_quotes": housekeeping.purge_quotes_job,
        mails.JOB_KIND: mails.send_job,
        "purge_uploads": uploads.purge_uploads_job,
        "expire_topups": topup.expire_topups_job,
        "customer_mail": mail.customer_mail_job,
    }


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_BASE_S * 2 ** max(attempts - 1, 0), BACKOFF_MAX_S))


def run_one(now: datetime | None = None) -> bool:
    """Claim and run one job; False when nothing is ready."""
    claimed = claim(now)
    if claimed is None:
        return False
    job_id, token = claimed
    job = db.session.get(Job, job_id, populate_existing=True)
    assert job is not None
    handler = _handlers().get(job.kind)
    error: str | None = None
    retry = False
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        handler(job)
    except Retry as exc:
        db.session.rollback()
        error, retry = f"retry: {exc}", True
    except Exception as exc:  # the job failed; keep the worker alive
        db.session.rollback()
        log.exception("job %s (%s) failed", job_id, job.kind if job else "?")
        error, retry = f"{type(exc).__name__}: {exc}", True
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
    """Enqueue this period's jobs (once, whichever worker is first): reconcile every minute,
    usage billing hourly, the purge of expired quotes daily (UTC days: a full pass over the
    quotes table, see :func:`storefront.housekeeping.purge_expired_quotes`) and the purge of
    decided uploads daily (:func:`storefront.uploads.purge_uploads`)."""
    moment = now or utcnow()
    bucket = int(moment.timestamp()) // PERIODIC_S
    enqueue("reconcile", f"reconcile:{bucket}", run_at=moment, max_attempts=1)
    enqueue("partners_reconcile", f"partners_reconcile:{bucket}", run_at=moment, max_attempts=1)
    enqueue("bill_usage", f"bill_usage:{bucket // 60}", run_at=moment, max_attempts=3)
    enqueue("expire_topups", f"expire_topups:{bucket // 5}", run_at=moment, max_attempts=1)
    day = int(moment.timestamp()) // 86_400
    enqueue("purge_quotes", f"purge_quotes:{day}", run_at=moment, max_attempts=2)
    enqueue("purge_uploads", f"purge_uploads:{day}", run_at=moment, max_attempts=2)
    db.session.commit()


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
