"""Renewing a resource: the order (kind ``renewal``), paid from the wallet in one money
transaction under an idempotency key (:func:`renew`); what happens when it is active
(:func:`renewed`: the new expiry); auto-renew choices (:func:`set_auto_renew`) and the store's
renewal settings.

The order then goes through billing's provisioning job like a purchase: funding the
customer's provider account at cost, ``renew`` + ``pay_order`` under the customer's
credentials, retries, reconcile and the refund when the provider refuses.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from storefront.accounts.models import Customer, Staff
from storefront.accounts.permissions import require_permission
from storefront.backoffice import audit
from storefront.billing import ledger, orders, provisioning
from storefront.billing.idempotency import run_once
from storefront.billing.models import (
    Order,
    OrderKind,
    OrderLine,
    OrderStatus,
    Resource,
    ResourceStatus,
)
from storefront.billing.worker import Retry
from storefront.clock import utcnow
from storefront.cloud.interface import renewed_expiry
from storefront.extensions import db
from storefront.renewals import events, pricing
from storefront.renewals.errors import ExpiryConflict, NotFound, NotRenewable, RenewalsError
from storefront.renewals.models import AutoRenewal, RenewalSettings
from storefront.sql import insert_ignore
from storefront.stores.tenancy import in_store

log = logging.getLogger(__name__)
RENEW_SCOPE = "renewals.renew"
MAX_REMINDER_DAYS = 60


def customer_resource(customer: Customer, resource_id: int) -> Resource:
    """The customer's resource in its store, or :class:`NotFound` (404)."""
    row = orders.customer_resource(customer, resource_id)
    if row is None:
        raise NotFound(_("No such resource."))
    return row


# --------------------------------------------------------------------------- renewing


def renew(
    customer: Customer,
    resource_id: int,
    period_type: Any,
    period: Any,
    idempotency_key: str | None = None,
    *,
    staff: Staff | None = None,
    ip: str | None = None,
    scope: str = RENEW_SCOPE,
) -> dict[str, Any]:
    """Renew the customer's resource for the term: priced now (:func:`pricing.quote`, asking
    the provider first, outside the money transaction), then once per idempotency key the
    renewal order, its wallet debit and its provisioning job commit together
    (:func:`~storefront.billing.idempotency.run_once`). ``staff``: a renewal made for the
    customer (audited; still from the customer's wallet). Returns ``{order_id, status, total,
    currency}``; raises :class:`NotRenewable`, ``InsufficientBalance`` (402) or an order or
    idempotency error."""
    if staff is not None:
        require_permission(staff, "renewals.manage")
    resource = customer_resource(customer, resource_id)
    kind, count = pricing.parse_period(period_type, period)
    payload = {"customer_id": customer.id, "resource_id": resource.id, "period_type": kind,
               "period": count}  # fmt: skip
    try:
        price: pricing.RenewalQuote | None = pricing.quote(
            customer, resource, kind, count, in_flight_ok=True
        )
        refused: RenewalsError | None = None
    except RenewalsError as exc:  # a replay of this key still answers what the first did
        price, refused = None, exc

    def action() -> dict[str, Any]:
        if refused is not None or price is None:
            raise refused or NotRenewable(_("This resource cannot be renewed now."))
        orders.check_can_buy(customer)
        # the wallet lock serialises this customer's renewals: one in flight per resource
        ledger.lock_customer_wallet(customer.store_id, customer.id, price.currency)
        pricing.check_renewable(resource)
        order = _renewal_order(customer, resource, price)
        orders.pay_from_wallet(customer, order, utcnow())
        if staff is not None:
            audit.record(
                staff, "renewal.staff", customer,
                {"resource_id": resource.id, "order_id": order.id, "period_type": kind,
                 "period": count, "total": str(order.total)}, ip,
            )  # fmt: skip
        return {
            "order_id": order.id,
            "status": order.status.value,
            "total": ledger.format_amount(order.total),
            "currency": order.currency,
        }

    return run_once(customer.store_id, f"{scope}:{customer.id}", idempotency_key, payload, action)


def _renewal_order(customer: Customer, resource: Resource, price: pricing.RenewalQuote) -> Order:
    moment = utcnow()
    order = Order(
        store_id=customer.store_id,
        customer_id=customer.id,
        kind=OrderKind.RENEWAL,
        resource_id=resource.id,
        quote_id=f"renewal-{uuid.uuid4().hex[:24]}",
        region_code=resource.region_code,
        billing_mode=pricing.BILLING_MODE_OF[price.period_type],
        period=price.period,
        currency=price.currency,
        total=price.amount,
        cost_total=min(price.cost, price.amount) if price.amount > 0 else price.cost,
        status=OrderStatus.PENDING,
        provider_customer_id=customer.provider_customer_id,
        created_at=moment,
        updated_at=moment,
    )
    db.session.add(order)
    db.session.flush()
    db.session.add(
        OrderLine(
            store_id=customer.store_id,
            order_id=order.id,
            position=0,
            product_code=resource.product_code,
            spec_code=resource.spec_code,
            quantity=1,
            size=None,
            unit_price=price.amount,
            amount=price.amount,
            unit_cost=price.cost,
            cost_amount=price.cost,
            client_token=f"sf{customer.store_id}o{order.id}r{resource.id}",
            resource_ids=resource.provider_resource_id,
        )
    )
    db.session.flush()
    return order


