"""Orders: buy a quote. Prepaid orders debit the wallet in the transaction that creates them.

``place_order`` is one unit of work (idempotent on its key, commits): the order, its lines,
the wallet debit (wallet -> provider prepayment at partner cost + store revenue for the margin)
and the provisioning job commit together or not at all. Nothing here calls the provider:
provisioning runs afterwards (:mod:`storefront.billing.provisioning`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from flask_babel import gettext as _
from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from storefront import mail
from storefront.accounts.models import Customer
from storefront.billing import checkout, events, ledger, services, vouchers, worker
from storefront.billing.errors import (
    AccountFrozen,
    AccountInactive,
    BelowMinimumBalance,
    EmailUnconfirmed,
    InvalidCursor,
    OrderError,
    QuoteAlreadyOrdered,
    QuoteExpired,
    QuoteNotFound,
    RealnamePending,
    RealnameRequired,
    StoreFrozen,
    VoucherNotApplicable,
)
from storefront.billing.idempotency import run_once
from storefront.billing.ledger import Leg
from storefront.billing.models import (
    AccountKind,
    Order,
    OrderEvent,
    OrderKind,
    OrderLine,
    OrderStatus,
    Resource,
    TransactionKind,
    Wallet,
)
from storefront.billing.remittance import billing_settings
from storefront.catalog.models import Quote, QuoteLine
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.stores.tenancy import in_store

ORDER_SCOPE = "orders.create"
MAX_PAGE = 100


def order_reference(order_id: int) -> str:
    return f"order:{order_id}"


def add_event(order: Order, status: str, note: str = "", now: datetime | None = None) -> None:
    db.session.add(
        OrderEvent(
            store_id=order.store_id,
            order_id=order.id,
            status=status,
            note=note[:500],
            created_at=now or utcnow(),
        )
    )


def _refusal(code: str) -> OrderError:
    """The :class:`OrderError` for a checkout blocker's code, its message translated."""
    if code == checkout.STORE_FROZEN:
        return StoreFrozen(_("This store is frozen: ordering is paused."))
    if code == checkout.ACCOUNT_FROZEN:
        return AccountFrozen(_("Your account is frozen: contact support."))
    if code == checkout.EMAIL_UNCONFIRMED:
        return EmailUnconfirmed(_("Confirm your email address before buying."))
    if code == checkout.REALNAME_REQUIRED:
        return RealnameRequired(_("Complete real-name verification before buying."))
    if code == checkout.REALNAME_PENDING:
        return RealnamePending(_("Your real-name verification is still being reviewed."))
    return AccountInactive(_("Your account is not active."))


def check_can_buy(customer: Customer, store_frozen: bool | None = None) -> None:
    """Raise the first of the customer's blockers (:func:`checkout.account_blockers`, what the
    checkout page lists) as an :class:`OrderError`."""
    found = checkout.account_blockers(customer, store_frozen)
    if found:
        raise _refusal(found[0].code)


# The order's reads, built once (ids and the store bound per call).
_BUYER = in_store(
    select(Customer, Store.frozen_at)
    .join(Store, Store.id == Customer.store_id)
    .where(Customer.id == bindparam("customer_id"))
    .execution_options(populate_existing=True),
    bindparam("store_id"),
)
_QUOTE = in_store(  # one row: its lines come in it
    select(Quote).where(
        Quote.id == bindparam("quote_id"), Quote.customer_id == bindparam("customer_id")
    ),
    bindparam("store_id"),
)


def _locked_buyer(customer: Customer, currency: str) -> Wallet:
    """Lock the customer's wallet, then read the customer and the store's freeze again (one
    statement, after the lock is granted, so it sees what committed meanwhile: a freeze or an
    association switch that committed while this order waited must stop it; they take the
    same lock) and raise the first blocker. Returns the locked wallet."""
    wallet = ledger.lock_customer_wallet(customer.store_id, customer.id, currency)
    current, frozen_at = db.session.execute(
        _BUYER, {"customer_id": customer.id, "store_id": customer.store_id}
    ).one()
    check_can_buy(current, store_frozen=frozen_at is not None)
    return wallet


def _quote(customer: Customer, quote_id: str) -> Quote:
    quote = db.session.scalars(
        _QUOTE, {"quote_id": quote_id, "customer_id": customer.id, "store_id": customer.store_id}
    ).one_or_none()
    if quote is None:
        check_can_buy(customer)  # a blocked customer is told why first, as before the quote
        raise QuoteNotFound(_("No such quote."))
    return quote


def order_json(order: Order) -> dict[str, Any]:
    body = {
        "id": order.id,
        "status": order.status.value,
        "total": ledger.format_amount(order.total),
        "currency": order.currency,
    }
    if order.voucher_code:
        body["discount"] = ledger.format_amount(order.discount)
        body["paid_from_wallet"] = ledger.format_amount(order.total - order.discount)
    return body


