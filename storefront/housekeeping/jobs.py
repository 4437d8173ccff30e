"""Housekeeping jobs: the daily purges of expired quotes, of decided uploads and of finished
periodic jobs.

Quotes (catalog) are written on every price quote and expire after 30 minutes; an order
(billing) or a partner opportunity (partners) may keep a quote's id, as a plain string, not a
foreign key. Deciding which quotes nothing refers to needs all three areas, and only a module
above them may know all three (catalog must not import billing or partners), so the purge
lives here, above the areas, rather than in one of them. The purge of decided uploads
(:func:`storefront.uploads.purge_uploads`) spans accounts and billing the same way.

The purge is global, every store's quotes: its statements opt out of the tenant filter
(:mod:`storefront.stores.tenancy`) with ``all_stores``, without which, run inside a store's
context, the select would see only that store's quotes, orders and opportunities.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, exists, select

from storefront import uploads
from storefront.billing.models import Job, JobStatus, Order
from storefront.billing.worker import JobRegistry, registry
from storefront.catalog.models import Quote
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.partners.models import Opportunity
from storefront.transactions import commit_step

QUOTE_RETENTION_DAYS = 7
JOB_RETENTION_DAYS = 7
PURGE_BATCH = 1000


def purge_expired_quotes(
    *,
    retention: timedelta = timedelta(days=QUOTE_RETENTION_DAYS),
    now: datetime | None = None,
    batch_size: int = PURGE_BATCH,
) -> int:
    """Delete quotes that expired more than ``retention`` ago and that no order and no partner
    opportunity refers to, in every store; returns how many were deleted.

    Works in batches of ``batch_size`` quotes, committing after each (it commits the session:
    call it with nothing pending), so a large backlog never holds the write lock for long. A
    batch reads the next ids in primary-key order, after the last id of the previous batch,
    then deletes them in one statement that checks the conditions again (an opportunity made
    from one of them meanwhile keeps it). The cursor is the last id as the database ordered
    them, so the walk never depends on Python and the database collating ids alike. A quote
    that could still be bought is never touched: checkout refuses expired quotes.

    There is no index on ``expires_at`` (dropped in migration 0020: it cost every quote write
    a b-tree insert for this job alone), so a run walks the whole table once in primary-key
    order, reading every row. That is fine for a daily job; run far more often, the passes
    add up. ``orders.quote_id`` (unique) and ``partners_opportunities.quote_id`` are indexed,
    so each "still referred to" check is an index probe.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    cutoff = (now or utcnow()) - retention
    deleted, after = 0, ""
    while True:
        ids = db.session.scalars(
            select(Quote.id)
            .where(Quote.id > after, _purgeable(cutoff))
            .order_by(Quote.id)
            .limit(batch_size)
            .execution_options(all_stores=True)  # every store's quotes, not the current one's
        ).all()
        if ids:
            result = db.session.execute(
                delete(Quote)
                .where(Quote.id.in_(ids), _purgeable(cutoff))
                .execution_options(synchronize_session=False, all_stores=True)
            )
            deleted += int(getattr(result, "rowcount", 0) or 0)
        commit_step("per item: each batch of purged quotes")
        if len(ids) < batch_size:
            return deleted
        after = ids[-1]


def _purgeable(cutoff: datetime) -> ColumnElement[bool]:
    """The quote expired before ``cutoff`` and no order or partner opportunity names it."""
    return and_(
        Quote.expires_at < cutoff,
        ~exists().where(Order.quote_id == Quote.id),
        ~exists().where(Opportunity.quote_id == Quote.id),
    )


def purge_quotes_job(job: Job) -> None:
    purge_expired_quotes()


def purge_finished_jobs(
    *, retention: timedelta = timedelta(days=JOB_RETENTION_DAYS), now: datetime | None = None
) -> int:
    """Delete the rows of periodic jobs (reconcile, syncs, purges: kinds registered with
    ``every``) that finished more than ``retention`` ago; returns how many. Their keys name a
    past period (``<kind>:<period>``), which never comes again, so nothing can be enqueued twice
    for lack of them. One-off jobs stay: their key is what makes a mail or a step happen once.
    Dead jobs stay too, for staff to read. Flushes; the caller commits."""
    kinds = [t.kind for t in registry().periodic()]
    cutoff = (now or utcnow()) - retention
    result = db.session.execute(
        delete(Job)
        .where(
            Job.kind.in_(kinds),
            Job.status == JobStatus.DONE.value,
            Job.finished_at < cutoff,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def purge_jobs_job(job: Job) -> None:
    purge_finished_jobs()


def register(jobs: JobRegistry) -> None:
    """The purges once a day (UTC days): each is a full pass over its table."""
    jobs.add("purge_quotes", purge_quotes_job, every=timedelta(days=1), max_attempts=2)
    jobs.add("purge_uploads", uploads.purge_uploads_job, every=timedelta(days=1), max_attempts=2)
    jobs.add("purge_jobs", purge_jobs_job, every=timedelta(days=1), max_attempts=2)
