"""The renewals area's background jobs:

- ``renewals_scan``: hourly, reminders before expiry and auto-renew from the wallet
  (:mod:`storefront.renewals.scan`);
- ``unsubscribe``: one confirmed unsubscription at the provider, the wallet's refund and the
  reclaim (:func:`storefront.renewals.unsubscribe.process`).

A renewal order itself is billing's ``provision`` job.
"""

from __future__ import annotations

import json
from datetime import timedelta

from storefront.billing.models import Job
from storefront.billing.worker import JobRegistry
from storefront.renewals import scan, unsubscribe


def scan_job(job: Job) -> None:
    scan.scan()


def unsubscribe_job(job: Job) -> None:
    assert job.store_id is not None, "an unsubscribe job names its store"
    unsubscribe.process(int(json.loads(job.payload)["id"]), job.store_id)


def register(jobs: JobRegistry) -> None:
    jobs.add("renewals_scan", scan_job, every=timedelta(hours=1), max_attempts=1)
    jobs.add("unsubscribe", unsubscribe_job)
