"""The renewals area's background jobs:

- ``renewals_scan``: hourly, reminders before expiry and auto-renew from the wallet
  (:mod:`storefront.renewals.scan`);
- ``unsubscribe``: one confirmed unsubscription at the provider, the wallet's refund and the
  reclaim (:func:`storefront.renewals.unsubscribe.process`).

A renewal order itself is billing's ``provision`` job.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select

from storefront.billing.models import Job
from storefront.billing.worker import JobRegistry
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.renewals import scan, unsubscribe
from storefront.stores.models import Store
from storefront.stores.tenancy import across_stores, store_context


def scan_all(now: datetime | None = None) -> scan.ScanReport:
    """Every store's reminders and auto-renewals (store by store, in its context)."""
    moment = now or utcnow()
    report = scan.ScanReport()
    stores = db.session.scalars(across_stores(select(Store).order_by(Store.id))).all()
    for store in stores:
        with store_context(store):
            scan.scan_store(store, moment, report)
    return report


def scan_job(job: Job) -> None:
    scan_all()


def unsubscribe_job(job: Job) -> None:
    assert job.store_id is not None, "an unsubscribe job names its store"
    unsubscribe.process(int(json.loads(job.payload)["id"]), job.store_id)


def register(jobs: JobRegistry) -> None:
    jobs.add("renewals_scan", scan_job, every=timedelta(hours=1), max_attempts=1)
    jobs.add("unsubscribe", unsubscribe_job)
