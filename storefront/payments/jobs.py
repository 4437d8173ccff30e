"""The payments area's background jobs.

- ``close_unpaid_trades``: every five minutes, close at the gateway each online trade whose
  top-up timed out or was given up, after a last query (a trade paid meanwhile is credited);
- ``reconcile_bills``: daily, match each gateway's bill of the day before with the top-ups.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from storefront.billing import ledger, topup
from storefront.billing.models import Topup, TopupStatus
from storefront.billing.worker import JobRegistry
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.payments import adapters, reconcile, services
from storefront.payments import gateway as gateways
from storefront.payments.models import TopupCharge
from storefront.stores.tenancy import across_stores

log = logging.getLogger(__name__)


def close_unpaid(now: datetime | None = None) -> int:
    """Close unpaid trades at their gateway (see the module). Flushes after each one."""
    moment = now or utcnow()
    rows = db.session.execute(
        across_stores(
            select(Topup.id, TopupCharge.id.label("charge_id"), Topup.store_id)
            .join(TopupCharge, TopupCharge.topup_id == Topup.id)
            .where(
                Topup.gateway.in_(services.ONLINE),
                Topup.status.in_([TopupStatus.PENDING, TopupStatus.CANCELLED]),
                TopupCharge.closed_at.is_(None),
            )
            .order_by(Topup.id)
            .limit(200)
        )
    ).all()
    closed = 0
    for row in rows:
        found = db.session.get(Topup, row.id)
        assert found is not None
        if found.status is TopupStatus.PENDING and moment < topup.expiry_of(found):
            continue
        try:
            if services.sync(found) in ("credited", "already_paid"):
                continue
            services.adapter_for(found.gateway).close(found.reference)
        except gateways.GatewayError as exc:
            log.warning("closing %s at the gateway failed: %s", found.reference, exc)
            continue
        topup.expire_if_stale(found, moment)
        charge = ledger.lock_row(TopupCharge, row.charge_id, "closed_at", row.store_id)
        assert charge is not None
        charge.closed_at = moment
        db.session.flush()
        closed += 1
    return closed


def close_unpaid_job(job: Any) -> None:
    close_unpaid()


def reconcile_job(job: Any) -> None:
    yesterday = (utcnow() + timedelta(hours=8)).date() - timedelta(days=1)  # China's day
    for method in services.ONLINE:
        if adapters.adapter(method) is not None:
            reconcile.reconcile(method, yesterday)


def register(jobs: JobRegistry) -> None:
    jobs.add("close_unpaid_trades", close_unpaid_job, every=timedelta(minutes=5), max_attempts=1)
    jobs.add("reconcile_bills", reconcile_job, every=timedelta(days=1), max_attempts=3)
