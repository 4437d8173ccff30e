"""Store vouchers: issue, list, apply to an amount, redeem inside checkout, revoke, reclaim.

Checkout calls (the lead wires it in)::

    app = apply_voucher(customer, code, quote_or_amount, products)   # read-only preview
    use = redeem(customer, code, quote_or_amount, products, reference=f"order:{order.id}")
    # ... wallet debit of (total - use.amount) in the SAME transaction, then commit

``redeem`` locks the voucher row, re-checks everything, posts one balanced journal
transaction (vouchers outstanding -> revenue discount: ``vouchers_outstanding`` -d,
``revenue_discount`` +d) and never commits: the use commits or rolls back with the order.
It is idempotent per ``(voucher, reference)``.

The discount is ``min(face value remaining, amount)``: never negative, never more than what is
left on the voucher, never more than the amount. Issuing posts nothing to the ledger (a voucher
is a promise, not money moved); its unspent value is ``Voucher.remaining``.

Mirroring: a voucher restricted to one customer who is linked at the provider is mirrored with
``create_partner_coupons`` (when ``STOREFRONT_VOUCHER_QUOTA_ID`` names a coupon quota). An
upstream failure keeps the local voucher and marks it ``upstream_pending``;
``flask storefront sync-vouchers`` retries. Revoking a mirrored voucher reclaims it upstream
(``reclaim_pending`` until that succeeds).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from storefront.accounts.models import Customer, Staff
from storefront.accounts.permissions import require_permission
from storefront.billing import ledger, services
from storefront.billing.errors import BillingError
from storefront.billing.ledger import Leg
from storefront.billing.models import (
    AccountKind,
    JournalTransaction,
    TransactionKind,
    Voucher,
    VoucherRedemption,
    VoucherStatus,
    VoucherUpstream,
)
from storefront.extensions import db

log = logging.getLogger(__name__)

REVENUE_DISCOUNT = "revenue_discount"  # a store-revenue sub-account for voucher discounts
PRODUCTS = ("ecs", "evs", "vpc", "eip")
SERVICE_TYPES = {
    "ecs": "hws.service.type.ec2",
    "evs": "hws.service.type.ebs",
    "vpc": "hws.service.type.vpc",
    "eip": "hws.service.type.vpc",
}
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class VoucherError(BillingError):
    code = "invalid_voucher"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class VoucherNotFound(VoucherError):
    code = "voucher_not_found"


class VoucherNotApplicable(VoucherError):
    code = "voucher_not_applicable"


@dataclass(frozen=True)
class VoucherApplication:
    """What a voucher does to an amount: ``payable = amount - discount``."""

    voucher_id: int
    code: str
    amount: Decimal
    discount: Decimal
    payable: Decimal
    currency: str
    remaining_after: Decimal


def compute_discount(remaining: Decimal, amount: Decimal) -> Decimal:
    """``min(remaining, amount)``, never below zero, rounded to the minor unit."""
    return ledger.quantize(max(Decimal("0.00"), min(remaining, amount)))


def _amount_of(quote_or_amount: Any) -> Decimal:
    raw = getattr(quote_or_amount, "total", quote_or_amount)
    if isinstance(raw, Decimal):
        if not raw.is_finite() or raw < 0 or raw != ledger.quantize(raw):
            raise VoucherError("Bad amount.", "amount")
        return raw
    return ledger.parse_amount(raw)


def _products_of(quote_or_amount: Any, products: Iterable[str] | None) -> set[str]:
    if products is None:
        lines = getattr(quote_or_amount, "lines", None) or ()
        products = [getattr(line, "product_code", "") for line in lines]
    return {p for p in products if p}


def _find(customer: Customer, code: str) -> Voucher:
    voucher = db.session.scalar(
        select(Voucher)
        .where(Voucher.store_id == customer.store_id, Voucher.code == (code or "").strip().upper())
        .execution_options(all_stores=True, populate_existing=True)
    )
    if voucher is None:
        raise VoucherNotFound("No such voucher.", "code")
    return voucher


def _in_group(customer: Customer, group_id: int) -> bool:
    from storefront.catalog.models import CustomerGroupMember

    return (
        db.session.scalar(
            select(CustomerGroupMember.id)
            .where(
                CustomerGroupMember.group_id == group_id,
                CustomerGroupMember.customer_id == customer.id,
                CustomerGroupMember.store_id == customer.store_id,
            )
            .execution_options(all_stores=True)
        )
        is not None
    )


def _check(voucher: Voucher, customer: Customer, amount: Decimal, products: set[str]) -> Decimal:
    now = datetime.now(UTC)
    if voucher.status is not VoucherStatus.ACTIVE:
        raise VoucherNotApplicable("This voucher was revoked.", "code")
    if now < voucher.valid_from:
        raise VoucherNotApplicable("This voucher is not valid yet.", "code")
    if now >= voucher.valid_until:
        raise VoucherNotApplicable("This voucher has expired.", "code")
    if voucher.customer_id is not None and voucher.customer_id != customer.id:
        raise VoucherNotFound("No such voucher.", "code")
    if voucher.group_id is not None and not _in_group(customer, voucher.group_id):
        raise VoucherNotApplicable("This voucher is for another customer group.", "code")
    if voucher.usage_limit is not None and voucher.used_count >= voucher.usage_limit:
        raise VoucherNotApplicable("This voucher has been used up.", "code")
    if voucher.remaining <= 0:
        raise VoucherNotApplicable("This voucher has been used up.", "code")
    if voucher.products and not products <= set(voucher.products):
        raise VoucherNotApplicable("This voucher does not cover these products.", "code")
    if voucher.currency != services.store_currency(customer.store_id):
        raise VoucherNotApplicable("This voucher is in another currency.", "code")
    return compute_discount(voucher.remaining, amount)


def apply_voucher(
    customer: Customer,
    code: str,
    quote_or_amount: Any,
    products: Sequence[str] | None = None,
) -> VoucherApplication:
    """Preview ``code`` on an amount (a ``Decimal``/string, or a quote with ``total`` and
    ``lines[].product_code``) for ``products`` (product codes; taken from the quote's lines when
    ``None``). Read-only. Raises ``VoucherNotFound`` / ``VoucherNotApplicable``."""
    amount = _amount_of(quote_or_amount)
    voucher = _find(customer, code)
    discount = _check(voucher, customer, amount, _products_of(quote_or_amount, products))
    return VoucherApplication(
        voucher_id=voucher.id,
        code=voucher.code,
        amount=amount,
        discount=discount,
        payable=ledger.quantize(amount - discount),
        currency=voucher.currency,
        remaining_after=ledger.quantize(voucher.remaining - discount),
    )


def redeem(
    customer: Customer,
    code: str,
    quote_or_amount: Any,
    products: Sequence[str] | None = None,
    *,
    reference: str,
) -> VoucherRedemption:
    """Use the voucher on ``reference`` (e.g. ``order:42``) inside the caller's transaction.

    Locks the voucher, re-checks it, lowers ``remaining``, counts the use and posts
    vouchers outstanding -> revenue discount. Does NOT commit. A second call with the same
    reference returns the first redemption and changes nothing. A zero discount (amount 0)
    raises ``VoucherNotApplicable``.
    """
    if not reference or len(reference) > 128:
        raise VoucherError("A reference (1..128 characters) is required.", "reference")
    amount = _amount_of(quote_or_amount)
    found = _find(customer, code)
    voucher = ledger.lock_row(Voucher, found.id, "used_count")
    assert voucher is not None
    earlier = db.session.scalar(
        select(VoucherRedemption)
        .where(VoucherRedemption.voucher_id == voucher.id, VoucherRedemption.reference == reference)
        .execution_options(all_stores=True)
    )
    if earlier is not None:
        return earlier
    discount = _check(voucher, customer, amount, _products_of(quote_or_amount, products))
    if discount <= 0:
        raise VoucherNotApplicable("Nothing to discount.", "code")
    currency = voucher.currency
    outstanding = ledger.store_account(
        customer.store_id, AccountKind.VOUCHERS_OUTSTANDING, currency
    )
    revenue_discount = ledger._account(
        customer.store_id, REVENUE_DISCOUNT, AccountKind.STORE_REVENUE, None, currency
    )
    txn: JournalTransaction = ledger.post(
        store_id=customer.store_id,
        currency=currency,
        kind=TransactionKind.DEBIT,
        legs=[Leg(outstanding, -discount), Leg(revenue_discount, discount)],
        memo=f"voucher {voucher.code}",
        reference=reference,
        customer_id=customer.id,
    )
    voucher.remaining = ledger.quantize(voucher.remaining - discount)
    voucher.used_count += 1
    use = VoucherRedemption(
        store_id=customer.store_id,
        voucher_id=voucher.id,
        customer_id=customer.id,
        amount=discount,
        reference=reference,
        transaction_id=txn.id,
    )
    db.session.add(use)
    db.session.flush()
    return use


# --- staff: issue, list, revoke ---------------------------------------------------------------


def _new_code() -> str:
    return "V" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(11))


def issue_voucher(
    staff: Staff,
    *,
    face_value: Any,
    valid_from: datetime,
    valid_until: datetime,
    products: Sequence[str] = (),
    customer: Customer | None = None,
    group_id: int | None = None,
    usage_limit: int | None = None,
    memo: str = "",
    mirror: bool = True,
) -> Voucher:
    """Issue a voucher (owner/finance). Commits, then mirrors it upstream when it can."""
    require_permission(staff, "vouchers.manage")
    value = ledger.parse_amount(face_value)
    if valid_from.tzinfo is None or valid_until.tzinfo is None:
        raise VoucherError("Give the validity window with a time zone.", "valid_until")
    if valid_until <= valid_from:
        raise VoucherError("The voucher must end after it starts.", "valid_until")
    if valid_until <= datetime.now(UTC):
        raise VoucherError("The voucher would already have expired.", "valid_until")
    unknown = set(products) - set(PRODUCTS)
    if unknown:
        raise VoucherError(f"Unknown products: {', '.join(sorted(unknown))}.", "products")
    if usage_limit is not None and not 1 <= usage_limit <= 1_000_000:
        raise VoucherError("The usage limit is 1 or more.", "usage_limit")
    if customer is not None and customer.store_id != staff.store_id:
        raise VoucherError("No such customer.", "customer")
    if customer is not None and group_id is not None:
        raise VoucherError("Restrict to a customer or to a group, not both.", "group")
    if group_id is not None:
        from storefront.catalog.models import CustomerGroup

        group = db.session.get(CustomerGroup, group_id)
        if group is None or group.store_id != staff.store_id:
            raise VoucherError("No such customer group.", "group")
    linked = customer is not None and bool(customer.provider_customer_id)
    quota = _quota_id()
    voucher = Voucher(
        store_id=staff.store_id,
        code=_new_code(),
        face_value=value,
        remaining=value,
        currency=services.store_currency(staff.store_id),
        valid_from=valid_from,
        valid_until=valid_until,
        products=sorted(set(products)),
        customer_id=customer.id if customer is not None else None,
        group_id=group_id,
        usage_limit=usage_limit,
        used_count=0,
        status=VoucherStatus.ACTIVE,
        upstream=(
            VoucherUpstream.PENDING if (linked and quota and mirror) else VoucherUpstream.LOCAL
        ),
        memo=(memo or "").strip()[:255],
        created_by_id=staff.id,
    )
    db.session.add(voucher)
    db.session.commit()
    if voucher.upstream is VoucherUpstream.PENDING:
        push_upstream(voucher)
    return voucher


def list_vouchers(staff: Staff, status: str | None = None, limit: int = 200) -> list[Voucher]:
    require_permission(staff, "money.view")
    query = (
        select(Voucher)
        .where(Voucher.store_id == staff.store_id)
        .order_by(Voucher.id.desc())
        .limit(limit)
        .execution_options(all_stores=True)
    )
    if status in {s.value for s in VoucherStatus}:
        query = query.where(Voucher.status == VoucherStatus(status))
    return list(db.session.scalars(query))


def customer_vouchers(customer: Customer) -> list[Voucher]:
    """Vouchers this customer may use: theirs, their groups', and the store's open ones."""
    from storefront.catalog.models import CustomerGroupMember

    groups = select(CustomerGroupMember.group_id).where(
        CustomerGroupMember.customer_id == customer.id
    )
    query = (
        select(Voucher)
        .where(
            Voucher.store_id == customer.store_id,
            (Voucher.customer_id == customer.id)
            | (Voucher.group_id.in_(groups))
            | ((Voucher.customer_id.is_(None)) & (Voucher.group_id.is_(None))),
        )
        .order_by(Voucher.valid_until)
        .execution_options(all_stores=True)
    )
    return list(db.session.scalars(query))


def revoke_voucher(staff: Staff, voucher_id: int) -> Voucher:
    """Revoke (owner/finance): no further use; reclaimed upstream if mirrored. Commits."""
    require_permission(staff, "vouchers.manage")
    voucher = ledger.lock_row(Voucher, voucher_id, "used_count")
    if voucher is None or voucher.store_id != staff.store_id:
        db.session.rollback()
        raise VoucherNotFound("No such voucher.")
    _revoke(voucher)
    db.session.commit()
    if voucher.upstream is VoucherUpstream.RECLAIM_PENDING:
        pull_upstream(voucher)
    return voucher


def _revoke(voucher: Voucher) -> None:
    if voucher.status is VoucherStatus.REVOKED:
        return
    voucher.status = VoucherStatus.REVOKED
    voucher.revoked_at = datetime.now(UTC)
    if voucher.upstream is VoucherUpstream.MIRRORED:
        voucher.upstream = VoucherUpstream.RECLAIM_PENDING
    elif voucher.upstream is VoucherUpstream.PENDING:
        voucher.upstream = VoucherUpstream.LOCAL  # never reached the provider


def reclaim_store_vouchers(customer: Customer) -> list[Voucher]:
    """The association switch: the store's vouchers go back to the store (partner).

    Revokes every active voucher issued to this customer alone (group and store-wide vouchers
    simply stop applying once the customer has left) and reclaims mirrored ones at the provider
    (``reclaim_pending`` until it succeeds). Vouchers the provider issued are not ours and are
    untouched. Commits; returns the vouchers revoked.
    """
    ids = db.session.scalars(
        select(Voucher.id)
        .where(
            Voucher.store_id == customer.store_id,
            Voucher.customer_id == customer.id,
            Voucher.status == VoucherStatus.ACTIVE,
        )
        .execution_options(all_stores=True)
    ).all()
    revoked: list[Voucher] = []
    for voucher_id in ids:
        voucher = ledger.lock_row(Voucher, voucher_id, "used_count")
        if voucher is not None and voucher.status is VoucherStatus.ACTIVE:
            _revoke(voucher)
            revoked.append(voucher)
    db.session.commit()
    for voucher in revoked:
        if voucher.upstream is VoucherUpstream.RECLAIM_PENDING:
            pull_upstream(voucher)
    return revoked


# --- the provider mirror ------------------------------------------------------------------------


def _quota_id() -> str | None:
    from storefront.billing.topup import wallet_settings

    return wallet_settings().voucher_quota_id


def push_upstream(voucher: Voucher) -> bool:
    """Create the voucher's coupon at the provider; on failure stay ``upstream_pending``."""
    from storefront.cloud.interface import CloudError
    from storefront.extensions import cloud_provider

    customer = db.session.scalar(
        select(Customer).where(Customer.id == voucher.customer_id).execution_options(
            all_stores=True
        )
    )
    quota = _quota_id()
    if customer is None or not customer.provider_customer_id or not quota:
        return False
    try:
        provider = cloud_provider()
        existing = _adoptable(provider, customer.provider_customer_id, voucher)
        coupon_id = existing or provider.create_partner_coupons(
            quota_id=quota,
            customer_ids=[customer.provider_customer_id],
            face_value=voucher.face_value,
            valid_from=voucher.valid_from,
            valid_until=voucher.valid_until,
            cloud_service_types=sorted({SERVICE_TYPES[p] for p in voucher.products}),
            memo=f"storefront voucher {voucher.code}",
        )[0].coupon_id
    except (CloudError, IndexError) as exc:
        voucher.upstream_error = str(exc)[:255]
        db.session.commit()
        log.warning("voucher %s not mirrored yet: %s", voucher.code, exc)
        return False
    voucher.upstream_coupon_id = coupon_id
    voucher.upstream = VoucherUpstream.MIRRORED
    voucher.upstream_error = None
    db.session.commit()
    return True