def place_order(
    customer: Customer,
    quote_id: str,
    idempotency_key: str | None = None,
    *,
    voucher_code: str | None = None,
    now: Callable[[], datetime] = utcnow,
) -> dict[str, Any]:
    """Create (and for prepaid modes, pay) the order for ``quote_id``, once per idempotency
    key: :func:`~storefront.billing.idempotency.run_once` commits it with its recorded result.

    With ``voucher_code`` (prepaid only) the voucher is redeemed in the same transaction and
    the wallet pays the rest. Raises an :class:`OrderError`, :class:`InsufficientBalance`,
    a :class:`~storefront.billing.errors.VoucherError` or an idempotency error.
    """
    if not isinstance(quote_id, str) or not 0 < len(quote_id) <= 32:
        raise QuoteNotFound(_("No such quote."))
    voucher_code = (voucher_code or "").strip() or None
    payload = {"customer_id": customer.id, "quote_id": quote_id, "voucher": voucher_code}

    def action() -> dict[str, Any]:
        quote = _quote(customer, quote_id)
        wallet = _locked_buyer(customer, quote.currency)  # the blockers, checked under the lock
        moment = now()
        if moment >= quote.expires_at:
            raise QuoteExpired(_("This quote has expired: price it again."))
        order = _new_order(customer, quote, moment)
        _pay(customer, order, quote, voucher_code, wallet)
        _mark_paid(customer, order, moment)
        return order_json(order)

    try:
        # keys are per customer: another customer reusing a key neither collides nor replays
        scope = f"{ORDER_SCOPE}:{customer.id}"
        return run_once(customer.store_id, scope, idempotency_key, payload, action)
    except IntegrityError as exc:
        db.session.rollback()
        if not _is_quote_taken(exc):
            raise
        taken = db.session.scalar(
            in_store(select(Order.id).where(Order.quote_id == quote_id), customer.store_id)
        )
        db.session.rollback()
        if taken is None:
            raise QuoteAlreadyOrdered(_("This quote was already bought.")) from None
        raise QuoteAlreadyOrdered(
            _("This quote was already bought (order %(order)s).", order=taken)
        ) from None


_ORDERS = cast(Table, Order.__table__)
_orders = _ORDERS.c
_INSERT_ORDER = insert(_ORDERS).returning(_orders.id)
_INSERT_LINES = insert(cast(Table, OrderLine.__table__))
_INSERT_EVENTS = insert(cast(Table, OrderEvent.__table__))
_SET_PAYMENT = (
    update(_ORDERS)
    .where(_orders.id == bindparam("order_id"))
    .values(
        debit_transaction_id=bindparam("txn_id"),
        discount=bindparam("discount_"),
        voucher_code=bindparam("voucher_"),
    )
)


def _new_order(customer: Customer, quote: Quote, moment: datetime) -> Order:
    """The order for ``quote``, written paid (its payment follows in this transaction, or
    nothing commits), with its lines: two statements built once, no unit of work. Returns
    the order attached to the session as loaded.

    A quote already bought is refused by the unique index on ``orders.quote_id`` (mapped to
    :class:`QuoteAlreadyOrdered` by :func:`place_order`): no separate look-up on the hot path.
    """
    store_id = customer.store_id
    zero = Decimal("0.00")
    values: dict[str, Any] = {
        "store_id": store_id, "customer_id": customer.id, "quote_id": quote.id,
        "kind": OrderKind.PURCHASE, "resource_id": None, "region_code": quote.region_code,
        "billing_mode": quote.billing_mode, "period": quote.period, "currency": quote.currency,
        "total": quote.total, "cost_total": quote.cost_total, "status": OrderStatus.PAID,
        "failure_reason": None, "debit_transaction_id": None, "refunded_amount": zero,
        "discount": zero, "voucher_code": None,
        "provider_customer_id": customer.provider_customer_id, "funded_amount": zero,
        "funding_transfer_id": None, "funding_started_at": None, "attempts": 0,
        "created_at": moment, "updated_at": moment, "paid_at": moment, "active_at": None,
    }  # fmt: skip
    session = db.session
    session.flush()  # nothing pending, usually: no cost
    connection = session.connection()  # Core statements: no ORM layer around each
    order_id = connection.execute(_INSERT_ORDER, values).scalar_one()
    lines = [_line_row(store_id, order_id, line) for line in quote.lines]
    if lines:
        connection.execute(_INSERT_LINES, lines)
    order = Order(id=order_id, **values)
    make_transient_to_detached(order)  # written: in the session as loaded, nothing to flush
    session.add(order)
    return order


