"""Store vouchers: issue, list, apply to an amount, redeem inside checkout, revoke, reclaim.

Checkout calls::

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

Mirroring at the provider is :mod:`storefront.billing.voucher_mirror`: the functions here only
mark a voucher ``upstream_pending`` (issued to a linked customer) or ``reclaim_pending``
(revoked after it was mirrored); the caller commits, then mirrors.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from storefront.accounts.models import Customer, Staff
from storefront.accounts.permissions import require_permission
from storefront.billing import ledger, services, voucher_mirror
from storefront.billing.errors import VoucherError, VoucherNotApplicable, VoucherNotFound
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
from storefront.catalog.models import CustomerGroup, CustomerGroupMember
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.stores.tenancy import in_store
from storefront.transactions import commit_step

sync_vouchers = voucher_mirror.sync_vouchers  # the sync-vouchers command's body

REVENUE_DISCOUNT = "revenue_discount"  # a store-revenue sub-account for voucher discounts
PRODUCTS = ("ecs", "evs", "vpc", "eip")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


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
            raise VoucherError(_("Bad amount."), "amount")
        return raw
    return ledger.parse_amount(raw)


def _products_of(quote_or_amount: Any, products: Iterable[str] | None) -> set[str]:
    if products is None:
        lines = getattr(quote_or_amount, "lines", None) or ()
        products = [getattr(line, "product_code", "") for line in lines]
    return {p for p in products if p}


def _find(customer: Customer, code: str) -> Voucher:
    voucher = db.session.scalar(
        in_store(
            select(Voucher)
            .where(Voucher.code == (code or "").strip().upper())
            .execution_options(populate_existing=True),
            customer.store_id,
        )
    )
    if voucher is None:
        raise VoucherNotFound(_("No such voucher."), "code")
    return voucher


def _in_group(customer: Customer, group_id: int) -> bool:
    member = select(CustomerGroupMember.id).where(
        CustomerGroupMember.group_id == group_id, CustomerGroupMember.customer_id == customer.id
    )
    return db.session.scalar(in_store(member, customer.store_id)) is not None


def _check(voucher: Voucher, customer: Customer, amount: Decimal, products: set[str]) -> Decimal:
    now = utcnow()
    if voucher.status is not VoucherStatus.ACTIVE:
        raise VoucherNotApplicable(_("This voucher was revoked."), "code")
    if now < voucher.valid_from:
        raise VoucherNotApplicable(_("This voucher is not valid yet."), "code")
    if now >= voucher.valid_until:
        raise VoucherNotApplicable(_("This voucher has expired."), "code")
    if voucher.customer_id is not None and voucher.customer_id != customer.id:
        raise VoucherNotFound(_("No such voucher."), "code")
    if voucher.group_id is not None and not _in_group(customer, voucher.group_id):
        raise VoucherNotApplicable(_("This voucher is for another customer group."), "code")
    if voucher.usage_limit is not None and voucher.used_count >= voucher.usage_limit:
        raise VoucherNotApplicable(_("This voucher has been used up."), "code")
    if voucher.remaining <= 0:
        raise VoucherNotApplicable(_("This voucher has been used up."), "code")
    if voucher.products and not products <= set(voucher.products):
        raise VoucherNotApplicable(_("This voucher does not cover these products."), "code")
    if voucher.currency != services.store_currency(customer.store_id):
        raise VoucherNotApplicable(_("This voucher is in another currency."), "code")
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
        raise VoucherError(_("A reference (1..128 characters) is required."), "reference")
    amount = _amount_of(quote_or_amount)
    found = _find(customer, code)
    voucher = ledger.lock_row(Voucher, found.id, "used_count", customer.store_id)
    assert voucher is not None
    earlier = db.session.scalar(
        in_store(
            select(VoucherRedemption).where(
                VoucherRedemption.voucher_id == voucher.id,
                VoucherRedemption.reference == reference,
            ),
            customer.store_id,
        )
    )
    if earlier is not None:
        return earlier
    discount = _check(voucher, customer, amount, _products_of(quote_or_amount, products))
    if discount <= 0:
        raise VoucherNotApplicable(_("Nothing to discount."), "code")
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
    return "V" + "".join(secrets.choice(CODE_ALPHABET) for _position in range(11))


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
    """Issue a voucher (owner/finance). Flushes.

    A voucher for one customer linked at the provider comes back ``upstream_pending`` (when a
    coupon quota is configured and ``mirror``): the caller commits, then mirrors it with
    :func:`storefront.billing.voucher_mirror.push_upstream`.
    """
    require_permission(staff, "vouchers.manage")
    value = ledger.parse_amount(face_value)
    if valid_from.tzinfo is None or valid_until.tzinfo is None:
        raise VoucherError(_("Give the validity window with a time zone."), "valid_until")
    if valid_until <= valid_from:
        raise VoucherError(_("The voucher must end after it starts."), "valid_until")
    if valid_until <= utcnow():
        raise VoucherError(_("The voucher would already have expired."), "valid_until")
    unknown = set(products) - set(PRODUCTS)
    if unknown:
        raise VoucherError(
            _("Unknown products: %(products)s.", products=", ".join(sorted(unknown))), "products"
        )
    if usage_limit is not None and not 1 <= usage_limit <= 1_000_000:
        raise VoucherError(_("The usage limit is 1 or more."), "usage_limit")
    if customer is not None and customer.store_id != staff.store_id:
        raise VoucherError(_("No such customer."), "customer")
    if customer is not None and group_id is not None:
        raise VoucherError(_("Restrict to a customer or to a group, not both."), "group")
    if group_id is not None:
        group = db.session.get(CustomerGroup, group_id)
        if group is None or group.store_id != staff.store_id:
            raise VoucherError(_("No such customer group."), "group")
    linked = customer is not None and bool(customer.provider_customer_id)
    quota = voucher_mirror.quota_id()
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
    db.session.flush()
    return voucher


def list_vouchers(staff: Staff, status: str | None = None, limit: int = 200) -> list[Voucher]:
    require_permission(staff, "money.view")
    query = in_store(select(Voucher).order_by(Voucher.id.desc()).limit(limit), staff.store_id)
    if status in {s.value for s in VoucherStatus}:
        query = query.where(Voucher.status == VoucherStatus(status))
    return list(db.session.scalars(query))


def customer_vouchers(customer: Customer) -> list[Voucher]:
    """Vouchers this customer may use: theirs, their groups', and the store's open ones."""
    groups = select(CustomerGroupMember.group_id).where(
        CustomerGroupMember.customer_id == customer.id
    )
    query = in_store(
        select(Voucher)
        .where(
            (Voucher.customer_id == customer.id)
            | (Voucher.group_id.in_(groups))
            | ((Voucher.customer_id.is_(None)) & (Voucher.group_id.is_(None))),
        )
        .order_by(Voucher.valid_until),
        customer.store_id,
    )
    return list(db.session.scalars(query))


def revoke_voucher(staff: Staff, voucher_id: int) -> Voucher:
    """Revoke (owner/finance): no further use. Flushes; a mirrored voucher comes back
    ``reclaim_pending``: the caller commits, then reclaims it with
    :func:`storefront.billing.voucher_mirror.pull_upstream`."""
    require_permission(staff, "vouchers.manage")
    voucher = ledger.lock_row(Voucher, voucher_id, "used_count", staff.store_id)
    if voucher is None:
        raise VoucherNotFound(_("No such voucher."))
    _revoke(voucher)
    db.session.flush()
    return voucher


def _revoke(voucher: Voucher) -> None:
    if voucher.status is VoucherStatus.REVOKED:
        return
    voucher.status = VoucherStatus.REVOKED
    voucher.revoked_at = utcnow()
    if voucher.upstream is VoucherUpstream.MIRRORED:
        voucher.upstream = VoucherUpstream.RECLAIM_PENDING
    elif voucher.upstream is VoucherUpstream.PENDING:
        voucher.upstream = VoucherUpstream.LOCAL  # never reached the provider


def revoke_customer_vouchers(customer: Customer) -> list[Voucher]:
    """Revoke every active voucher issued to this customer alone (group and store-wide
    vouchers simply stop applying once the customer has left). Flushes; returns the vouchers
    revoked (mirrored ones ``reclaim_pending``: commit, then
    :func:`storefront.billing.voucher_mirror.pull_upstream` each)."""
    ids = db.session.scalars(
        in_store(
            select(Voucher.id).where(
                Voucher.customer_id == customer.id, Voucher.status == VoucherStatus.ACTIVE
            ),
            customer.store_id,
        )
    ).all()
    revoked: list[Voucher] = []
    for voucher_id in ids:
        voucher = ledger.lock_row(Voucher, voucher_id, "used_count", customer.store_id)
        if voucher is not None and voucher.status is VoucherStatus.ACTIVE:
            _revoke(voucher)
            revoked.append(voucher)
    db.session.flush()
    return revoked


def reclaim_store_vouchers(customer: Customer) -> list[Voucher]:
    """The association switch: the store's vouchers go back to the store (partner).

    :func:`revoke_customer_vouchers`, committed (with whatever the switch changed before it),
    then each mirrored voucher reclaimed at the provider, its outcome committed. Vouchers the
    provider issued are not ours and are untouched. This is the switch's own unit of work
    (``backoffice.association``): the provider calls must follow a commit, so it commits.
    """
    revoked = revoke_customer_vouchers(customer)
    commit_step("durable first: the vouchers revoked before the provider reclaims them")
    voucher_mirror.reclaim_all(revoked)
    commit_step("durable first: the provider's answers")
    return revoked
