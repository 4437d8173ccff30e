"""The hourly renewal scan, store by store: reminders before expiry (the store's days, once
each), auto-renew from the wallet the store's N days before expiry (retried daily until
expiry, with a top-up request mailed when the wallet is short); pay-per-use at expiry
(:mod:`storefront.renewals.expiry`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from storefront.accounts.models import Customer
from storefront.billing import services as wallet
from storefront.billing.errors import InsufficientBalance
from storefront.billing.models import Resource, ResourceStatus
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.renewals import events, expiry, pricing
from storefront.renewals.models import AutoRenewal, AutoRenewResult
from storefront.renewals.services import renew, renewal_settings
from storefront.stores.models import Store
from storefront.stores.tenancy import in_store
from storefront.transactions import commit_step

log = logging.getLogger(__name__)
AUTO_SCOPE = "renewals.auto"
RETRY_EVERY = timedelta(hours=23)


@dataclass
class ScanReport:
    reminded: list[int] = field(default_factory=list)
    renewed: list[int] = field(default_factory=list)
    short: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    switched: list[int] = field(default_factory=list)  # to pay-per-use at expiry
    ppu_refused: list[int] = field(default_factory=list)


def scan_store(store: Store, now: datetime, report: ScanReport) -> None:
    settings = renewal_settings(store.id)
    reminders = settings.reminders
    horizon = max([settings.renew_days_before, *reminders])
    rows = db.session.scalars(
        in_store(
            select(Resource)
            .where(
                Resource.billing_mode.in_(pricing.PREPAID_MODES),
                Resource.status.in_(
                    [ResourceStatus.ACTIVE, ResourceStatus.STOPPED, ResourceStatus.EXPIRED]
                ),
                Resource.expires_at.is_not(None),
                Resource.expires_at > now,
                Resource.expires_at <= now + timedelta(days=horizon),
            )
            .order_by(Resource.expires_at, Resource.id),
            store.id,
        )
    ).all()
    commit_step("per item: the store's reads end before the per-resource steps")
    autos = {
        a.resource_id: a
        for a in db.session.scalars(
            in_store(select(AutoRenewal).where(AutoRenewal.enabled.is_(True)), store.id)
        )
    }
    pay_per_use = _pay_per_use_at_expiry(store.id)
    for row in rows:
        assert row.expires_at is not None
        left = row.expires_at - now
        auto = autos.get(row.id)
        if auto is not None and left <= timedelta(days=settings.renew_days_before):
            _auto_renew(row, auto, now, report)
            continue
        if row.id in pay_per_use:  # no expiry to warn of: it turns pay-per-use instead
            continue
        due = [d for d in reminders if left <= timedelta(days=d)]
        if due:  # the nearest threshold passed: each threshold's mail goes once
            days = min(due)
            events.resource_expiring(row, days, row.expires_at, last=days == min(reminders))
            commit_step("per item: each threshold's reminder goes once")
            report.reminded.append(row.id)
    expiry.scan_store(store.id, now, report.switched, report.ppu_refused)


def _pay_per_use_at_expiry(store_id: int) -> set[int]:
    """The resources set to switch to pay-per-use at expiry (unless the provider refused the
    switch: those expire as usual, so their reminders go)."""
    query = select(AutoRenewal.resource_id).where(
        AutoRenewal.at_expiry == "pay_per_use",
        or_(AutoRenewal.expiry_state.is_(None), AutoRenewal.expiry_state != "refused"),
    )
    return set(db.session.scalars(in_store(query, store_id)))


def _auto_renew(row: Resource, auto: AutoRenewal, now: datetime, report: ScanReport) -> None:
    if auto.last_attempt_at is not None and now - auto.last_attempt_at < RETRY_EVERY:
        return
    if pricing.in_flight(row) is not None:
        return
    customer = db.session.get(Customer, row.customer_id)
    assert customer is not None and row.expires_at is not None
    day = now.strftime("%Y%m%d")
    key = f"{row.id}:{row.expires_at:%Y%m%d%H%M}:{day}"
    resource_id = row.id
    try:
        result = renew(customer, resource_id, auto.period_type, auto.period, key,
                       scope=AUTO_SCOPE)  # fmt: skip
        outcome, note = AutoRenewResult.RENEWED, f"order {result['order_id']}"
        auto = db.session.get(AutoRenewal, auto.id, populate_existing=True) or auto
        auto.last_order_id = int(result["order_id"])
        report.renewed.append(resource_id)
    except InsufficientBalance:
        db.session.rollback()
        outcome, note = AutoRenewResult.INSUFFICIENT_BALANCE, "insufficient balance"
        row = db.session.get(Resource, resource_id) or row
        try:
            price = pricing.quote(customer, row, auto.period_type, auto.period).amount
        except DomainError:
            price = None
        if price is not None:
            events.auto_renew_short(row, price, wallet.balance(customer),
                                    wallet.store_currency(row.store_id), day)  # fmt: skip
        report.short.append(resource_id)
    except DomainError as exc:
        db.session.rollback()
        outcome, note = AutoRenewResult.FAILED, exc.message or exc.code
        row = db.session.get(Resource, resource_id) or row
        events.auto_renew_failed(row, note, day)
        report.failed.append(resource_id)
    auto = db.session.get(AutoRenewal, auto.id, populate_existing=True) or auto
    auto.last_attempt_at, auto.last_result, auto.last_note = now, outcome, note[:500]
    commit_step("per item: each auto-renewal's outcome")
