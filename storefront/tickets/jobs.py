"""The ticket desk's background jobs (found by :func:`storefront.billing.worker.registry`);
see :mod:`storefront.tickets.escalation`."""

from __future__ import annotations

from datetime import timedelta

from storefront.billing.worker import JobRegistry
from storefront.tickets import escalation


def register(jobs: JobRegistry) -> None:
    jobs.add("ticket_escalate", escalation.escalate_job, max_attempts=6)
    jobs.add("ticket_to_provider", escalation.to_provider_job, max_attempts=6)
    jobs.add("ticket_sync", escalation.sync_job, every=timedelta(minutes=2), max_attempts=1)
