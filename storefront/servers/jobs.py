"""The servers area's background job (found by :func:`storefront.billing.worker.registry`):
``refresh_servers``, every minute, reads bought servers', disks' and EIPs' live state (status,
addresses, disks, bandwidth) from the provider in the background (#17), so the resource pages
find a recent state and seldom ask the provider themselves.

Each run reads the resources whose state is older than
:func:`storefront.servers.live.fresh_for`, changed ones first: never read yet (just bought), then
those billing's sync touched after their last read (a new status or expiry), then the oldest
reads. One read covers one customer's resources of one region (an agency session and at most
four calls, :func:`storefront.servers.live.read_region`); a run makes at most
:data:`MAX_READS` of them, and stops at once when the provider says its quota is used up
(throttled), so the worker stays within the provider's API quotas and leaves room for pages."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import case, or_, select

from storefront.accounts.models import Customer
from storefront.billing.models import Job, Resource, ResourceStatus
from storefront.billing.worker import JobRegistry
from storefront.clock import utcnow
from storefront.cloud.interface import UpstreamThrottled
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.servers import live
from storefront.servers.models import ResourceState
from storefront.transactions import commit_step

log = logging.getLogger(__name__)

MAX_READS = 25  # (customer, region) reads per run: at most 100 provider calls a minute
CANDIDATES = 2000  # stale resources looked at per run


def _stale(now: datetime) -> Sequence[tuple[Resource, datetime | None]]:
    checked = ResourceState.checked_at
    changed_first = case(
        (checked.is_(None), 0),
        (Resource.synced_at > checked, 1),
        else_=2,
    )
    query = (
        select(Resource, checked)
        .outerjoin(ResourceState, ResourceState.resource_id == Resource.id)
        .where(
            Resource.product_code.in_(live.LIVE_PRODUCTS),
            Resource.status != ResourceStatus.RELEASED,
            or_(checked.is_(None), checked <= now - live.fresh_for()),
        )
        .order_by(changed_first, checked, Resource.id)
        .limit(CANDIDATES)
        .execution_options(all_stores=True)
    )
    return [(row, at) for row, at in db.session.execute(query)]


def refresh_states(now: datetime | None = None) -> int:
    """One run: the resources read (their states recorded). Commits after each read."""
    now = now or utcnow()
    groups: dict[tuple[int, str], list[Resource]] = {}
    for row, _checked in _stale(now):
        key = (row.customer_id, row.region_code)
        if key in groups:
            groups[key].append(row)
        elif len(groups) < MAX_READS:
            groups[key] = [row]
    read = 0
    for (customer_id, region), rows in groups.items():
        customer = db.session.get(Customer, customer_id)
        if customer is None:
            continue
        try:
            readings = live.read_region(customer, region, rows)
        except DomainError as exc:
            if isinstance(exc.__cause__, UpstreamThrottled):
                log.info("server refresh: the provider's quota is used up; next run goes on")
                break
            log.warning("server refresh of customer %s in %s: %s", customer_id, region, exc)
            continue
        states = {
            s.resource_id: s
            for s in db.session.scalars(
                select(ResourceState)
                .where(ResourceState.resource_id.in_([r.id for r in rows]))
                .execution_options(all_stores=True)
            )
        }
        for row in rows:
            live.record(row, states.get(row.id), readings.get(row.provider_resource_id), now)
        commit_step("per item: each customer's server states")
        read += len(rows)
    return read


def refresh_job(job: Job) -> None:
    refresh_states()


def register(jobs: JobRegistry) -> None:
    jobs.add("refresh_servers", refresh_job, every=timedelta(minutes=1), max_attempts=1)
