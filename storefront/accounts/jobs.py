"""The accounts area's background jobs: account mails (verification, reset, …), after commit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storefront.accounts import mails

if TYPE_CHECKING:
    from storefront.billing.worker import JobRegistry


def register(jobs: JobRegistry) -> None:
    jobs.add(mails.JOB_KIND, mails.send_job, max_attempts=5)