def _line_row(store_id: int, order_id: int, line: QuoteLine) -> dict[str, Any]:
    return {
        "store_id": store_id, "order_id": order_id, "position": line.position,
        "product_code": line.product_code, "spec_code": line.spec_code,
        "quantity": line.quantity, "size": line.size, "unit_price": line.unit_price,
        "amount": line.amount, "unit_cost": line.unit_cost, "cost_amount": line.cost_amount,
        "client_token": f"sf{store_id}o{order_id}l{line.position}",
        "provider_order_id": None, "resource_ids": "", "created_at": None, "paid_at": None,
    }  # fmt: skip


def _pay(
    customer: Customer, order: Order, quote: Quote, voucher_code: str | None, wallet: Wallet
) -> None:
    """Prepaid: the voucher (if any) and then the wallet (locked by the caller) pay the order.
    On demand: the wallet must hold the store's minimum balance."""
    if voucher_code is not None:
        if not order.prepaid:
            raise VoucherNotApplicable(
                _("Vouchers apply to monthly and yearly orders."), "voucher_code"
            )
        use = vouchers.redeem(customer, voucher_code, quote, reference=order_reference(order.id))
        set_committed_value(order, "discount", use.amount)
        set_committed_value(order, "voucher_code", voucher_code)
    if order.prepaid:
        if order.total > 0:
            set_committed_value(order, "debit_transaction_id", _debit(customer, order, wallet))
        if order.total > 0 or voucher_code is not None:
            db.session.connection().execute(
                _SET_PAYMENT,
                {
                    "order_id": order.id, "txn_id": order.debit_transaction_id,
                    "discount_": order.discount, "voucher_": order.voucher_code,
                },
            )  # fmt: skip
        return
    minimum = billing_settings(customer.store_id).min_balance_on_demand
    if services.balance(customer) < max(minimum, Decimal("0.00")):
        raise BelowMinimumBalance(
            _("On-demand resources need a balance of at least %(minimum)s.", minimum=minimum)
        )


def _mark_paid(customer: Customer, order: Order, moment: datetime) -> None:
    """Paid (the order was written so): the timeline, the provisioning job and the customer's
    mail, in the order's transaction (the job and the mail run once it commits)."""
    _queue_provisioning(order, moment)
    mail.queue_customer_mail(
        "order_placed", order.id, customer.id, order.store_id,
        order=order.id, amount=order.total, currency=order.currency,
    )  # fmt: skip
    events.order_paid.send(order)


def _queue_provisioning(order: Order, moment: datetime) -> None:
    """The timeline's ``pending`` and ``paid`` (one statement) and the provisioning job."""
    event = {"store_id": order.store_id, "order_id": order.id, "note": "", "created_at": moment}
    db.session.flush()  # a renewal's order row first (a purchase has nothing pending)
    db.session.connection().execute(
        _INSERT_EVENTS,
        [{**event, "status": status} for status in (OrderStatus.PENDING, OrderStatus.PAID)],
    )
    worker.enqueue("provision", f"provision:{order.id}", store_id=order.store_id, run_at=moment)


def pay_from_wallet(customer: Customer, order: Order, moment: datetime) -> None:
    """A prepaid order built by another area (a renewal, ``kind`` not ``purchase``, one line
    flushed): the wallet pays it (:func:`_debit`: cost to provider prepayment, margin to
    revenue, under the wallet lock, the customer's blockers checked again) and it goes to the
    provisioning job like a purchase. Flushes; the caller commits (``run_once``)."""
    if order.total > 0:
        order.debit_transaction_id = _debit(customer, order)
    order.status, order.paid_at = OrderStatus.PAID, moment
    _queue_provisioning(order, moment)
    db.session.flush()


def _is_quote_taken(exc: IntegrityError) -> bool:
    """The unique index ``one_order_per_quote`` refused the insert (PostgreSQL names the
    constraint; SQLite names the column)."""
    text = str(exc.orig)
    return "one_order_per_quote" in text or "orders.quote_id" in text


def _debit(customer: Customer, order: Order, wallet: Wallet | None = None) -> int:
    """Wallet pays the order less any voucher discount: partner cost to provider prepayment,
    the margin (less the discount the voucher already covered) to revenue. ``wallet``: already
    locked by :func:`_locked_buyer` (else locked and the blockers checked here). Returns the
    journal transaction's id."""
    store_id, currency = customer.store_id, order.currency
    if wallet is None:
        wallet = _locked_buyer(customer, currency)
    wallet_account = ledger.wallet_account_ref(wallet)
    cost = min(order.cost_total, order.total)
    margin = order.total - cost - order.discount
    payable = order.total - order.discount
    legs = [Leg(wallet_account, -payable)] if payable > 0 else []
    if cost > 0:
        legs.append(
            Leg(ledger.store_account_ref(store_id, AccountKind.PROVIDER_PREPAYMENT, currency), cost)
        )
    if margin != 0:
        revenue = ledger.store_account_ref(store_id, AccountKind.STORE_REVENUE, currency)
        legs.append(Leg(revenue, margin))
    return ledger.record(
        store_id=store_id,
        currency=currency,
        kind=TransactionKind.DEBIT,
        legs=legs,
        memo=f"Order {order.id}",
        reference=order_reference(order.id),
        customer_id=customer.id,
        locked_wallets=[wallet],
    )


