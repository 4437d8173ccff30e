"""The association switch: a customer leaves the partner (and so this store).

What happens, following the provider's rules:

- vouchers the provider issued stay with the customer: they are the provider's, not ours, so
  nothing is done locally; the settlement records it;
- vouchers the store (partner) issued go back to the partner: ``reclaim_store_vouchers`` revokes
  them here and reclaims mirrored ones upstream with ``reclaim_partner_coupons``;
- cash coupons go back to their issuer: recorded in the settlement (the store issues none);
- what was paid to the partner but not consumed (the wallet balance, plus the unconsumed part of
  active prepaid resources, pro rata to the time left) is recorded as an
  :class:`AssociationSettlement` for staff to settle offline. The wallet is NOT zeroed, moved or
  refunded: the system neither keeps nor returns the money silently;
- the customer's status becomes ``CLOSED``: login and API tokens stop working;
- an audit entry, and a mail to the customer summarising the settlement in their language.

Nothing tells the provider: Huawei Cloud's partner API (BSS v2, ``huaweicloudsdkbss``) has no
call that ends a customer association; the partner administrator disassociates the customer in
Partner Center (Sales > Customers > Customer Management > More > Disassociate) and the customer
confirms under My Account > My Partner (or the customer asks for it from their side). So each
settlement carries a checklist item staff complete with :func:`record_provider_unbound`: done in
Partner Center on <date> by <who>, audited.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront.accounts.models import Customer, CustomerStatus, Staff
from storefront.accounts.permissions import require_permission
from storefront.backoffice import audit
from storefront.backoffice.association_models import AssociationSettlement, SettlementStatus
from storefront.backoffice.errors import (
    AccountClosed,
    AlreadyRecorded,
    AlreadySettled,
    BackofficeError,
    NotFound,
)
from storefront.billing import ledger
from storefront.billing import services as billing
from storefront.billing.models import (
    Order,
    OrderLine,
    Resource,
    Voucher,
    VoucherStatus,
    Wallet,
)
from storefront.billing.vouchers import reclaim_store_vouchers
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.mail import send_template
from storefront.stores.tenancy import in_store

log = logging.getLogger(__name__)

PERMISSION = "customers.association"
CENT = Decimal("0.01")
PREPAID_LIVE = ("active", "stopped", "frozen")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _clean_reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if len(text) < 3:
        raise BackofficeError(
            _("Give a reason."), fields={"reason": _("Give a reason (at least 3 characters).")}
        )
    if len(text) > 500:
        raise BackofficeError(_("The reason is too long."), fields={"reason": _("Too long.")})
    return text


@dataclass(frozen=True)
class PrepaidShare:
    resource_id: int
    provider_resource_id: str
    product_code: str
    paid: Decimal
    unconsumed: Decimal
    expires_at: datetime


def prepaid_unconsumed(customer: Customer, at: datetime | None = None) -> list[PrepaidShare]:
    """The unconsumed value of the customer's live prepaid resources, pro rata to time left.

    A resource's paid value is its order line's amount, less its share of the order's voucher
    discount and refunds, split evenly over the line's resources; the unconsumed part is that value
    times ``(expires_at - at) / (expires_at - start)``, where ``start`` is when the order became
    active (or was paid, or the resource was created).
    """
    at = at or utcnow()
    rows = db.session.execute(
        in_store(
            select(Resource, OrderLine, Order)
            .join(OrderLine, OrderLine.id == Resource.order_line_id)
            .join(Order, Order.id == OrderLine.order_id)
            .where(
                Resource.customer_id == customer.id,
                Resource.billing_mode != "on_demand",
                Resource.status.in_(PREPAID_LIVE),
                Resource.expires_at.is_not(None),
            )
            .order_by(Resource.id),
            customer.store_id,
        )
    ).all()
    shares: list[PrepaidShare] = []
    for resource, line, order in rows:
        expires = _aware(resource.expires_at)
        start = _aware(order.active_at or order.paid_at or resource.created_at)
        if expires is None or start is None or expires <= at or expires <= start:
            continue
        if order.total <= 0:
            continue
        paid_ratio = (order.total - order.discount - order.refunded_amount) / order.total
        count = max(1, len(line.provider_resource_ids))
        paid = max(Decimal("0"), line.amount * paid_ratio / count)
        left = Decimal((expires - max(at, start)).total_seconds())
        whole = Decimal((expires - start).total_seconds())
        unconsumed = _money(paid * left / whole)
        if unconsumed > 0:
            shares.append(
                PrepaidShare(
                    resource.id,
                    resource.provider_resource_id,
                    resource.product_code,
                    _money(paid),
                    unconsumed,
                    expires,
                )
            )
    return shares


@dataclass(frozen=True)
class Preview:
    """What the switch would do, for the confirmation step."""

    wallet_balance: Decimal
    prepaid: list[PrepaidShare]
    prepaid_unconsumed: Decimal
    total: Decimal
    currency: str
    store_vouchers: list[str]


def preview(actor: Staff, customer: Customer) -> Preview:
    require_permission(actor, PERMISSION)
    wallet = billing.balance(customer)
    shares = prepaid_unconsumed(customer)
    prepaid = _money(sum((s.unconsumed for s in shares), Decimal("0")))
    codes = db.session.scalars(
        in_store(
            select(Voucher.code)
            .where(Voucher.customer_id == customer.id, Voucher.status == VoucherStatus.ACTIVE)
            .order_by(Voucher.id),
            customer.store_id,
        )
    ).all()
    return Preview(
        wallet_balance=wallet,
        prepaid=shares,
        prepaid_unconsumed=prepaid,
        total=_money(wallet + prepaid),
        currency=billing.store_currency(customer.store_id),
        store_vouchers=list(codes),
    )


def _locked_balance(customer: Customer) -> Decimal:
    """The wallet balance, read under the wallet's row lock (waits for in-flight debits)."""
    wallet_id = db.session.scalar(
        in_store(select(Wallet.id).where(Wallet.customer_id == customer.id), customer.store_id)
    )
    if wallet_id is None:
        return Decimal("0.00")
    wallet = ledger.lock_row(Wallet, wallet_id, "updated_at")
    return ledger.quantize(wallet.balance) if wallet is not None else Decimal("0.00")


