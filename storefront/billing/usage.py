"""``flask storefront bill-usage``: charge on-demand usage to wallets at the store's price.

The provider's hourly fee records (``list_sub_customer_bill_detail``) are imported once each
(``usage_charges.record_id`` is unique per store). Each record costs the resource's locked
store price per hour times its hours. The wallet pays what it holds (the ledger never goes below
zero); the rest is recorded as arrears, the customer is mailed, and once the arrears are older
than the store's grace days the customer is frozen upstream (the provider's
``freeze_customer`` when it exists, else the freeze is recorded for staff).

Each store's customers are billed in turn; each customer's charge is one transaction (the
charge flushes, :func:`bill_usage` commits), and the arrears mail and the freeze come after
that commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.backoffice.customer_freeze import freeze_for_system, mirror_freeze
from storefront.backoffice.errors import BackofficeError
from storefront.billing import ledger, services
from storefront.billing.models import Arrears, Order, Resource, UsageCharge, Wallet
from storefront.billing.remittance import billing_settings
from storefront.clock import utcnow
from storefront.cloud.interface import CloudError, UsageRecord
from storefront.extensions import cloud_provider, db
from storefront.mail import build_message, deliver
from storefront.stores.models import Store
from storefront.stores.tenancy import in_store
from storefront.transactions import commit_step

log = logging.getLogger(__name__)
ZERO = Decimal("0.00")


@dataclass
class UsageReport:
    customers: int = 0
    records: int = 0
    charged: Decimal = ZERO
    shortfall: Decimal = ZERO
    frozen: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _cycles(moment: datetime) -> list[str]:
    previous = moment.replace(day=1) - timedelta(days=1)
    return [previous.strftime("%Y-%m"), moment.strftime("%Y-%m")]


def bill_usage(now: datetime | None = None) -> UsageReport:
    """Charge every store's on-demand usage; commits once per customer."""
    moment = now or utcnow()
    report = UsageReport()
    for store_id in db.session.scalars(select(Store.id).order_by(Store.id)).all():
        bill_store_usage(store_id, moment, report)
    return report


def bill_store_usage(store_id: int, moment: datetime, report: UsageReport) -> None:
    """One store's customers with on-demand resources: import their usage and charge it."""
    customers = db.session.execute(
        in_store(
            select(Resource.customer_id, Order.provider_customer_id)
            .join(Order, Resource.order_id == Order.id)
            .where(Resource.billing_mode == "on_demand")
            .distinct(),
            store_id,
        )
    ).all()
    for customer_id, provider_customer in customers:
        customer = db.session.get(Customer, customer_id)
        if customer is None or not provider_customer:
            continue
        try:
            records = [
                r
                for cycle in _cycles(moment)
                for r in cloud_provider().list_usage(
                    customer_id=provider_customer, bill_cycle=cycle
                )
            ]
        except CloudError as exc:
            report.errors.append(f"customer {customer_id}: {exc}")
            continue
        report.customers += 1
        arrears = _charge(customer, records, moment, report)
        commit_step("per item: each customer's charge, before its reminder and freeze")
        _remind_or_freeze(customer, arrears, moment, report)


# --- one customer's charge (flushes) --------------------------------------------------------


def _charge(
    customer: Customer, records: list[UsageRecord], moment: datetime, report: UsageReport
) -> Arrears:
    """Pay old arrears from the wallet, then charge the new records; what the wallet cannot
    pay becomes arrears. Flushes; returns the customer's arrears."""
    wallet = ledger.lock_wallet(
        ledger.ensure_wallet(
            customer.store_id, customer.id, services.store_currency(customer.store_id)
        )
    )
    arrears = _arrears(customer, wallet)
    # Old arrears first: whatever the wallet holds now pays them.
    if arrears.amount > 0 and wallet.balance > 0:
        pay = min(wallet.balance, arrears.amount)
        services.debit(customer, pay, "On-demand usage arrears", f"arrears:{customer.id}")
        arrears.amount -= pay
    fresh = _fresh(customer, records)
    total = sum((amount for _, _, amount in fresh), ZERO)
    available = min(wallet.balance, total)
    if available > 0:
        services.debit(
            customer,
            available,
            f"On-demand usage ({len(fresh)} records)",
            f"usage:{customer.id}:{fresh[0][0].record_id}",
        )
    shortfall = _record_charges(customer, fresh, available)
    report.records += len(fresh)
    report.charged += available
    report.shortfall += shortfall
    if shortfall > 0:
        arrears.amount += shortfall
        arrears.since = arrears.since or moment
    if arrears.amount == 0:
        arrears.since = arrears.notified_at = None
    db.session.flush()
    return arrears


