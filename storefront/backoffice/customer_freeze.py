"""Freezing a customer: no ordering and no console while frozen, the reason shown to them.

A freeze is local first: :func:`freeze_customer` (or :func:`freeze_for_system`) records it with
its audit entry and the customer's mail; the caller commits, then :func:`mirror_freeze` tells the
provider and notes the outcome on the freeze. Unfreezing asks the provider first and changes
nothing here when it refuses.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import select

from storefront import mail
from storefront.accounts.models import (
    Customer,
    CustomerStatus,
    Staff,
)
from storefront.accounts.permissions import require_permission
from storefront.backoffice import audit
from storefront.backoffice.errors import (
    AccountClosed,
    AlreadyFrozen,
    BackofficeError,
    NotFrozen,
    ProviderUnavailable,
    required_reason,
)
from storefront.backoffice.models import CustomerFreeze
from storefront.clock import utcnow
from storefront.cloud.interface import FreezeMode, UpstreamRejected, UpstreamUnavailable
from storefront.extensions import cloud_provider, db

log = logging.getLogger(__name__)


def is_frozen(customer: Customer) -> bool:
    """The rule billing and the console bridge check (``can_buy`` already refuses it)."""
    return customer.status == CustomerStatus.FROZEN


def active_freeze(customer: Customer) -> CustomerFreeze | None:
    if not is_frozen(customer):
        return None
    return db.session.scalar(
        select(CustomerFreeze)
        .where(CustomerFreeze.customer_id == customer.id, CustomerFreeze.lifted_at.is_(None))
        .order_by(CustomerFreeze.id.desc())
        .limit(1)
    )


def freeze_reason(customer: Customer) -> str | None:
    freeze = active_freeze(customer)
    return freeze.reason if freeze else None


def _provider_call(customer: Customer, freeze: bool, reason: str, mode: FreezeMode) -> str | None:
    """Mirror to the provider; None when done, else the error (the local freeze stands)."""
    if not customer.provider_customer_id:
        return "not linked to the provider"
    provider = cloud_provider()
    call = provider.freeze_customer if freeze else provider.unfreeze_customer
    try:
        call(customer_id=customer.provider_customer_id, reason=reason, mode=mode)
    except (UpstreamUnavailable, UpstreamRejected) as exc:
        log.warning("provider %s of customer %s failed: %s", freeze, customer.id, exc)
        return str(exc)[:255]
    return None


def freeze_customer(
    actor: Staff,
    customer: Customer,
    reason: str | None,
    mode: str = FreezeMode.ACCOUNT,
    ip: str | None = None,
) -> CustomerFreeze:
    """Freeze locally (no ordering, no console once committed), audited, the customer's mail
    queued. The caller commits, then tells the provider with :func:`mirror_freeze`."""
    require_permission(actor, "customers.freeze")
    return _freeze(actor, f"{actor.name} <{actor.email}>", customer, reason, mode, ip)


def freeze_for_system(customer: Customer, reason: str, who: str) -> CustomerFreeze:
    """A freeze the product itself decides (e.g. unpaid usage after the grace period); as
    :func:`freeze_customer`, the caller commits, then calls :func:`mirror_freeze`."""
    return _freeze(who, who, customer, reason, FreezeMode.ACCOUNT, None)


def _freeze(
    actor: Staff | str,
    frozen_by: str,
    customer: Customer,
    reason: str | None,
    mode: str,
    ip: str | None,
) -> CustomerFreeze:
    text = required_reason(reason)
    if mode not in {m.value for m in FreezeMode}:
        raise BackofficeError(_("Unknown freeze mode."), fields={"mode": _("Unknown.")})
    if customer.status == CustomerStatus.FROZEN:
        raise AlreadyFrozen(_("This customer is already frozen."))
    if customer.status == CustomerStatus.CLOSED:
        raise AccountClosed(_("This account is closed."))
    freeze = CustomerFreeze(
        store_id=customer.store_id,
        customer_id=customer.id,
        reason=text,
        mode=str(mode),
        frozen_by=frozen_by,
        frozen_at=utcnow(),
    )
    customer.status = CustomerStatus.FROZEN
    db.session.add(freeze)
    db.session.flush()
    mail.queue_customer_mail("account_frozen", freeze.id, customer.id, customer.store_id)
    audit.record(
        actor,
        "customer.freeze",
        customer,
        {"reason": text, "mode": str(mode)},
        ip,
        store_id=customer.store_id,
    )
    db.session.flush()
    return freeze


def mirror_freeze(freeze: CustomerFreeze) -> CustomerFreeze:
    """Tell the provider about a committed freeze and note the outcome on it (``synced`` or
    ``failed`` with the error: the local freeze stands either way). The caller commits."""
    customer = db.session.get(Customer, freeze.customer_id)
    assert customer is not None
    error = _provider_call(customer, True, freeze.reason, FreezeMode(freeze.mode))
    freeze.provider_state = "synced" if error is None else "failed"
    freeze.provider_error = error
    db.session.flush()
    return freeze


def unfreeze_customer(
    actor: Staff, customer: Customer, reason: str | None, ip: str | None = None
) -> CustomerFreeze | None:
    require_permission(actor, "customers.freeze")
    text = required_reason(reason)
    if customer.status != CustomerStatus.FROZEN:
        raise NotFrozen(_("This customer is not frozen."))
    freeze = active_freeze(customer)
    mode = FreezeMode(freeze.mode) if freeze else FreezeMode.ACCOUNT
    error = None
    if freeze is None or freeze.provider_state == "synced":
        error = _provider_call(customer, False, text, mode)
    if error is not None and customer.provider_customer_id:
        raise ProviderUnavailable(
            _("The cloud provider did not unfreeze the account; nothing changed. Try again.")
        )
    customer.status = (
        CustomerStatus.ACTIVE if customer.email_verified_at else CustomerStatus.PENDING_EMAIL
    )
    if freeze is not None:
        freeze.lifted_at, freeze.lift_reason = utcnow(), text
        freeze.lifted_by = f"{actor.name} <{actor.email}>"
    audit.record(actor, "customer.unfreeze", customer, {"reason": text}, ip)
    lifted = freeze.id if freeze is not None else f"c{customer.id}-{utcnow():%Y%m%d%H%M%S}"
    mail.queue_customer_mail("account_unfrozen", lifted, customer.id, customer.store_id)
    db.session.flush()
    return freeze


def freezes(actor: Staff, customer: Customer) -> Sequence[CustomerFreeze]:
    require_permission(actor, "customers.view")
    return db.session.scalars(
        select(CustomerFreeze)
        .where(CustomerFreeze.customer_id == customer.id)
        .order_by(CustomerFreeze.id.desc())
    ).all()