def refund_order(order_id: int, reason: str, *, now: datetime | None = None) -> Order | None:
    """Fail the order and give back what the wallet paid for what was not delivered. Flushes
    (the order row stays locked until the caller commits, before any provider call).

    Idempotent: an order already refunded (or active) is left alone.
    """
    moment = now or utcnow()
    order = ledger.lock_row(Order, order_id, "attempts")
    if order is None:
        return None
    if order.status in (OrderStatus.REFUNDED, OrderStatus.ACTIVE):
        return order
    customer = db.session.get(Customer, order.customer_id)
    assert customer is not None
    undelivered = [line for line in order.lines if not line.done]
    amount = (
        sum((line.amount for line in undelivered), Decimal("0.00"))
        if len(undelivered) != len(order.lines)
        else order.total
    )
    if order.status != OrderStatus.FAILED:
        order.status, order.failure_reason = OrderStatus.FAILED, reason[:500]
        add_event(order, OrderStatus.FAILED.value, reason, now=moment)
    amount = min(amount, order.total - order.discount)  # the voucher's part is not cash
    if order.prepaid and amount > 0 and order.debit_transaction_id is not None:
        services.refund(
            customer,
            amount,
            f"Refund of order {order.id}: {reason}"[:500],
            order_reference(order.id),
        )
        order.refunded_amount = amount
    order.status, order.updated_at = OrderStatus.REFUNDED, moment
    add_event(order, OrderStatus.REFUNDED.value, reason, now=moment)
    mail.queue_customer_mail(  # nothing refunded (on demand, all by voucher): it failed
        "order_refunded" if order.refunded_amount else "order_failed",
        order.id, order.customer_id, order.store_id,
        order=order.id, amount=order.refunded_amount, currency=order.currency,
    )  # fmt: skip
    events.order_failed.send(order)
    db.session.flush()
    return order


def customer_orders(
    customer: Customer, cursor: str | None = None, limit: int = 20
) -> tuple[list[Order], str | None]:
    """Newest first, keyset-paginated by id."""
    limit = max(1, min(int(limit), MAX_PAGE))
    query = in_store(
        select(Order)
        .where(Order.customer_id == customer.id)
        .order_by(Order.id.desc())
        .limit(limit + 1),
        customer.store_id,
    )
    if cursor:
        if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
            raise InvalidCursor(_("Bad cursor."))
        query = query.where(Order.id < int(cursor))
    rows = list(db.session.scalars(query))
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return rows[:limit], next_cursor


def customer_order(customer: Customer, order_id: int) -> Order | None:
    return db.session.scalar(
        in_store(
            select(Order).where(Order.id == order_id, Order.customer_id == customer.id),
            customer.store_id,
        )
    )


def customer_resource(customer: Customer, resource_id: int) -> Resource | None:
    """The customer's bought resource ``resource_id`` in its store, else ``None``."""
    return db.session.scalar(
        in_store(
            select(Resource).where(Resource.id == resource_id, Resource.customer_id == customer.id),
            customer.store_id,
        )
    )


def count_orders(customer: Customer) -> int:
    return (
        db.session.scalar(select(func.count(Order.id)).where(Order.customer_id == customer.id)) or 0
    )


def order_detail(order: Order) -> dict[str, Any]:
    return {
        **order_json(order),
        "billing_mode": order.billing_mode,
        "period": order.period,
        "region": order.region_code,
        "quote_id": order.quote_id,
        "failure_reason": order.failure_reason,
        "refunded_amount": ledger.format_amount(order.refunded_amount),
        "created_at": order.created_at.isoformat(),
        "lines": [
            {
                "product": line.product_code,
                "spec": line.spec_code,
                "quantity": line.quantity,
                "size": line.size,
                "unit_price": ledger.format_amount(line.unit_price),
                "amount": ledger.format_amount(line.amount),
                "provider_order_id": line.provider_order_id,
                "resource_ids": line.provider_resource_ids,
            }
            for line in order.lines
        ],
        "events": [
            {"status": e.status, "note": e.note, "at": e.created_at.isoformat()}
            for e in order.customer_events
        ],
    }