def switch_association(
    actor: Staff, customer: Customer, reason: str | None, ip: str | None = None
) -> AssociationSettlement:
    """The customer leaves the partner: close the account, reclaim the store's vouchers, record
    the settlement, audit. The caller commits, then mails the customer (:func:`mail_settlement`).
    """
    require_permission(actor, PERMISSION)
    text = _clean_reason(reason)
    if customer.store_id != actor.store_id:
        raise NotFound(_("No such customer."))
    if customer.status == CustomerStatus.CLOSED:
        raise AccountClosed(_("This account is closed."))
    # Closed first: once this is committed the customer can neither log in nor spend.
    previous_status = str(customer.status)
    customer.status = CustomerStatus.CLOSED
    revoked = reclaim_store_vouchers(customer)
    settlement = _record_settlement(actor, customer, text, revoked, previous_status)
    audit.record(
        actor,
        "customer.association_switch",
        customer,
        {
            "reason": text,
            "settlement_id": settlement.id,
            "wallet_balance": str(settlement.wallet_balance),
            "prepaid_unconsumed": str(settlement.prepaid_unconsumed),
            "vouchers_reclaimed": [v.code for v in revoked],
        },
        ip,
        store_id=customer.store_id,
    )
    db.session.flush()
    return settlement


def _record_settlement(
    actor: Staff, customer: Customer, reason: str, revoked: list[Voucher], previous_status: str
) -> AssociationSettlement:
    """What was paid to the partner and not consumed, for staff to settle offline."""
    at = utcnow()
    wallet = _locked_balance(customer)  # the wallet's row lock is held until the caller commits
    shares = prepaid_unconsumed(customer, at)
    prepaid = _money(sum((s.unconsumed for s in shares), Decimal("0")))
    settlement = AssociationSettlement(
        store_id=customer.store_id,
        customer_id=customer.id,
        currency=billing.store_currency(customer.store_id),
        wallet_balance=wallet,
        prepaid_unconsumed=prepaid,
        total=_money(wallet + prepaid),
        status=SettlementStatus.OPEN,
        reason=reason,
        details=_settlement_details(revoked, shares, previous_status),
        created_by_id=actor.id,
        created_at=at,
    )
    db.session.add(settlement)
    db.session.flush()
    return settlement


def _settlement_details(
    revoked: list[Voucher], shares: list[PrepaidShare], previous_status: str
) -> dict[str, Any]:
    """The settlement's record of each kind of value and where it goes."""
    return {
        "store_vouchers_reclaimed": [
            {
                "code": v.code,
                "remaining": str(v.remaining),
                "upstream": str(v.upstream),
                "upstream_coupon_id": v.upstream_coupon_id,
            }
            for v in revoked
        ],
        "provider_vouchers": "kept by the customer (issued by the provider; nothing to do here)",
        "cash_coupons": "returned to their issuer (none issued by this store)",
        "prepaid_resources": [
            {
                "resource_id": s.resource_id,
                "provider_resource_id": s.provider_resource_id,
                "product": s.product_code,
                "paid": str(s.paid),
                "unconsumed": str(s.unconsumed),
                "expires_at": s.expires_at.isoformat(),
            }
            for s in shares
        ],
        "previous_status": previous_status,
        "provider_association": "to end in Partner Center: the provider has no API for it",
    }


