"""Unsubscribing a prepaid resource, with the refund of its unused part.

**The refund rule** (one, documented in the README): the provider's unsubscription rule
(:func:`storefront.cloud.interface.refund_quote`: a term not started yet in full; the term in
use: paid - consumed - handling fee, consumed pro rata by whole hours; full within 5 x 24 h of
the purchase for the customer's first 10 unsubscriptions a calendar year; ended terms nothing)
applied to what the customer paid *the store* for each term (the purchase's line, then each
renewal order), capped at what was paid and not refunded yet, never below zero.

Steps: :func:`quote` (nothing changes); :func:`request` records the unsubscription with that
refund under an idempotency key, audited, and queues the ``unsubscribe`` job; :func:`process`
(the job) unsubscribes at the provider (``cancel_resources_subscription``; attached resources
follow by the provider's rules), credits the wallet in one ledger transaction, and reclaims
what the provider refunded to the customer's provider balance to the partner
(``reclaim_to_partner_account``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from storefront.accounts.models import Customer, Staff
from storefront.accounts.permissions import require_permission
from storefront.backoffice import audit
from storefront.billing import ledger, services, worker
from storefront.billing.idempotency import run_once
from storefront.billing.models import (
    AccountKind,
    Order,
    OrderKind,
    OrderLine,
    OrderStatus,
    Resource,
    ResourceStatus,
    TransactionKind,
)
from storefront.billing.worker import Retry
from storefront.clock import utcnow
from storefront.cloud.interface import (
    CloudError,
    PaidTerm,
    PeriodType,
    UpstreamRejected,
    UpstreamUnavailable,
    refund_quote,
    renewed_expiry,
)
from storefront.extensions import cloud_provider, db
from storefront.renewals import events
from storefront.renewals.errors import NotUnsubscribable
from storefront.renewals.models import UnsubscribeStatus, Unsubscription
from storefront.renewals.services import customer_resource
from storefront.stores.tenancy import in_store
from storefront.transactions import commit_step

log = logging.getLogger(__name__)
SCOPE = "renewals.unsubscribe"
FIVE_DAYS = timedelta(days=5)
FIVE_DAY_REFUNDS_PER_YEAR = 10
ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Quote:
    refund: Decimal
    paid: Decimal
    currency: str

    def json(self) -> dict[str, Any]:
        return {"refund": ledger.format_amount(self.refund), "currency": self.currency}


def _period(billing_mode: str) -> PeriodType:
    return PeriodType.YEAR if billing_mode == "yearly" else PeriodType.MONTH


def paid_terms(resource: Resource) -> tuple[list[PaidTerm], Decimal]:
    """The resource's paid terms at the store's prices (the purchase, then each active
    renewal, back to back; the last one ends at the provider's expiry when known) and what
    the wallet paid for them net of refunds."""
    terms: list[PaidTerm] = []
    paid = ZERO
    purchase = db.session.get(Order, resource.order_id or 0)
    line = db.session.get(OrderLine, resource.order_line_id or 0)
    if purchase is not None and line is not None and purchase.period:
        amount = (line.amount / max(line.quantity, 1)).quantize(Decimal("0.01"))
        amount = min(amount, purchase.total - purchase.discount - purchase.refunded_amount)
        start = purchase.active_at or resource.created_at
        end = renewed_expiry(start, _period(purchase.billing_mode), purchase.period)
        terms.append(PaidTerm(str(purchase.id), max(amount, ZERO), start, end,
                              _period(purchase.billing_mode), purchase.period))  # fmt: skip
    renewals = db.session.scalars(
        in_store(
            select(Order)
            .where(
                Order.kind == OrderKind.RENEWAL,
                Order.resource_id == resource.id,
                Order.status == OrderStatus.ACTIVE,
            )
            .order_by(Order.id),
            resource.store_id,
        )
    ).all()
    for order in renewals:
        start = terms[-1].ends_at if terms else (order.active_at or order.created_at)
        end = renewed_expiry(start, _period(order.billing_mode), order.period or 1)
        amount = max(order.total - order.refunded_amount, ZERO)
        terms.append(PaidTerm(str(order.id), amount, start, end, _period(order.billing_mode),
                              order.period or 1))  # fmt: skip
    if terms and resource.expires_at is not None:
        last = terms[-1]
        terms[-1] = PaidTerm(last.order_id, last.amount, last.starts_at, resource.expires_at,
                             last.period, last.count)  # fmt: skip
    for term in terms:
        paid += term.amount
    return terms, paid


def _five_day_allowed(resource: Resource, terms: list[PaidTerm], now: datetime) -> bool:
    if not terms or now - terms[0].starts_at > FIVE_DAYS:
        return False
    this_year = (
        db.session.scalar(
            in_store(
                select(func.count(Unsubscription.id)).where(
                    Unsubscription.customer_id == resource.customer_id,
                    Unsubscription.created_at
                    >= now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0),
                ),
                resource.store_id,
            )
        )
        or 0
    )
    return this_year < FIVE_DAY_REFUNDS_PER_YEAR


def check_unsubscribable(resource: Resource) -> None:
    if resource.billing_mode not in ("monthly", "yearly"):
        raise NotUnsubscribable(_("Only monthly and yearly resources can be unsubscribed."))
    if resource.status in (ResourceStatus.RELEASED, ResourceStatus.CREATING):
        raise NotUnsubscribable(_("This resource cannot be unsubscribed in its current state."))


def quote(resource: Resource, now: datetime | None = None) -> Quote:
    """The refund of unsubscribing ``resource`` now (see the module's rule)."""
    check_unsubscribable(resource)
    moment = now or utcnow()
    terms, paid = paid_terms(resource)
    found = refund_quote(
        terms, moment, five_day_full_refund=_five_day_allowed(resource, terms, moment)
    )
    refund = min(max(found.refund, ZERO), paid)
    return Quote(refund=refund.quantize(Decimal("0.01")), paid=paid,
                 currency=services.store_currency(resource.store_id))  # fmt: skip


def request(
    customer: Customer,
    resource_id: int,
    idempotency_key: str | None = None,
    *,
    staff: Staff | None = None,
    ip: str | None = None,
) -> dict[str, Any]:
    """Record the unsubscription with its refund and queue the job (once per key). Commits."""
    if staff is not None:
        require_permission(staff, "renewals.manage")
    resource = customer_resource(customer, resource_id)
    payload = {"customer_id": customer.id, "resource_id": resource.id}

    def action() -> dict[str, Any]:
        ledger.lock_customer_wallet(customer.store_id, customer.id,
                                    services.store_currency(customer.store_id))  # fmt: skip
        existing = db.session.scalar(
            in_store(
                select(Unsubscription).where(Unsubscription.resource_id == resource.id),
                customer.store_id,
            )
        )
        if existing is not None and existing.status is not UnsubscribeStatus.FAILED:
            raise NotUnsubscribable(_("This resource was already unsubscribed."))
        found = quote(resource)
        row = existing or Unsubscription(store_id=customer.store_id, resource_id=resource.id,
                                         customer_id=customer.id)  # fmt: skip
        row.status, row.refund, row.paid, row.currency = (
            UnsubscribeStatus.PENDING,
            found.refund,
            found.paid,
            found.currency,
        )
        row.failure, row.created_at = "", utcnow()
        row.staff_id = staff.id if staff else None
        db.session.add(row)
        db.session.flush()
        audit.record(staff or customer, "renewal.unsubscribe", customer,
                     {"resource_id": resource.id, "unsubscription_id": row.id,
                      "refund": str(found.refund)}, ip)  # fmt: skip
        worker.enqueue("unsubscribe", f"unsubscribe:{row.id}:{row.created_at:%Y%m%d%H%M%S}",
                       store_id=customer.store_id, payload={"id": row.id})  # fmt: skip
        return {"unsubscription_id": row.id, **found.json()}

    return run_once(customer.store_id, f"{SCOPE}:{customer.id}", idempotency_key, payload,
                    action)  # fmt: skip


def status_json(unsubscription_id: int) -> dict[str, Any]:
    row = db.session.get(Unsubscription, unsubscription_id, populate_existing=True)
    assert row is not None
    return {"refund": ledger.format_amount(row.refund), "currency": row.currency,
            "status": row.status.value}  # fmt: skip


def process(unsubscription_id: int, store_id: int) -> UnsubscribeStatus | None:
    """The ``unsubscribe`` job: provider, then wallet, then reclaim. Commits each step.
    Raises :class:`Retry` while the provider is unavailable."""
    row = db.session.scalar(
        in_store(select(Unsubscription).where(Unsubscription.id == unsubscription_id), store_id)
    )
    if row is None or row.status is not UnsubscribeStatus.PENDING:
        return row.status if row else None
    resource = db.session.get(Resource, row.resource_id)
    customer = db.session.get(Customer, row.customer_id)
    assert resource is not None and customer is not None
    provider = cloud_provider()
    if not row.provider_order_ids:
        try:
            _unsubscribe_at_provider(row, resource, customer)
        except UpstreamUnavailable as exc:
            db.session.rollback()
            raise Retry(str(exc)) from exc
        except UpstreamRejected as exc:
            db.session.rollback()
            row.status, row.failure = UnsubscribeStatus.FAILED, exc.message[:500]
            commit_step("durable first: the provider's refusal")
            return row.status
    _credit(row, resource, customer)
    if row.provider_refund and row.provider_refund > 0 and not row.reclaim_transfer_id:
        try:
            row.reclaim_transfer_id = (
                provider.reclaim_customer_funds(
                    customer_id=customer.provider_customer_id or "", amount=row.provider_refund
                )
                or "done"
            )
            row.reclaimed = row.provider_refund
        except CloudError as exc:  # the refund stays at the provider: staff see it
            log.warning("reclaiming the refund of unsubscription %s: %s", row.id, exc)
        commit_step("durable first: the provider's reclaim answer")
    return row.status


def _unsubscribe_at_provider(row: Unsubscription, resource: Resource, customer: Customer) -> None:
    provider = cloud_provider()
    if row.sent_at is not None and _gone(resource, customer):
        row.provider_order_ids = "unknown"  # it landed; the refund is found by reconcile
        commit_step("durable first: it landed, before the refund is credited")
        return
    row.sent_at = utcnow()
    commit_step("durable first: sent_at before unsubscribe (no client token)")
    session = provider.agency_session(
        customer_id=customer.provider_customer_id or "", region=resource.region_code
    )
    done = provider.unsubscribe(session=session, resource_id=resource.provider_resource_id)
    row.provider_order_ids = ",".join(done.order_ids)[:500] or "none"
    row.provider_refund = done.refund
    commit_step("durable first: the provider's answer")


def _gone(resource: Resource, customer: Customer) -> bool:
    found = cloud_provider().list_prepaid_resources(
        customer_id=customer.provider_customer_id or "",
        resource_ids=[resource.provider_resource_id],
    )
    return not any(r.resource_id == resource.provider_resource_id and r.status != "released"
                   for r in found)  # fmt: skip


def _credit(row: Unsubscription, resource: Resource, customer: Customer) -> None:
    """The wallet gets the refund in one ledger transaction (from the store's refunds)."""
    if row.refund > 0 and row.transaction_id is None:
        txn = services.credit(
            customer, row.refund, f"Refund for unsubscribing {resource.name}"[:500],
            reference=f"unsubscribe:{row.id}", source=AccountKind.REFUNDS,
            kind=TransactionKind.REFUND,
        )  # fmt: skip
        row.transaction_id = txn.id
    row.status, row.done_at = UnsubscribeStatus.DONE, utcnow()
    resource.status = ResourceStatus.RELEASED
    events.resource_unsubscribed(resource, row.id, row.refund, row.currency)
    commit_step("durable first: the credit, before the provider reclaims the refund")


def carry_out(unsubscription_id: int, store_id: int) -> None:
    """Run the job's work now (the customer sees the result at once); a provider that is
    unavailable leaves it to the job."""
    try:
        process(unsubscription_id, store_id)
    except Retry as exc:
        db.session.rollback()
        log.info("unsubscription %s: left to the worker (%s)", unsubscription_id, exc)
