"""Wallet services: staff funding, the debit/credit/refund building blocks, balances, statements.

``fund`` is a whole unit of work (idempotent, commits). ``debit``, ``credit`` and ``refund`` are
building blocks for orders and top-ups: they run inside the caller's transaction and never
commit, so the balance change commits with the event that causes it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from storefront.accounts.models import Customer, Staff
from storefront.accounts.permissions import require_permission
from storefront.billing import ledger
from storefront.billing.errors import (
    BalanceBelowZero,
    InsufficientBalance,
    InvalidAmount,
    InvalidCursor,
    RefundExceedsPayment,
    WrongStore,
)
from storefront.billing.idempotency import run_once
from storefront.billing.ledger import Leg
from storefront.billing.models import (
    AccountKind,
    JournalTransaction,
    Posting,
    TransactionKind,
    Wallet,
)
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.stores.tenancy import in_store

FUND_SCOPE = "admin.funds"
MAX_PAGE = 100


def store_currency(store_id: int) -> str:
    currency = db.session.scalar(select(Store.currency).where(Store.id == store_id))
    if currency is None:
        raise WrongStore(_("No such store."))
    return currency


def _same_store(customer: Customer, staff: Staff | None) -> None:
    if staff is not None and (staff.store_id != customer.store_id or not staff.is_active):
        raise WrongStore(_("No such customer."))


def _move(
    customer: Customer,
    amount: Decimal,
    counter: AccountKind,
    kind: TransactionKind,
    memo: str,
    reference: str | None = None,
    staff_id: int | None = None,
) -> tuple[JournalTransaction, Wallet]:
    """Lock the customer's wallet and post ``amount`` to it against the store's ``counter``."""
    store_id, currency = customer.store_id, store_currency(customer.store_id)
    wallet = ledger.lock_wallet(ledger.ensure_wallet(store_id, customer.id, currency), store_id)
    wallet_account = db.session.get(ledger.LedgerAccount, wallet.account_id)
    assert wallet_account is not None
    other = ledger.store_account(store_id, counter, currency)
    txn = ledger.post(
        store_id=store_id,
        currency=currency,
        kind=kind,
        legs=[Leg(wallet_account, amount), Leg(other, -amount)],
        memo=memo,
        reference=reference,
        customer_id=customer.id,
        staff_id=staff_id,
        locked_wallets=[wallet],
    )
    wallet.updated_at = utcnow()
    return txn, wallet


move = _move  # for other areas' postings against a store account (payments: top-up refunds)


def fund(
    customer: Customer,
    amount: Any,
    note: str,
    staff: Staff,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """Staff add (positive) or take back (negative) funds; never below zero. Commits.

    Returns ``{"balance", "currency", "transaction_id"}``; with ``idempotency_key`` a repeat of
    the same request returns the first result and moves no money (a different request under the
    same key raises ``IdempotencyConflict``).
    """
    value = ledger.parse_amount(amount, allow_negative=True)
    _same_store(customer, staff)
    require_permission(staff, "funds.manage")
    note = (note or "").strip()
    customer_id, staff_id = customer.id, staff.id
    payload = {"customer_id": customer_id, "amount": str(value), "note": note}

    def action() -> dict[str, Any]:
        try:
            txn, wallet = _move(
                customer,
                value,
                AccountKind.BANK_CLEARING,
                TransactionKind.FUND,
                note,
                None,
                staff_id,
            )
        except InsufficientBalance:
            raise BalanceBelowZero(_("The balance cannot go below zero.")) from None
        return {
            "balance": ledger.format_amount(wallet.balance),
            "currency": wallet.currency,
            "transaction_id": txn.id,
        }

    return run_once(customer.store_id, FUND_SCOPE, idempotency_key, payload, action)


def debit(customer: Customer, amount: Any, reason: str, reference: str) -> JournalTransaction:
    """The customer's wallet pays ``amount`` to the store's revenue. Does not commit."""
    value = ledger.parse_amount(amount)
    txn, _wallet = _move(
        customer, -value, AccountKind.STORE_REVENUE, TransactionKind.DEBIT, reason, reference
    )
    return txn


def credit(
    customer: Customer,
    amount: Any,
    reason: str,
    reference: str | None = None,
    source: AccountKind = AccountKind.BANK_CLEARING,
    staff: Staff | None = None,
    kind: TransactionKind = TransactionKind.CREDIT,
) -> JournalTransaction:
    """Credit the customer's wallet from the store's ``source`` account. Does not commit."""
    value = ledger.parse_amount(amount)
    if source is AccountKind.CUSTOMER_WALLET:
        raise InvalidAmount("credit source must be a store account", None)
    _same_store(customer, staff)
    txn, _wallet = _move(
        customer, value, source, kind, reason, reference, staff.id if staff else None
    )
    return txn


def refund(customer: Customer, amount: Any, reason: str, reference: str) -> JournalTransaction:
    """Give back (part of) what the wallet paid under ``reference``. Does not commit.

    Refunds under one reference never exceed the debits under it.
    """
    value = ledger.parse_amount(amount)
    store_id, currency = customer.store_id, store_currency(customer.store_id)
    wallet = ledger.lock_wallet(ledger.ensure_wallet(store_id, customer.id, currency), store_id)
    net = db.session.scalars(
        in_store(
            select(Posting.amount)
            .join(JournalTransaction, Posting.transaction_id == JournalTransaction.id)
            .where(
                Posting.account_id == wallet.account_id,
                JournalTransaction.reference == reference,
                JournalTransaction.kind.in_([TransactionKind.DEBIT, TransactionKind.REFUND]),
            ),
            store_id,
        )
    ).all()
    refundable = -sum(net, Decimal("0.00"))
    if value > refundable:
        raise RefundExceedsPayment(
            _(
                "only %(amount)s of %(reference)s can be refunded",
                amount=refundable,
                reference=reference,
            )
        )
    txn, _wallet = _move(
        customer, value, AccountKind.REFUNDS, TransactionKind.REFUND, reason, reference
    )
    return txn


def balance(customer: Customer) -> Decimal:
    value = db.session.scalar(
        in_store(select(Wallet.balance).where(Wallet.customer_id == customer.id), customer.store_id)
    )
    return ledger.quantize(value) if value is not None else Decimal("0.00")


def wallet_summary(customer: Customer) -> dict[str, str]:
    """``{"balance": "12.50", "currency": "CNY"}`` for ``GET /api/v1/me`` and the admin views."""
    return {
        "balance": ledger.format_amount(balance(customer)),
        "currency": store_currency(customer.store_id),
    }


def ledger_lines(
    customer: Customer, cursor: str | None = None, limit: int = 50
) -> tuple[list[dict[str, Any]], str | None]:
    """The customer's wallet statement, newest first, keyset-paginated by posting id.

    Returns ``(items, next_cursor)``; pass ``next_cursor`` back for the next page.
    """
    limit = max(1, min(int(limit), MAX_PAGE))
    wallet = db.session.scalar(
        in_store(select(Wallet).where(Wallet.customer_id == customer.id), customer.store_id)
    )
    if wallet is None:
        return [], None
    query = in_store(
        select(Posting, JournalTransaction)
        .join(JournalTransaction, Posting.transaction_id == JournalTransaction.id)
        .where(Posting.account_id == wallet.account_id)
        .order_by(Posting.id.desc())
        .limit(limit + 1),
        customer.store_id,
    )
    if cursor:
        if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
            raise InvalidCursor(_("Bad cursor."))
        query = query.where(Posting.id < int(cursor))
    rows = db.session.execute(query).all()
    items = [
        {
            "id": posting.id,
            "transaction_id": txn.id,
            "kind": txn.kind.value,
            "amount": ledger.format_amount(posting.amount),
            "balance_after": (
                ledger.format_amount(posting.balance_after)
                if posting.balance_after is not None
                else None
            ),
            "currency": posting.currency,
            "memo": txn.memo,
            "reference": txn.reference,
            "staff_id": txn.staff_id,
            "created_at": txn.created_at.isoformat(),
        }
        for posting, txn in rows[:limit]
    ]
    next_cursor = str(rows[limit - 1][0].id) if len(rows) > limit else None
    return items, next_cursor