def mail_settlement(customer: Customer, settlement: AssociationSettlement) -> None:
    """Tell the customer what the committed switch settled, in their language."""
    try:
        send_template(
            "backoffice_association",
            to=customer.email,
            subject=_l("Your account has left this store"),
            locale=customer.locale,
            customer=customer,
            settlement=settlement,
        )
    except Exception:  # the switch is done; a mail failure must not undo or hide it
        log.exception("association switch mail to customer %s failed", customer.id)


def list_settlements(
    actor: Staff, status: str | None = None, limit: int = 200
) -> Sequence[tuple[AssociationSettlement, Customer]]:
    """``status``: open | settled | partner_center (not yet disassociated at the provider)."""
    require_permission(actor, "money.view")
    query = in_store(
        select(AssociationSettlement, Customer)
        .join(Customer, Customer.id == AssociationSettlement.customer_id)
        .order_by(AssociationSettlement.id.desc())
        .limit(limit),
        actor.store_id,
    )
    if status in {s.value for s in SettlementStatus}:
        query = query.where(AssociationSettlement.status == SettlementStatus(status))
    elif status == "partner_center":
        query = query.where(AssociationSettlement.provider_unbound_on.is_(None))
    return [(s, c) for s, c in db.session.execute(query).all()]


def settlements_for(actor: Staff, customer: Customer) -> Sequence[AssociationSettlement]:
    require_permission(actor, "customers.view")
    return db.session.scalars(
        in_store(
            select(AssociationSettlement)
            .where(AssociationSettlement.customer_id == customer.id)
            .order_by(AssociationSettlement.id.desc()),
            actor.store_id,
        )
    ).all()


def _own_settlement(actor: Staff, settlement_id: int) -> AssociationSettlement:
    """One of the actor's store's settlements, or a 404."""
    settlement = db.session.scalar(
        in_store(
            select(AssociationSettlement).where(AssociationSettlement.id == settlement_id),
            actor.store_id,
        )
    )
    if settlement is None:
        raise NotFound(_("No such settlement."))
    return settlement


def mark_settled(
    actor: Staff, settlement_id: int, note: str | None, ip: str | None = None
) -> AssociationSettlement:
    """Staff record that the settlement was done offline (owner/finance)."""
    require_permission(actor, "funds.manage")
    text = _clean_reason(note)
    settlement = _own_settlement(actor, settlement_id)
    if settlement.status is SettlementStatus.SETTLED:
        raise AlreadySettled(_("This settlement is already settled."))
    settlement.status = SettlementStatus.SETTLED
    settlement.settled_by_id = actor.id
    settlement.settled_at = utcnow()
    settlement.settled_note = text
    audit.record(
        actor,
        "association.settled",
        f"settlement:{settlement.id}",
        {"note": text, "total": str(settlement.total)},
        ip,
        store_id=actor.store_id,
    )
    db.session.flush()
    return settlement


def record_provider_unbound(
    actor: Staff,
    settlement_id: int,
    done_on: date | None,
    done_by: str | None,
    note: str | None = None,
    ip: str | None = None,
) -> AssociationSettlement:
    """Record that the customer was disassociated in the provider's Partner Center: on which
    day, by whom (the partner administrator who did it), optional note. Once per settlement."""
    require_permission(actor, PERMISSION)
    settlement = _own_settlement(actor, settlement_id)
    if settlement.provider_unbound_on is not None:
        raise AlreadyRecorded(_("The Partner Center step is already recorded."))
    fields: dict[str, Any] = {}
    switched_on = (_aware(settlement.created_at) or utcnow()).date()
    if done_on is None:
        fields["done_on"] = _("Give the day it was done.")
    # a day of slack either way: staff write their local date, the switch is stamped in UTC
    elif not switched_on - timedelta(days=1) <= done_on <= utcnow().date() + timedelta(days=1):
        fields["done_on"] = _("Use a day between the switch and today.")
    who = " ".join((done_by or "").split())
    if len(who) < 2 or len(who) > 255:
        fields["done_by"] = _("Say who did it in Partner Center.")
    text = " ".join((note or "").split())
    if len(text) > 500:
        fields["note"] = _("Too long.")
    if fields:
        raise BackofficeError(_("Please correct the marked fields."), fields=fields)
    settlement.provider_unbound_on = done_on
    settlement.provider_unbound_by = who
    settlement.provider_unbound_note = text or None
    settlement.provider_unbound_staff_id = actor.id
    settlement.provider_unbound_recorded_at = utcnow()
    customer = db.session.scalar(
        in_store(select(Customer).where(Customer.id == settlement.customer_id), actor.store_id)
    )
    audit.record(
        actor,
        "association.provider_unbound",
        customer if customer is not None else f"settlement:{settlement.id}",
        {
            "settlement_id": settlement.id,
            "done_on": done_on.isoformat() if done_on else None,
            "done_by": who,
            "note": text or None,
            "where": "Partner Center (no provider API)",
        },
        ip,
        store_id=actor.store_id,
    )
    db.session.flush()
    return settlement