def _adoptable(provider: Any, provider_customer_id: str, voucher: Voucher) -> str | None:
    """A coupon an earlier, ambiguous attempt may have created (same value and window, not
    linked to another voucher): adopt it instead of issuing twice."""
    if voucher.upstream_error is None:
        return None  # first attempt: nothing can exist yet
    taken = set(
        db.session.scalars(
            select(Voucher.upstream_coupon_id)
            .where(Voucher.upstream_coupon_id.is_not(None))
            .execution_options(all_stores=True)
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
    """Reclaim the voucher's coupon at the provider; on failure stay ``reclaim_pending``."""
    from storefront.cloud.interface import CloudError, UpstreamRejected
    from storefront.extensions import cloud_provider

    if not voucher.upstream_coupon_id:
        voucher.upstream = VoucherUpstream.LOCAL
        db.session.commit()
        return True
    try:
        cloud_provider().reclaim_partner_coupons(coupon_id=voucher.upstream_coupon_id)
    except UpstreamRejected as exc:
        voucher.upstream_error = str(exc)[:255]  # e.g. already used up there: staff decide
        db.session.commit()
        return False
    except CloudError as exc:
        voucher.upstream_error = str(exc)[:255]
        db.session.commit()
        return False
    voucher.upstream = VoucherUpstream.RECLAIMED
    voucher.upstream_error = None
    db.session.commit()
    return True


def sync_vouchers() -> tuple[int, int]:
    """Retry every ``upstream_pending`` and ``reclaim_pending`` voucher (all stores).

    Returns ``(done, still_pending)``.
    """
    ids = db.session.scalars(
        select(Voucher.id)
        .where(Voucher.upstream.in_([VoucherUpstream.PENDING, VoucherUpstream.RECLAIM_PENDING]))
        .order_by(Voucher.id)
        .execution_options(all_stores=True)
    ).all()
    done = pending = 0
    for voucher_id in ids:
        voucher = db.session.scalar(
            select(Voucher).where(Voucher.id == voucher_id).execution_options(all_stores=True)
        )
        assert voucher is not None
        if voucher.upstream is VoucherUpstream.PENDING:
            ok = voucher.status is VoucherStatus.ACTIVE and push_upstream(voucher)
            if voucher.status is not VoucherStatus.ACTIVE:
                voucher.upstream = VoucherUpstream.LOCAL
                db.session.commit()
                ok = True
        else:
            ok = pull_upstream(voucher)
        done, pending = (done + 1, pending) if ok else (done, pending + 1)
    return done, pending