def _arrears(customer: Customer, wallet: Wallet) -> Arrears:
    """The customer's arrears row, created (at zero) on first use."""
    arrears = db.session.scalar(
        in_store(select(Arrears).where(Arrears.customer_id == customer.id), customer.store_id)
    )
    if arrears is None:
        arrears = Arrears(
            store_id=customer.store_id, customer_id=customer.id, currency=wallet.currency
        )
        db.session.add(arrears)
        arrears.amount = ZERO
    return arrears


def _fresh(
    customer: Customer, records: list[UsageRecord]
) -> list[tuple[UsageRecord, Resource, Decimal]]:
    """The records not charged yet, of the customer's on-demand resources with a price, each
    with its resource and what it costs at the store's locked hourly price."""
    store_id = customer.store_id
    resources = {
        r.provider_resource_id: r
        for r in db.session.scalars(
            in_store(
                select(Resource).where(
                    Resource.customer_id == customer.id, Resource.billing_mode == "on_demand"
                ),
                store_id,
            )
        )
    }
    seen = set(
        db.session.scalars(
            in_store(
                select(UsageCharge.record_id).where(UsageCharge.customer_id == customer.id),
                store_id,
            )
        )
    )
    fresh: list[tuple[UsageRecord, Resource, Decimal]] = []
    for record in records:
        resource = resources.get(record.resource_id)
        if record.record_id in seen or resource is None or resource.hourly_price is None:
            continue
        seen.add(record.record_id)
        fresh.append((record, resource, ledger.quantize(resource.hourly_price * record.hours)))
    return fresh


def _record_charges(
    customer: Customer, fresh: list[tuple[UsageRecord, Resource, Decimal]], available: Decimal
) -> Decimal:
    """One :class:`UsageCharge` per record, paid in order from ``available``; the shortfall."""
    remaining, shortfall = available, ZERO
    for record, resource, amount in fresh:
        charged = min(amount, remaining)
        remaining -= charged
        shortfall += amount - charged
        db.session.add(
            UsageCharge(
                store_id=customer.store_id,
                record_id=record.record_id,
                resource_id=resource.id,
                customer_id=customer.id,
                hours=record.hours,
                amount=amount,
                charged=charged,
                shortfall=amount - charged,
                consumed_at=record.consumed_at,
            )
        )
    return shortfall


# --- after the charge's commit: the reminder and the freeze -------------------------------


def _remind_or_freeze(
    customer: Customer, arrears: Arrears, moment: datetime, report: UsageReport
) -> None:
    """Mail the customer about new arrears (once); freeze them once the grace days are over.
    Commits what it records."""
    if arrears.amount > 0 and arrears.notified_at is None:
        _notify(customer, arrears)
        arrears.notified_at = moment
        commit_step("per item: the reminder goes once")
    grace = timedelta(days=billing_settings(customer.store_id).grace_days)
    if (
        arrears.amount > 0
        and arrears.since
        and arrears.frozen_at is None
        and moment - arrears.since >= grace
    ):
        _freeze(customer, arrears, moment)
        report.frozen.append(customer.id)


def _notify(customer: Customer, arrears: Arrears) -> None:
    store = db.session.get(Store, customer.store_id)
    text = (
        f"Hello {customer.name},\n\nYour balance did not cover your on-demand cloud usage. "
        f"Outstanding: {arrears.currency} {ledger.format_amount(arrears.amount)}.\n"
        "Please top up your wallet; resources are frozen when the grace period ends.\n\n"
        "您的余额不足以支付按需使用费用，请尽快充值；宽限期结束后资源将被冻结。\n"
    )
    try:
        deliver(
            build_message(
                to=customer.email,
                subject="Top up your balance: on-demand usage is unpaid",
                text=text,
                store=store,
            )
        )
    except OSError as exc:  # mail down: the arrears stay recorded
        log.warning("arrears mail to customer %s failed: %s", customer.id, exc)


def _freeze(customer: Customer, arrears: Arrears, moment: datetime) -> None:
    """Freeze the account (locally and at the provider) through the back office's rule."""
    try:
        freeze = freeze_for_system(customer, "Unpaid on-demand usage", "billing: unpaid usage")
        commit_step("durable first: frozen here before the provider is asked")
        mirror_freeze(freeze)
        note = "frozen" + (
            " (provider: " + freeze.provider_error + ")" if freeze.provider_error else ""
        )
    except BackofficeError as exc:  # already frozen or closed: nothing more to do
        note = str(exc.message)
    arrears.frozen_at = moment
    arrears.freeze_note = note[:255]
    commit_step("per item: the freeze's outcome")
