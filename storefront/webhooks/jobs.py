"""The webhooks area's background jobs (found by :func:`storefront.billing.worker.registry`).

- ``webhook_fanout``: one event → a delivery per subscribed endpoint (keyed by the event);
- ``webhook_deliver``: post one delivery, retried with the queue's back-off;
- ``webhook_disabled_mail``: tell the store's owners an endpoint was disabled.
"""

from __future__ import annotations

from storefront.billing.worker import JobRegistry
from storefront.webhooks import delivery, mails


def register(jobs: JobRegistry) -> None:
    jobs.add("webhook_fanout", delivery.fanout_job, max_attempts=5)
    jobs.add("webhook_deliver", delivery.deliver_job)
    jobs.add("webhook_disabled_mail", mails.disabled_mail_job, max_attempts=5)