def carry_out(order_id: int, store_id: int) -> OrderStatus | None:
    """Run the renewal's provisioning now (the job would, a moment later): the customer sees
    the new expiry at once. A provider that is unavailable leaves it to the job."""
    try:
        return provisioning.provision(order_id, store_id)
    except Retry as exc:
        db.session.rollback()
        log.info("renewal order %s: left to the worker (%s)", order_id, exc)
        return None


def renewed(order: Order) -> None:
    """Billing's hook when a renewal order becomes active: the resource's new expiry (the
    provider's rule, :func:`renewed_expiry`, from the expiry it had), back in use."""
    resource = db.session.get(Resource, order.resource_id or 0)
    if resource is None:
        return
    customer = db.session.get(Customer, order.customer_id)
    if resource.expires_at is None and customer is not None:
        pricing.current_expiry(customer, resource)  # the provider's, renewal included
    elif resource.expires_at is not None:
        period = pricing.PERIOD_TYPES["year" if order.billing_mode == "yearly" else "month"]
        resource.expires_at = renewed_expiry(resource.expires_at, period, order.period or 1)
    if resource.status in (ResourceStatus.EXPIRED, ResourceStatus.FROZEN):
        resource.status = ResourceStatus.ACTIVE
    events.resource_renewed(resource, order)


provisioning.ON_ACTIVE[OrderKind.RENEWAL] = renewed


# --------------------------------------------------------------------------- auto-renew


def auto_renewal(resource: Resource) -> AutoRenewal | None:
    return db.session.scalar(
        in_store(select(AutoRenewal).where(AutoRenewal.resource_id == resource.id),
                 resource.store_id)
    )  # fmt: skip


def auto_renew_json(row: AutoRenewal | None) -> dict[str, Any]:
    if row is None:
        return {"enabled": False, "period_type": "month", "period": 1}
    return {"enabled": row.enabled, "period_type": row.period_type, "period": row.period}


def auto_renewals_of(resource_ids: list[int], store_id: int) -> dict[int, AutoRenewal]:
    if not resource_ids:
        return {}
    rows = db.session.scalars(
        in_store(select(AutoRenewal).where(AutoRenewal.resource_id.in_(resource_ids)), store_id)
    )
    return {row.resource_id: row for row in rows}


def set_auto_renew(
    customer: Customer,
    resource_id: int,
    enabled: Any,
    period_type: Any = None,
    period: Any = None,
) -> AutoRenewal:
    """Turn the store's auto-renew of a resource on (with its term) or off. Flushes. The
    provider's own auto-renew stays off (it would charge the provider balance, outside the
    store's wallet and prices)."""
    if not isinstance(enabled, bool):
        raise RenewalsError(_("Say whether auto-renew is on."), fields={"enabled": "boolean"})
    resource = customer_resource(customer, resource_id)
    row = auto_renewal(resource)
    kind, count = pricing.parse_period(
        period_type or (row.period_type if row else "month"),
        period if period is not None else (row.period if row else 1),
    )
    if enabled:
        pricing.check_renewable(resource, in_flight_ok=True)
        if row is not None and row.at_expiry == "pay_per_use":
            raise ExpiryConflict(_("Turn off the switch to pay-per-use at expiry first: a "
                                   "resource is either renewed automatically or switched."))
    if row is None:
        row = AutoRenewal(
            store_id=customer.store_id, resource_id=resource.id, customer_id=customer.id
        )
        db.session.add(row)
    row.enabled, row.period_type, row.period = enabled, kind, count
    row.updated_at = utcnow()
    if enabled:
        row.last_result, row.last_note = None, ""
    audit.record(customer, "renewal.auto_renew", customer,
                 {"resource_id": resource.id, "enabled": enabled, "period_type": kind,
                  "period": count})  # fmt: skip
    db.session.flush()
    return row


# --------------------------------------------------------------------------- settings


def renewal_settings(store_id: int) -> RenewalSettings:
    """The store's renewal settings (defaults created on first use)."""
    query = in_store(select(RenewalSettings), store_id)
    found = db.session.scalar(query)
    if found is None:
        db.session.execute(
            insert_ignore(
                RenewalSettings.__table__,
                store_id=store_id,
                renew_days_before=7,
                reminder_days="15,7,3,1",
            )
        )
        found = db.session.scalars(query).one()
    return found


def update_settings(staff: Staff, renew_days_before: int, reminder_days: str) -> RenewalSettings:
    require_permission(staff, "renewals.manage")
    try:
        days = sorted({int(d) for d in reminder_days.split(",") if d.strip()}, reverse=True)
    except ValueError:
        days = []
    if not days or any(not 1 <= d <= MAX_REMINDER_DAYS for d in days):
        raise RenewalsError(
            _("Reminder days are whole numbers from 1 to 60, separated by commas."),
            fields={"reminder_days": "invalid"},
        )
    if not 1 <= renew_days_before <= 30:
        raise RenewalsError(_("Auto-renew runs 1 to 30 days before expiry."),
                            fields={"renew_days_before": "invalid"})  # fmt: skip
    settings = renewal_settings(staff.store_id)
    settings.renew_days_before = renew_days_before
    settings.reminder_days = ",".join(str(d) for d in days)
    audit.record(
        staff,
        "renewal.settings",
        None,
        {"renew_days_before": renew_days_before, "reminder_days": settings.reminder_days},
    )
    db.session.flush()
    return settings


def days_between(later: datetime | None, now: datetime) -> int | None:
    if later is None:
        return None
    seconds = (later - now).total_seconds()
    return max(0, -int(-seconds // 86400))
