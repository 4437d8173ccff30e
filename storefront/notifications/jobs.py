"""The notifications area's job: write and send one event's mail (queued by
:func:`storefront.mail.queue_customer_mail`, once per event and key)."""

from __future__ import annotations

from storefront.billing.worker import JobRegistry
from storefront.notifications import delivery


def register(jobs: JobRegistry) -> None:
    jobs.add("customer_mail", delivery.customer_mail_job, max_attempts=5)
