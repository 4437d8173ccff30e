"""At expiry, switch to pay-per-use (#18): a prepaid resource's choice (off by default, never
together with auto-renew), carried out by the hourly renewals scan.

* Within :data:`SWITCH_LEAD` before expiry the scan asks the provider (customer credentials,
  ``update_period_to_on_demand`` SET_UP). The provider refuses it once the resource is in its
  grace or retention period (CBC.99003610), so it is only ever asked before expiry; a
  refusal (:class:`ExpiryPolicyRefused`) is kept on the choice, shown on the resource page,
  mailed and audited, and the resource simply expires. Not reachable: asked again next hour.
* Once the expiry it was set for has passed, the storefront resource becomes ``on_demand``
  with the store's hourly price for its spec (the catalog engine that prices new on-demand
  purchases), so billing's usage import (:mod:`storefront.billing.usage`) charges the wallet
  for every provider hour from expiry on. The customer is mailed once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront import labels, mail
from storefront.accounts.models import Customer
from storefront.backoffice import audit
from storefront.billing.models import OrderLine, Resource, ResourceStatus
from storefront.billing.services import store_currency
from storefront.catalog import basket
from storefront.catalog.errors import PricesUnavailable
from storefront.catalog.pricing import BillingMode
from storefront.catalog.requests import ItemRequest, QuoteRequest
from storefront.clock import utcnow
from storefront.cloud.interface import CloudError, ExpiryPolicyRefused
from storefront.errors import DomainError
from storefront.extensions import cloud_provider, db
from storefront.renewals import pricing, services
from storefront.renewals.errors import ExpiryConflict, RenewalsError
from storefront.renewals.models import AutoRenewal
from storefront.stores.tenancy import in_store
from storefront.transactions import commit_step

log = logging.getLogger(__name__)
SWITCH_LEAD = timedelta(days=1)  # asked this long before expiry (the scan runs hourly)
CHOICES = ("expire", "pay_per_use")

labels.AUDIT_LABELS.update(
    {
        "renewal.expiry_policy": _l("At-expiry choice changed"),
        "renewal.pay_per_use": _l("Switched to pay-per-use at expiry"),
        "renewal.pay_per_use_refused": _l("Pay-per-use at expiry refused"),
    }
)
mail.register_customer_events(
    {
        "resource_pay_per_use": (
            _l("%(resource)s is now pay-per-use"),
            _l(
                "Your resource %(resource)s reached the end of its term on %(date)s (UTC) and "
                "was switched to pay-per-use, as you chose. It is now charged from your wallet "
                "by the hour, at %(amount)s per hour."
            ),
        ),
        "pay_per_use_refused": (
            _l("%(resource)s cannot switch to pay-per-use"),
            _l(
                "The cloud provider refused to switch %(resource)s to pay-per-use at expiry: "
                "%(reason)s It expires on %(date)s (UTC) as usual; renew it from its page to "
                "keep it."
            ),
        ),
    }
)


def expiry_json(row: AutoRenewal | None) -> dict[str, Any]:
    if row is None:
        return {"at_expiry": "expire", "state": None, "note": ""}
    return {"at_expiry": row.at_expiry, "state": row.expiry_state, "note": row.expiry_note}


def set_expiry_policy(customer: Customer, resource_id: int, at_expiry: Any) -> AutoRenewal:
    """Choose what happens at expiry: ``expire`` or ``pay_per_use``. Flushes."""
    if at_expiry not in CHOICES:
        raise RenewalsError(_("Choose expire or pay_per_use."), fields={"at_expiry": "invalid"})
    resource = services.customer_resource(customer, resource_id)
    row = services.auto_renewal(resource)
    if at_expiry == "pay_per_use":
        pricing.check_renewable(resource, in_flight_ok=True)
        if row is not None and row.enabled:
            raise ExpiryConflict(
                _(
                    "Turn auto-renew off first: a resource is either renewed "
                    "automatically or switched to pay-per-use at expiry."
                )
            )
    if row is not None and row.expiry_state == "set" and row.at_expiry != at_expiry:
        raise ExpiryConflict(
            _(
                "The switch to pay-per-use is already arranged at the cloud "
                "provider for this expiry."
            )
        )
    if row is None:
        row = AutoRenewal(store_id=customer.store_id, resource_id=resource.id,
                          customer_id=customer.id, enabled=False)  # fmt: skip
        db.session.add(row)
    if row.at_expiry != at_expiry:
        row.at_expiry, row.expiry_state, row.expiry_note = at_expiry, None, ""
    audit.record(customer, "renewal.expiry_policy", customer,
                 {"resource_id": resource.id, "at_expiry": at_expiry})  # fmt: skip
    db.session.flush()
    return row


def hourly_price(customer: Customer, resource: Resource) -> Decimal:
    """The store's price of one hour of the resource's spec on demand (the engine that prices
    new on-demand purchases); raises a catalog error when it is not offered or not priced."""
    line = db.session.get(OrderLine, resource.order_line_id or 0)
    req = QuoteRequest(
        region=resource.region_code, mode=BillingMode.ON_DEMAND, period=None,
        items=(ItemRequest(resource.product_code, resource.spec_code, 1,
                           line.size if line else None),),
    )  # fmt: skip
    priced = basket.price_basket(req, basket.load_context(customer.id), now=utcnow())
    return priced.lines[0].priced.amount


def _name(resource: Resource) -> str:
    return resource.name or resource.provider_resource_id


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "—"


# --------------------------------------------------------------------------- the scan


def scan_store(store_id: int, now: datetime, switched: list[int], refused: list[int]) -> None:
    """One store's pay-per-use choices: ask the provider shortly before expiry; switch the
    resources whose expiry passed. Commits per resource."""
    rows = db.session.scalars(
        in_store(
            select(AutoRenewal).where(AutoRenewal.at_expiry == "pay_per_use"), store_id
        ).order_by(AutoRenewal.id)
    ).all()
    for choice in rows:
        resource = db.session.get(Resource, choice.resource_id)
        if resource is None or resource.billing_mode not in pricing.PREPAID_MODES:
            continue
        if choice.expiry_state == "set":
            _switch(choice, resource, now, switched)
        elif (
            choice.expiry_state is None
            and resource.expires_at is not None
            and now < resource.expires_at <= now + SWITCH_LEAD
            and resource.status not in (ResourceStatus.RELEASED, ResourceStatus.CREATING)
        ):
            _ask(choice, resource, now, refused)
        commit_step("per item: each resource's pay-per-use step")


def _ask(choice: AutoRenewal, resource: Resource, now: datetime, refused: list[int]) -> None:
    customer = db.session.get(Customer, resource.customer_id)
    assert customer is not None and resource.expires_at is not None
    try:
        hourly_price(customer, resource)  # offered on demand here, before asking the provider
        if not customer.provider_customer_id:
            raise RenewalsError(_("Your cloud account is not linked to this store yet."))
        provider = cloud_provider()
        session = provider.agency_session(
            customer_id=customer.provider_customer_id, region=resource.region_code
        )
        provider.change_to_on_demand(session=session, resource_id=resource.provider_resource_id)
    except ExpiryPolicyRefused as exc:
        _refused(choice, resource, exc.message or exc.code, refused)
        return
    except PricesUnavailable as exc:  # the price book is refreshed: asked again next hour
        choice.expiry_note = (exc.message or exc.code)[:500]
        return
    except DomainError as exc:  # not offered on demand here, or no cloud account
        _refused(choice, resource, exc.message or exc.code, refused)
        return
    except CloudError as exc:  # unreachable or busy: asked again at the next hourly scan
        choice.expiry_note = str(exc)[:500]
        log.warning("pay-per-use at expiry of resource %s: %s", resource.id, exc)
        return
    choice.expiry_state, choice.expiry_note = "set", ""
    choice.switch_at = resource.expires_at
    audit.record("renewals scan", "renewal.expiry_policy", customer,
                 {"resource_id": resource.id, "at_expiry": "pay_per_use", "provider": "set"},
                 store_id=resource.store_id)  # fmt: skip


def _refused(choice: AutoRenewal, resource: Resource, reason: str, refused: list[int]) -> None:
    choice.expiry_state, choice.expiry_note = "refused", reason[:500]
    customer = db.session.get(Customer, resource.customer_id)
    audit.record("renewals scan", "renewal.pay_per_use_refused", customer,
                 {"resource_id": resource.id, "reason": reason[:200]},
                 store_id=resource.store_id)  # fmt: skip
    mail.queue_customer_mail(
        "pay_per_use_refused", f"{resource.id}:{resource.expires_at:%Y%m%d%H%M}",
        resource.customer_id, resource.store_id,
        resource=_name(resource), reason=reason, date=_when(resource.expires_at),
    )  # fmt: skip
    refused.append(resource.id)


def _switch(choice: AutoRenewal, resource: Resource, now: datetime, switched: list[int]) -> None:
    assert choice.switch_at is not None
    if resource.expires_at is not None and resource.expires_at > choice.switch_at:
        choice.switch_at = resource.expires_at  # renewed since: the provider switches later
    if now < choice.switch_at:
        return
    customer = db.session.get(Customer, resource.customer_id)
    assert customer is not None
    try:
        price = hourly_price(customer, resource)
    except DomainError as exc:  # prices out of date: tried again next hour (usage waits)
        choice.expiry_note = (exc.message or exc.code)[:500]
        return
    resource.billing_mode, resource.hourly_price = "on_demand", price
    resource.expires_at = None
    if resource.status in (ResourceStatus.EXPIRED, ResourceStatus.FROZEN):
        resource.status = ResourceStatus.ACTIVE
    choice.expiry_state, choice.expiry_note = "switched", ""
    audit.record("renewals scan", "renewal.pay_per_use", customer,
                 {"resource_id": resource.id, "hourly_price": f"{price:.2f}"},
                 store_id=resource.store_id)  # fmt: skip
    mail.queue_customer_mail(
        "resource_pay_per_use", f"{resource.id}:{choice.switch_at:%Y%m%d%H%M}",
        resource.customer_id, resource.store_id, resource=_name(resource),
        amount=price, currency=store_currency(resource.store_id), date=_when(choice.switch_at),
    )  # fmt: skip
    switched.append(resource.id)
