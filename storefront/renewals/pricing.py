"""A renewal's price: the provider's renewal price of the resource (with its attached
resources; ``renewal_price``, under the customer's credentials) put through the store's price
rules by the engine new purchases use (:func:`storefront.catalog.pricing.price_line`: the
most specific rule of the resource's product and spec, the customer's groups, never below the
partner's cost unless the rule allows it, never below zero).

The provider's ``amount`` (what it charges the customer's provider balance) is the partner's
cost; its ``official_amount`` the list price a discount rule starts from. Terms: 1-9 months or
1-3 years (the store's purchase limits, inside the provider's 1-11 months).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.billing.models import Order, OrderKind, OrderStatus, Resource, ResourceStatus
from storefront.billing.services import store_currency
from storefront.catalog import pricing, snapshot
from storefront.catalog.basket import groups_of
from storefront.cloud.interface import (
    CloudError,
    PeriodType,
    UpstreamRejected,
    renewed_expiry,
)
from storefront.extensions import cloud_provider, db
from storefront.renewals.errors import NotRenewable, ProviderUnavailable, RenewalsError
from storefront.renewals.models import Unsubscription
from storefront.stores.tenancy import in_store

PERIOD_TYPES = {"month": PeriodType.MONTH, "year": PeriodType.YEAR}
MODE_OF = {"month": pricing.BillingMode.MONTHLY, "year": pricing.BillingMode.YEARLY}
BILLING_MODE_OF = {"month": "monthly", "year": "yearly"}
PREPAID_MODES = ("monthly", "yearly")
IN_FLIGHT = (OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.PROVISIONING)


@dataclass(frozen=True, slots=True)
class RenewalQuote:
    period_type: str  # month | year
    period: int
    amount: Decimal  # the customer pays (store's price)
    cost: Decimal  # the provider charges (partner cost)
    official: Decimal
    currency: str
    expires_at: datetime | None  # now
    new_expires_at: datetime | None  # after the renewal

    def json(self) -> dict[str, Any]:
        return {
            "amount": f"{self.amount:.2f}",
            "currency": self.currency,
            "period_type": self.period_type,
            "period": self.period,
            "expires_at": self.new_expires_at.isoformat() if self.new_expires_at else None,
        }


def parse_period(period_type: Any, period: Any) -> tuple[str, int]:
    """``month`` 1-9 or ``year`` 1-3, else a 422 naming the field."""
    if period_type not in PERIOD_TYPES:
        raise RenewalsError(_("Choose months or years."), fields={"period_type": "invalid"})
    try:
        count = int(period)
    except (TypeError, ValueError):
        count = 0
    low, high = pricing.PERIOD_LIMITS[MODE_OF[period_type]]
    if isinstance(period, bool) or not low <= count <= high:
        raise RenewalsError(
            _("A renewal is %(low)s to %(high)s periods.", low=low, high=high),
            fields={"period": "invalid"},
        )
    return period_type, count


def in_flight(resource: Resource) -> Order | None:
    """A renewal order of the resource not finished yet."""
    return db.session.scalar(
        in_store(
            select(Order).where(
                Order.kind == OrderKind.RENEWAL,
                Order.resource_id == resource.id,
                Order.status.in_(IN_FLIGHT),
            ),
            resource.store_id,
        ).limit(1)
    )


def check_renewable(resource: Resource, *, in_flight_ok: bool = False) -> None:
    """Raise :class:`NotRenewable` unless a renewal of ``resource`` may start (``in_flight_ok``:
    another renewal under way does not count)."""
    if resource.billing_mode not in PREPAID_MODES:
        raise NotRenewable(_("Only monthly and yearly resources can be renewed."))
    if resource.status in (ResourceStatus.RELEASED, ResourceStatus.CREATING):
        raise NotRenewable(_("This resource cannot be renewed in its current state."))
    unsubscribed = db.session.scalar(
        in_store(
            select(Unsubscription.id).where(Unsubscription.resource_id == resource.id),
            resource.store_id,
        )
    )
    if unsubscribed is not None:
        raise NotRenewable(_("This resource was unsubscribed."))
    if not in_flight_ok and in_flight(resource) is not None:
        raise NotRenewable(_("A renewal of this resource is already under way."))


def current_expiry(customer: Customer, resource: Resource) -> datetime | None:
    """The resource's expiry: as last synced, else asked from the provider (and kept)."""
    if resource.expires_at is not None or not customer.provider_customer_id:
        return resource.expires_at
    try:
        found = cloud_provider().list_prepaid_resources(
            customer_id=customer.provider_customer_id,
            resource_ids=[resource.provider_resource_id],
        )
    except CloudError:
        return None
    for remote in found:
        if remote.resource_id == resource.provider_resource_id and remote.expires_at:
            resource.expires_at = remote.expires_at
    return resource.expires_at


def store_price(
    customer: Customer,
    resource: Resource,
    period_type: str,
    period: int,
    official: Decimal,
    cost: Decimal,
) -> Decimal:
    """The provider's renewal price through the store's rules (the purchase engine)."""
    rules = snapshot.store_copy(customer.store_id).rules
    rule = pricing.pick_rule(
        rules, resource.product_code, resource.spec_code, groups_of(customer.id)
    )
    months = pricing.months_in_term(MODE_OF[period_type], period)
    line = pricing.price_line(pricing.Rate(official, cost), 1, rule, months)
    return line.amount


def quote(
    customer: Customer,
    resource: Resource,
    period_type: Any,
    period: Any,
    *,
    in_flight_ok: bool = False,
) -> RenewalQuote:
    """What renewing ``resource`` for the term costs the customer now, and its new expiry.
    Asks the provider (a session in the customer's project): call it outside a transaction
    that holds locks."""
    kind, count = parse_period(period_type, period)
    check_renewable(resource, in_flight_ok=in_flight_ok)
    if not customer.provider_customer_id:
        raise NotRenewable(_("Your cloud account is not linked to this store yet."))
    provider = cloud_provider()
    try:
        session = provider.agency_session(
            customer_id=customer.provider_customer_id, region=resource.region_code
        )
        price = provider.renewal_price(
            session=session,
            resource_id=resource.provider_resource_id,
            period=PERIOD_TYPES[kind],
            count=count,
        )
    except UpstreamRejected as exc:
        raise NotRenewable(
            _("The cloud provider cannot renew this resource: %(why)s", why=exc.message)
        ) from exc
    except CloudError as exc:
        raise ProviderUnavailable(
            _("The cloud provider cannot be reached now; please try again.")
        ) from exc
    amount = store_price(customer, resource, kind, count, price.official_amount, price.amount)
    expires = current_expiry(customer, resource)
    return RenewalQuote(
        period_type=kind,
        period=count,
        amount=amount,
        cost=pricing.round_money(price.amount),
        official=pricing.round_money(price.official_amount),
        currency=store_currency(customer.store_id),
        expires_at=expires,
        new_expires_at=renewed_expiry(expires, PERIOD_TYPES[kind], count) if expires else None,
    )
