"""Vouchers mirrored at the provider as partner coupons.

A voucher restricted to one customer who is linked at the provider is mirrored with
``create_partner_coupons`` (when ``STOREFRONT_VOUCHER_QUOTA_ID`` names a coupon quota). An
upstream failure keeps the local voucher and marks it ``upstream_pending``;
``flask storefront sync-vouchers`` retries. Revoking a mirrored voucher reclaims it upstream
(``reclaim_pending`` until that succeeds).

Each call here talks to the provider, so it runs after the voucher's own change committed;
:func:`push_upstream` and :func:`pull_upstream` record the outcome on the voucher and flush, and
their caller commits it straight away.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.billing.models import Voucher, VoucherStatus, VoucherUpstream
from storefront.billing.wallet_settings import wallet_settings
from storefront.cloud.interface import CloudError, UpstreamRejected
from storefront.extensions import cloud_provider, db
from storefront.stores.models import Store
from storefront.stores.tenancy import in_store
from storefront.transactions import commit_step

log = logging.getLogger(__name__)

SERVICE_TYPES = {
    "ecs": "hws.service.type.ec2",
    "evs": "hws.service.type.ebs",
    "vpc": "hws.service.type.vpc",
    "eip": "hws.service.type.vpc",
}


def quota_id() -> str | None:
    """The partner's coupon quota that mirrored vouchers draw on (``None``: vouchers stay
    local)."""
    return wallet_settings().voucher_quota_id


def push_upstream(voucher: Voucher) -> bool:
    """Create the voucher's coupon at the provider; on failure stay ``upstream_pending``.
    Flushes the outcome."""
    customer = db.session.scalar(
        in_store(select(Customer).where(Customer.id == voucher.customer_id), voucher.store_id)
    )
    quota = quota_id()
    if customer is None or not customer.provider_customer_id or not quota:
        return False
    try:
        provider = cloud_provider()
        existing = _adoptable(provider, customer.provider_customer_id, voucher)
        coupon_id = (
            existing
            or provider.create_partner_coupons(
                quota_id=quota,
                customer_ids=[customer.provider_customer_id],
                face_value=voucher.face_value,
                valid_from=voucher.valid_from,
                valid_until=voucher.valid_until,
                cloud_service_types=sorted({SERVICE_TYPES[p] for p in voucher.products}),
                memo=f"storefront voucher {voucher.code}",
            )[0].coupon_id
        )
    except (CloudError, IndexError) as exc:
        voucher.upstream_error = str(exc)[:255]
        db.session.flush()
        log.warning("voucher %s not mirrored yet: %s", voucher.code, exc)
        return False
    voucher.upstream_coupon_id = coupon_id
    voucher.upstream = VoucherUpstream.MIRRORED
    voucher.upstream_error = None
    db.session.flush()
    return True


def _adoptable(provider: Any, provider_customer_id: str, voucher: Voucher) -> str | None:
    """A coupon an earlier, ambiguous attempt may have created (same value and window, not
    linked to another of the store's vouchers): adopt it instead of issuing twice."""
    if voucher.upstream_error is None:
        return None  # first attempt: nothing can exist yet
    taken = set(
        db.session.scalars(
            in_store(
                select(Voucher.upstream_coupon_id).where(Voucher.upstream_coupon_id.is_not(None)),
                voucher.store_id,
            )
        )
    )
    for coupon in provider.list_issued_partner_coupons(customer_id=provider_customer_id).items:
        if (
            coupon.coupon_id not in taken
            and coupon.face_value == voucher.face_value
            and coupon.expire_time is not None
            and abs((coupon.expire_time - voucher.valid_until).total_seconds()) < 1
        ):
            return str(coupon.coupon_id)
    return None


def pull_upstream(voucher: Voucher) -> bool:
    """Reclaim the voucher's coupon at the provider; on failure stay ``reclaim_pending``.
    Flushes the outcome."""
    if not voucher.upstream_coupon_id:
        voucher.upstream = VoucherUpstream.LOCAL
        db.session.flush()
        return True
    try:
        cloud_provider().reclaim_partner_coupons(coupon_id=voucher.upstream_coupon_id)
    except UpstreamRejected as exc:
        voucher.upstream_error = str(exc)[:255]  # e.g. already used up there: staff decide
        db.session.flush()
        return False
    except CloudError as exc:
        voucher.upstream_error = str(exc)[:255]
        db.session.flush()
        return False
    voucher.upstream = VoucherUpstream.RECLAIMED
    voucher.upstream_error = None
    db.session.flush()
    return True


def mirror(voucher: Voucher) -> bool | None:
    """Bring the provider in line with a committed voucher: create its coupon when it is
    ``upstream_pending``, reclaim it when ``reclaim_pending``; ``None`` when nothing was due.
    Flushes the outcome (commit it)."""
    if voucher.upstream is VoucherUpstream.PENDING:
        return push_upstream(voucher)
    if voucher.upstream is VoucherUpstream.RECLAIM_PENDING:
        return pull_upstream(voucher)
    return None


def reclaim_all(revoked: Iterable[Voucher]) -> None:
    """Reclaim every ``reclaim_pending`` voucher among ``revoked`` (outcomes flushed)."""
    for voucher in revoked:
        if voucher.upstream is VoucherUpstream.RECLAIM_PENDING:
            pull_upstream(voucher)


def sync_one(voucher: Voucher) -> bool:
    """Retry one voucher's mirroring; ``True`` when nothing is left pending. Flushes."""
    if voucher.upstream is VoucherUpstream.PENDING:
        if voucher.status is not VoucherStatus.ACTIVE:  # revoked before it was ever mirrored
            voucher.upstream = VoucherUpstream.LOCAL
            db.session.flush()
            return True
        return push_upstream(voucher)
    return pull_upstream(voucher)


def sync_vouchers() -> tuple[int, int]:
    """Retry every ``upstream_pending`` and ``reclaim_pending`` voucher, of every store.

    The body of the ``sync-vouchers`` command: it commits each voucher's outcome as soon as the
    provider answered, so a coupon created upstream is never forgotten by a later failure.
    Returns ``(done, still_pending)``.
    """
    pending_states = [VoucherUpstream.PENDING, VoucherUpstream.RECLAIM_PENDING]
    done = pending = 0
    for store_id in db.session.scalars(select(Store.id).order_by(Store.id)).all():
        waiting = select(Voucher).where(Voucher.upstream.in_(pending_states)).order_by(Voucher.id)
        for voucher in db.session.scalars(in_store(waiting, store_id)).all():
            ok = sync_one(voucher)
            commit_step("per item: each voucher's outcome once the provider answered")
            done, pending = (done + 1, pending) if ok else (done, pending + 1)
    return done, pending
