"""Who commits: the edge, and named steps.

Services flush; the edge commits: the view, the API handler, the CLI command and the job
runner (:func:`storefront.billing.worker.run_one` commits what a handler left pending with
the job's outcome, or rolls it back when the handler failed).

A job, or the service a job or a request drives, commits in the middle of its work only with
:func:`commit_step`, saying why. There are two reasons:

- **durable before the provider is asked**: a provider call that takes no idempotency key (or
  a crash right after it) must find the record of the attempt, so the record is committed
  before the call, and the provider's answer right after it;
- **per item**: a batch keeps each item's outcome, so one failed item does not undo the
  others, and a batch that stops half-way keeps what it learned;
- **kept although an error follows**: a record the request or job must keep when it then
  fails (the refused console jump's audit, the lock-out mail, a webhook attempt before its
  ``Retry``), since the error rolls back whatever is pending.

``tests/test_transactions.py`` lists every other ``commit()`` outside the edge modules.
"""

from __future__ import annotations

import logging
from typing import Any

from storefront.extensions import db

log = logging.getLogger(__name__)


def commit_step(why: str, session: Any = None) -> None:
    """Commit ``session`` (the request's or job's by default) now, one step of a longer unit
    of work; ``why`` says which reason (above) applies, for the reader and the debug log."""
    log.debug("commit step: %s", why)
    (session if session is not None else db.session).commit()
