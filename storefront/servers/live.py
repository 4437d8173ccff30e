"""A bought resource as it is now at the provider: status (the contract's word and the
provider's), zone, image, addresses, disks, bandwidth, expiry.

Read in the customer's project (one agency session and at most four calls per region:
``show_servers``, ``list_volumes``, ``list_public_ips``, ``list_images``) and kept in
:class:`ResourceState`, so each resource is asked at most once per :func:`fresh_for`; when the
provider cannot be asked, the last known state is shown and said to be so. A server's status
follows what the provider reports (stopped in the console: ``stopped``) unless billing states
it is frozen, expired or released."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.billing import orders as billing_orders
from storefront.billing.models import Order, Resource, ResourceStatus
from storefront.clock import utcnow
from storefront.cloud.interface import (
    AgencySession,
    PublicIpInfo,
    ServerInfo,
    VolumeInfo,
)
from storefront.errors import DomainError
from storefront.extensions import cloud_provider, db
from storefront.servers.choices import renamed
from storefront.servers.errors import NotFound
from storefront.servers.models import ResourceState
from storefront.servers.services import session_for, upstream
from storefront.stores.tenancy import in_store

log = logging.getLogger(__name__)

IMAGE_NAMES_FOR = timedelta(minutes=10)
LIVE_PRODUCTS = frozenset({"ecs", "evs", "eip"})
# what the provider's power state may change; billing's own states (frozen, expired, released)
# come from the resource sync and are kept
POWER_STATES = frozenset({ResourceStatus.CREATING, ResourceStatus.ACTIVE, ResourceStatus.STOPPED})


@dataclass(frozen=True)
class Reading:
    """What one read of the provider said about one resource."""

    provider_status: str | None
    state: str | None = None  # our status for a server's word
    name: str | None = None  # a server's name (the customer may rename it in the console)
    availability_zone: str | None = None
    image_id: str | None = None
    key_name: str | None = None
    private_ips: list[str] = field(default_factory=list)
    public_ips: list[str] = field(default_factory=list)
    disks: list[dict[str, Any]] = field(default_factory=list)
    bandwidth_mbit: int | None = None
    launched_at: datetime | None = None


@dataclass(frozen=True)
class Live:
    """A resource with its last known state; ``current``: read within :func:`fresh_for`."""

    resource: Resource
    state: ResourceState | None
    current: bool
    expires_at: datetime | None
    days_left: int | None

    @property
    def status(self) -> str:
        return self.resource.status.value

    @property
    def provider_status(self) -> str | None:
        return self.state.provider_status if self.state else None

    @property
    def private_ips(self) -> list[str]:
        return list(self.state.private_ips) if self.state else []

    @property
    def public_ips(self) -> list[str]:
        return list(self.state.public_ips) if self.state else []

    @property
    def disks(self) -> list[dict[str, Any]]:
        return list(self.state.disks) if self.state else []

    @property
    def known(self) -> bool:
        """The provider was read at least once."""
        return self.state is not None


# --------------------------------------------------------------------------- look-ups


def fresh_for() -> timedelta:
    """How long a state read from the provider is shown before asking again
    (``STOREFRONT_SERVER_STATE_CACHE_SECONDS``, at most 30)."""
    return timedelta(seconds=float(current_app.config.get("SERVER_STATE_CACHE_SECONDS", 30)))


def customer_resource(customer: Customer, resource_id: int) -> Resource:
    """The customer's resource in its store, or :class:`NotFound` (404)."""
    row = billing_orders.customer_resource(customer, resource_id)
    if row is None:
        raise NotFound(_("No such resource."))
    return row


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` ``months`` calendar months later (the 31st becomes the month's last day)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=moment.tzinfo)
    last_day = (following - timedelta(days=1)).day
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def expected_expiry(resource: Resource, order: Order | None) -> datetime | None:
    """The provider's expiry once the sync has it; until then what the order bought: its
    period from when it became active."""
    if resource.expires_at is not None or resource.billing_mode not in ("monthly", "yearly"):
        return resource.expires_at
    if order is None or not order.period:
        return None
    months = order.period * (12 if resource.billing_mode == "yearly" else 1)
    return add_months(order.active_at or resource.created_at, months)


def days_left(expires_at: datetime | None, now: datetime) -> int | None:
    if expires_at is None:
        return None
    return max(0, math.ceil((expires_at - now) / timedelta(days=1)))


# --------------------------------------------------------------------------- reading


def refresh(
    customer: Customer, resources: Sequence[Resource], *, now: datetime | None = None
) -> dict[int, Live]:
    """Each resource with its state, asking the provider for those not read within
    :func:`fresh_for`. Flushes; the caller commits. Never raises for the provider."""
    now = now or utcnow()
    ids = [r.id for r in resources]
    states = {
        s.resource_id: s
        for s in db.session.scalars(
            in_store(
                select(ResourceState).where(ResourceState.resource_id.in_(ids)),
                customer.store_id,
            )
        )
    }
    current = {i for i, s in states.items() if s.checked_at > now - fresh_for()}
    by_region: dict[str, list[Resource]] = {}
    for row in resources:
        if row.id not in current and _readable(row):
            by_region.setdefault(row.region_code, []).append(row)
    for region, rows in by_region.items():
        try:
            readings = read_region(customer, region, rows)
        except DomainError as exc:
            log.warning("live state of %s resources in %s: %s", len(rows), region, exc)
            continue
        for row in rows:
            states[row.id] = record(
                row, states.get(row.id), readings.get(row.provider_resource_id), now
            )
            current.add(row.id)
    db.session.flush()
    orders = _orders(customer, resources)
    found = {}
    for row in resources:
        expiry = expected_expiry(row, orders.get(row.order_id or 0))
        found[row.id] = Live(
            row, states.get(row.id), row.id in current, expiry, days_left(expiry, now)
        )
    return found


def _readable(row: Resource) -> bool:
    return row.product_code in LIVE_PRODUCTS and row.status != ResourceStatus.RELEASED


def _orders(customer: Customer, resources: Sequence[Resource]) -> dict[int, Order]:
    ids = {r.order_id for r in resources if r.order_id}
    if not ids:
        return {}
    query = select(Order).where(Order.id.in_(ids), Order.customer_id == customer.id)
    return {o.id: o for o in db.session.scalars(in_store(query, customer.store_id))}


def record(
    row: Resource, state: ResourceState | None, reading: Reading | None, now: datetime
) -> ResourceState:
    if state is None:
        state = ResourceState(resource_id=row.id, store_id=row.store_id, checked_at=now)
        db.session.add(state)
    state.checked_at = now
    if reading is None:  # the provider no longer lists it: billing's sync decides what it is
        return state
    for name in (
        "provider_status",
        "availability_zone",
        "image_id",
        "key_name",
        "private_ips",
        "public_ips",
        "disks",
        "bandwidth_mbit",
        "launched_at",
    ):
        setattr(state, name, getattr(reading, name))
    if reading.image_id:
        state.image_name = _image_names(row.region_code).get(reading.image_id, state.image_name)
    if reading.name and renamed(row.name, reading.name):  # renamed in the console
        row.name = reading.name[:128]
    if reading.state and row.status in POWER_STATES and reading.state != "released":
        row.status = ResourceStatus(reading.state)
    return state


def read_region(customer: Customer, region: str, rows: Sequence[Resource]) -> dict[str, Reading]:
    """One read of the provider for ``rows`` (all in ``region``): provider id -> reading."""
    kinds = {r.product_code for r in rows}
    session = session_for(customer, region)
    provider = cloud_provider()
    servers: tuple[ServerInfo, ...] = ()
    volumes: tuple[VolumeInfo, ...] = ()
    eips: tuple[PublicIpInfo, ...] = ()
    with upstream():
        server_ids = [r.provider_resource_id for r in rows if r.product_code == "ecs"]
        if server_ids:
            servers = provider.show_servers(session=session, server_ids=server_ids)
            _learn_images(session, region, servers)
        if kinds & {"ecs", "evs"}:
            volumes = provider.list_volumes(session=session)
        if kinds & {"ecs", "eip"}:
            eips = provider.list_public_ips(session=session)
    readings = {v.volume_id: _volume_reading(v) for v in volumes}
    readings.update({e.eip_id: _eip_reading(e) for e in eips})
    by_id = {v.volume_id: v for v in volumes}
    for server in servers:
        readings[server.server_id] = _server_reading(server, by_id, eips)
    return readings


def _disk(v: VolumeInfo) -> dict[str, Any]:
    return {
        "id": v.volume_id,
        "name": v.name,
        "type": v.volume_type,
        "size_gb": v.size_gb,
        "status": v.status,
        "boot": v.bootable,
        "device": v.device,
        "server_id": v.server_id,
    }


def _volume_reading(v: VolumeInfo) -> Reading:
    return Reading(provider_status=v.status, disks=[_disk(v)])


def _eip_reading(e: PublicIpInfo) -> Reading:
    return Reading(
        provider_status=e.status,
        public_ips=[e.address],
        private_ips=[e.private_ip] if e.private_ip else [],
        bandwidth_mbit=e.bandwidth_mbit,
    )


def _server_reading(
    s: ServerInfo, volumes: dict[str, VolumeInfo], eips: Sequence[PublicIpInfo]
) -> Reading:
    disks = []
    for attached in s.volumes:
        known = volumes.get(attached.volume_id)
        if known is not None:
            disks.append({**_disk(known), "device": attached.device, "boot": attached.boot})
        else:
            disks.append(
                {"id": attached.volume_id, "device": attached.device, "boot": attached.boot}
            )
    bandwidth = next((e.bandwidth_mbit for e in eips if e.address in s.public_ips), None)
    return Reading(
        provider_status=s.status,
        state=s.state,
        name=s.name,
        availability_zone=s.availability_zone,
        image_id=s.image_id,
        key_name=s.key_name,
        private_ips=list(s.private_ips),
        public_ips=list(s.public_ips),
        disks=disks,
        bandwidth_mbit=bandwidth,
        launched_at=s.created_at,
    )


# --------------------------------------------------------------------------- image names


def _image_cache() -> dict[str, tuple[datetime, dict[str, str]]]:
    cache: dict[str, tuple[datetime, dict[str, str]]] = current_app.extensions.setdefault(
        "servers.image_names", {}
    )
    return cache


def _learn_images(session: AgencySession, region: str, servers: Sequence[ServerInfo]) -> None:
    """Image names of the region (public images change seldom: read every
    :data:`IMAGE_NAMES_FOR` at most, or when a server boots one not known yet)."""
    wanted = {s.image_id for s in servers if s.image_id}
    cached = _image_cache().get(region)
    now = utcnow()
    if cached and cached[0] > now - IMAGE_NAMES_FOR and wanted <= set(cached[1]):
        return
    images = cloud_provider().list_images(session=session)
    _image_cache()[region] = (now, {i.image_id: i.name for i in images})


def _image_names(region: str) -> dict[str, str]:
    cached = _image_cache().get(region)
    return cached[1] if cached else {}
