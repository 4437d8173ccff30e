"""The ticket desk's background jobs (found by :func:`storefront.billing.worker.registry`);
see :mod:`storefront.tickets.escalation`. The periodic sync reads every store's escalated
tickets, so it lives here (a job: the store filter may be lifted)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from storefront.billing.worker import JobRegistry
from storefront.clock import utcnow
from storefront.cloud.interface import UpstreamRejected, UpstreamThrottled, UpstreamUnavailable
from storefront.extensions import db
from storefront.stores.tenancy import across_stores
from storefront.tickets import escalation
from storefront.tickets.models import Status, Ticket
from storefront.transactions import commit_step

log = logging.getLogger(__name__)
SYNC_BATCH = 20


def due_for_sync(limit: int = SYNC_BATCH) -> list[Ticket]:
    stmt = (
        select(Ticket)
        .where(Ticket.provider_case_id.is_not(None), Ticket.status != Status.CLOSED)
        .where((Ticket.provider_status.is_(None)) | (Ticket.provider_status.not_in([3, 4, 12])))
        .order_by(Ticket.provider_synced_at.is_not(None), Ticket.provider_synced_at, Ticket.id)
        .limit(limit)
    )
    return list(db.session.scalars(across_stores(stmt)))


def sync_job(job: Any) -> None:
    """The periodic sync (see the module's doc): commits per ticket."""
    for ticket in due_for_sync():
        try:
            escalation.sync_ticket(ticket)
        except UpstreamThrottled:
            db.session.rollback()
            log.info("ticket sync: throttled, the rest waits for the next run")
            return
        except (UpstreamUnavailable, UpstreamRejected) as exc:
            db.session.rollback()
            row = db.session.get(Ticket, ticket.id)
            if row is not None:
                row.provider_error, row.provider_synced_at = str(exc)[:255], utcnow()
        commit_step("per item: each ticket's sync")


def register(jobs: JobRegistry) -> None:
    jobs.add("ticket_escalate", escalation.escalate_job, max_attempts=6)
    jobs.add("ticket_to_provider", escalation.to_provider_job, max_attempts=6)
    jobs.add("ticket_sync", sync_job, every=timedelta(minutes=2), max_attempts=1)
