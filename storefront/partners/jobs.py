"""The partners area's background jobs: settle allocations to resellers left pending."""

from __future__ import annotations

from datetime import timedelta

from storefront.billing.models import Job
from storefront.billing.worker import JobRegistry
from storefront.partners.services import reconcile_allocations


def reconcile_job(job: Job) -> None:
    """Every minute: confirm or fail pending allocation requests, asking the provider."""
    reconcile_allocations()


def register(jobs: JobRegistry) -> None:
    jobs.add("partners_reconcile", reconcile_job, every=timedelta(minutes=1), max_attempts=1)
