"""The billing area's background jobs (found by :func:`storefront.billing.worker.registry`).

- ``provision``: buy a paid order's resources at the provider (enqueued when the order is
  placed, keyed ``provision:<order id>``);
- ``reconcile``: every minute, finish or refund stuck orders and sync resources;
- ``bill_usage``: hourly, charge on-demand usage to wallets;
- ``expire_topups``: every five minutes, give up online top-ups never paid;
- ``customer_mail``: one mail to a customer about an order or a top-up, after commit.
"""

from __future__ import annotations

import json
from datetime import timedelta

from storefront.billing import provisioning, reconcile, topup, usage
from storefront.billing.models import Job
from storefront.billing.worker import JobRegistry


def provision_job(job: Job) -> None:
    key = job.key.split(":", 1)
    order_id = int(key[1]) if len(key) == 2 else int(json.loads(job.payload)["id"])
    assert job.store_id is not None, "a provisioning job names its order's store"
    provisioning.provision(order_id, job.store_id)


def reconcile_job(job: Job) -> None:
    reconcile.reconcile()


def bill_usage_job(job: Job) -> None:
    usage.bill_usage()


def register(jobs: JobRegistry) -> None:
    jobs.add("provision", provision_job)
    jobs.add("reconcile", reconcile_job, every=timedelta(minutes=1), max_attempts=1)
    jobs.add("bill_usage", bill_usage_job, every=timedelta(hours=1), max_attempts=3)
    jobs.add("expire_topups", topup.expire_topups_job, every=timedelta(minutes=5), max_attempts=1)
