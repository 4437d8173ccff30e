"""Settle allocation requests left pending (the provider did not answer): a background job.

Like every job runner it owns its transactions: one per request, each settled after the
provider's adjust records were read outside any transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from storefront.clock import utcnow
from storefront.cloud.interface import UpstreamRejected, UpstreamUnavailable
from storefront.extensions import db
from storefront.partners.allocations import confirm, fail, locked_request
from storefront.partners.models import Allocation, AllocationRequest, AllocationState, Reseller
from storefront.partners.provider import NO_RECORD, distributor_provider
from storefront.transactions import commit_step

log = logging.getLogger(__name__)

RECONCILE_AFTER = timedelta(seconds=30)  # leave a request alone while its call may run
GIVE_UP_AFTER = timedelta(minutes=15)  # no provider record by then: it never happened
CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class AllocationReconcileReport:
    examined: int = 0
    confirmed: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)


def reconcile_allocations(
    *,
    older_than: timedelta = RECONCILE_AFTER,
    give_up_after: timedelta = GIVE_UP_AFTER,
    at: datetime | None = None,
) -> AllocationReconcileReport:
    """Settle pending allocation requests by asking the provider's adjust records.

    A provider record for the reseller of the same kind and amount, made no earlier than the
    request (less :data:`CLOCK_SKEW`) and not yet in our ledger, confirms it (ledger row);
    none while the provider answers, once the request is older than ``give_up_after``, fails
    it (nothing moved). When the provider cannot be asked, the request stays pending. Only one
    request per reseller is ever pending, so a record matches one request.
    """
    moment = at or utcnow()
    report = AllocationReconcileReport()
    ids = db.session.scalars(
        select(AllocationRequest.id)
        .where(
            AllocationRequest.state == AllocationState.PENDING,
            AllocationRequest.created_at <= moment - older_than,
        )
        .order_by(AllocationRequest.id)
    ).all()
    commit_step("per item: the reads end before the per-request provider calls")
    for request_id in ids:
        report.examined += 1
        outcome = _settle(request_id, moment, give_up_after)
        if outcome is None:
            db.session.rollback()
            continue
        getattr(report, outcome).append(request_id)
        commit_step("per item: each request's outcome")
    return report


def _settle(request_id: int, moment: datetime, give_up_after: timedelta) -> str | None:
    """``confirmed``, ``failed`` or ``pending`` for one request; None when settled meanwhile."""
    req = db.session.get(AllocationRequest, request_id, populate_existing=True)
    assert req is not None
    reseller = db.session.get(Reseller, req.reseller_id)
    assert reseller is not None and reseller.indirect_partner_id
    created = _aware(req.created_at)
    try:
        records = distributor_provider().list_adjust_records(
            customer_id=reseller.indirect_partner_id,
            kind=str(req.kind),
            since=created - CLOCK_SKEW,
            until=moment + CLOCK_SKEW,
        )
    except (UpstreamRejected, UpstreamUnavailable) as exc:
        log.warning("allocation %s: provider records unavailable: %s", request_id, exc)
        return "pending"
    known = set(
        db.session.scalars(
            select(Allocation.provider_transfer_id).where(Allocation.reseller_id == req.reseller_id)
        )
    )
    match = next(
        (
            r
            for r in sorted(records, key=lambda r: r.operation_time or moment)
            if r.amount == req.amount and r.trans_id and r.trans_id not in known
        ),
        None,
    )
    req = locked_request(request_id)
    if req.state != AllocationState.PENDING:
        return None
    if match is not None:
        confirm(req, match.trans_id, "partners-reconcile")
        return "confirmed"
    if moment - created >= give_up_after:
        fail(req, NO_RECORD, "no matching provider record", "partners-reconcile")
        return "failed"
    return "pending"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
