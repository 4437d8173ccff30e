"""``flask storefront reconcile``: finish or refund orders stuck between states; sync resources.

Jobs still marked running whose lease expired (their worker died mid-job) are listed in the
report (:attr:`ReconcileReport.expired_leases`): the next worker to poll, or the ``reconcile``
command's own run of the queue, takes them over.

For each order left in ``paid``/``provisioning``/``failed`` longer than ``older_than`` with no
provisioning job in hand (queued, or running under a live or an expired lease), ask the
provider what really happened to each line's provider order (``show_customer_order_details``):
paid there -> mark it paid here; unknown or cancelled -> refund; then re-drive provisioning
(every step is idempotent, keyed by the order line). An order the provider never saw that stays
undeliverable for ``give_up_after`` is refunded.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from storefront.billing import orders, provisioning, worker
from storefront.billing.models import (
    CHARGE_SETTLED,
    CHARGE_SHORTFALL,
    INTERMEDIATE_ORDER_STATUSES,
    SETTLE_FAILED,
    Job,
    JobStatus,
    Order,
    OrderEvent,
    OrderStatus,
    Resource,
    ResourceStatus,
)
from storefront.clock import utcnow
from storefront.cloud.interface import CloudError, ProviderOrderStatus, UpstreamUnavailable
from storefront.extensions import cloud_provider, db
from storefront.transactions import commit_step

log = logging.getLogger(__name__)
STUCK_AFTER = timedelta(minutes=2)
GIVE_UP_AFTER = timedelta(hours=24)
KEEP_DONE_JOBS = timedelta(days=2)


@dataclass(frozen=True)
class ExpiredLease:
    """A job its worker stopped renewing: still marked running, its lease past."""

    job_id: int
    kind: str
    key: str
    locked_by: str | None
    locked_until: datetime
    attempts: int
    max_attempts: int


@dataclass
class ReconcileReport:
    examined: int = 0
    completed: list[int] = field(default_factory=list)
    refunded: list[int] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)
    resources_synced: int = 0
    charges_settled: list[int] = field(default_factory=list)
    shortfalls: list[int] = field(default_factory=list)
    expired_leases: list[ExpiredLease] = field(default_factory=list)


def reconcile(
    *,
    older_than: timedelta = STUCK_AFTER,
    give_up_after: timedelta = GIVE_UP_AFTER,
    now: datetime | None = None,
    sync: bool = True,
) -> ReconcileReport:
    moment = now or utcnow()
    report = ReconcileReport(expired_leases=_expired_leases(moment))
    for line in describe_expired_leases(report.expired_leases, moment):
        log.warning("dead worker: %s", line)
    stuck = db.session.scalars(
        select(Order.id)
        .where(
            Order.status.in_(INTERMEDIATE_ORDER_STATUSES),
            Order.updated_at <= moment - older_than,
        )
        .order_by(Order.id)
        .execution_options(all_stores=True)
    ).all()
    for order_id in stuck:
        job = db.session.scalar(select(Job).where(Job.key == f"provision:{order_id}"))
        if job is not None and job.status in (JobStatus.QUEUED.value, JobStatus.RUNNING.value):
            continue  # in hand: a worker runs it, or takes it over once its lease expired
        report.examined += 1
        status = _settle(order_id, give_up_after, moment)
        if status == OrderStatus.ACTIVE:
            report.completed.append(order_id)
        elif status == OrderStatus.REFUNDED:
            report.refunded.append(order_id)
        else:
            report.pending.append(order_id)
            worker.requeue(f"provision:{order_id}", now=moment)
            commit_step("per item: each stuck order's requeue")
    _settle_charges(report)
    if sync:
        report.resources_synced = sync_resources(moment)
    db.session.execute(
        delete(Job).where(
            Job.status == JobStatus.DONE.value, Job.finished_at < moment - KEEP_DONE_JOBS
        )
    )
    return report  # the caller (the command, the job runner) commits the purge


def _expired_leases(moment: datetime) -> list[ExpiredLease]:
    return [
        ExpiredLease(
            job_id=job.id,
            kind=job.kind,
            key=job.key,
            locked_by=job.locked_by,
            locked_until=job.locked_until,
            attempts=job.attempts,
            max_attempts=job.max_attempts,
        )
        for job in worker.expired_leases(moment)
        if job.locked_until is not None
    ]


def describe_expired_leases(leases: Sequence[ExpiredLease], now: datetime) -> list[str]:
    """One line per job leased by a dead worker, for the operator."""
    lines = []
    for lease in leases:
        subject = f"order {lease.key.split(':', 1)[1]}" if lease.kind == "provision" else lease.key
        ago = max(int((now - lease.locked_until).total_seconds()), 0)
        lines.append(
            f"job {lease.job_id} ({lease.kind}, {subject}): still running, but the lease of "
            f"worker {lease.locked_by or 'unknown'} expired {ago} s ago (attempt "
            f"{lease.attempts} of {lease.max_attempts}); the next worker takes it over"
        )
    return lines


def _settle(order_id: int, give_up_after: timedelta, moment: datetime) -> OrderStatus | None:
    order = db.session.scalar(
        select(Order).where(Order.id == order_id).execution_options(all_stores=True)
    )
    assert order is not None
    provider = cloud_provider()
    try:
        for line in order.lines:
            if line.paid_at is not None or not line.provider_order_id:
                continue
            states = [
                provider.show_customer_order(order_id=one)
                for one in line.provider_order_id.split(",")
            ]
            if all(s is not None and s.status == ProviderOrderStatus.COMPLETED for s in states):
                line.paid_at = moment  # paid there; we never heard the answer
                note = f"provider order {line.provider_order_id} paid"
                orders.add_event(order, "reconciled", note)
            elif any(s is None or s.status == ProviderOrderStatus.CANCELLED for s in states):
                commit_step("per item: the lines found paid, before the refund")
                status = orders.refund_order(
                    order.id, f"The provider cancelled order {line.provider_order_id}."
                )
                commit_step("durable first: the refund stands before any provider call")
                if status is not None:
                    provisioning.reclaim_unused_funds(status)
                    return status.status
        commit_step("durable first: the lines found paid, before provisioning asks the provider")
        return provisioning.provision(order_id, order.store_id)
    except (worker.Retry, UpstreamUnavailable) as exc:
        db.session.rollback()
        order = db.session.get(Order, order_id, populate_existing=True)
        assert order is not None
        never_created = all(line.created_at is None for line in order.lines)
        if never_created and moment - order.created_at >= give_up_after:
            return provisioning.refund(order_id, f"The cloud provider stayed unavailable: {exc}")
        return None
    except provisioning.SimulatedCrash:
        raise
    except CloudError as exc:
        db.session.rollback()
        log.warning("reconcile of order %s: %s", order_id, exc)
        return None


def _settle_charges(report: ReconcileReport) -> None:
    """Active orders whose funded-vs-charged check could not run: run it again."""
    settled = select(OrderEvent.order_id).where(OrderEvent.status == CHARGE_SETTLED)
    waiting = db.session.scalars(
        select(Order)
        .join(OrderEvent, OrderEvent.order_id == Order.id)
        .where(
            Order.status == OrderStatus.ACTIVE,
            OrderEvent.status == SETTLE_FAILED,
            Order.id.not_in(settled),
        )
        .distinct()
        .execution_options(all_stores=True)
    ).all()
    for order in waiting:
        if provisioning.settle_funding(order):
            report.charges_settled.append(order.id)
    report.shortfalls = list(
        db.session.scalars(
            select(OrderEvent.order_id)
            .where(OrderEvent.status == CHARGE_SHORTFALL)
            .distinct()
            .execution_options(all_stores=True)
        )
    )


def sync_resources(now: datetime | None = None) -> int:
    """Refresh status and expiry of every known resource from the provider."""
    moment = now or utcnow()
    provider = cloud_provider()
    pairs = db.session.execute(
        select(Resource.customer_id, Order.provider_customer_id)
        .join(Order, Resource.order_id == Order.id)
        .where(Resource.status != ResourceStatus.RELEASED)
        .distinct()
        .execution_options(all_stores=True)
    ).all()
    synced = 0
    for customer_id, provider_customer in pairs:
        if not provider_customer:
            continue
        try:
            found = {
                r.resource_id: r
                for r in provider.list_prepaid_resources(customer_id=provider_customer)
                + provider.list_on_demand_resources(customer_id=provider_customer)
            }
        except CloudError as exc:
            log.warning("resource sync for customer %s failed: %s", customer_id, exc)
            continue
        rows = db.session.scalars(
            select(Resource)
            .where(Resource.customer_id == customer_id)
            .execution_options(all_stores=True)
        ).all()
        power = _server_power(provider, provider_customer, rows, found)
        for row in rows:
            remote = found.get(row.provider_resource_id)
            if remote is None:
                continue
            status = ResourceStatus(remote.status)
            if status is ResourceStatus.ACTIVE:  # billing says "in use"; ECS says how it runs
                status = SERVER_STATUS.get(power.get(row.provider_resource_id, ""), status)
            row.status = status
            row.expires_at = remote.expires_at
            row.synced_at = moment
            synced += 1
        commit_step("per item: each customer's resources")
    return synced


# ECS ``ServerDetail.status`` words that change what a customer sees of a server in use.
SERVER_STATUS = {
    "SHUTOFF": ResourceStatus.STOPPED,
    "BUILD": ResourceStatus.CREATING,
}


def _server_power(
    provider: Any, provider_customer: str, rows: Sequence[Resource], found: dict[str, Any]
) -> dict[str, str]:
    """The ECS status of the customer's servers that billing lists as in use, per region (one
    agency session and one ``list_servers_details`` call per 100 servers of a region)."""
    by_region: dict[str, list[str]] = {}
    for row in rows:
        remote = found.get(row.provider_resource_id)
        if row.product_code == "ecs" and remote is not None and remote.status == "active":
            by_region.setdefault(row.region_code, []).append(row.provider_resource_id)
    states: dict[str, str] = {}
    for region, ids in by_region.items():
        try:
            session = provider.agency_session(customer_id=provider_customer, region=region)
            states.update(provider.server_power_states(session=session, server_ids=ids))
        except CloudError as exc:
            log.warning("server status of customer %s in %s: %s", provider_customer, region, exc)
    return states
