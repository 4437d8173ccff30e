"""The double-entry ledger: money parsing, accounts, wallet locks and balanced postings.

Everything here runs inside the caller's database transaction and never commits: a balance
change and the business event that causes it (an order, a top-up) commit together.

Wallet row lock: PostgreSQL takes ``SELECT … FOR UPDATE`` on the wallet row. SQLite has no row
locks, and with pysqlite's default (deferred) transactions two writers could both read a balance
before either writes; so on SQLite the lock first issues a no-op ``UPDATE`` of the wallet row,
which opens the write transaction and takes SQLite's database-wide RESERVED lock before the
balance is read. Other writers wait (busy timeout) until this transaction commits, so a
read-check-write on the balance is serialised on both backends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar, cast

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Table, bindparam, event, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from storefront.billing import events
from storefront.billing.errors import InsufficientBalance, InvalidAmount, UnbalancedTransaction
from storefront.billing.models import (
    AccountKind,
    JournalTransaction,
    LedgerAccount,
    Posting,
    TransactionKind,
    Wallet,
)
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.sql import insert_ignore
from storefront.stores.tenancy import in_store

M = TypeVar("M")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999999999.99")  # Numeric(18, 2)


def quantize(value: Decimal) -> Decimal:
    """Round half-up to the minor unit."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _not_decimal() -> InvalidAmount:
    return InvalidAmount(_('Amount must be a decimal string such as "12.50".'))


def parse_amount(value: Any, *, allow_negative: bool = False) -> Decimal:
    """A money amount from user input: a decimal string (or int), at most two decimals, not zero.

    Floats are refused (``12.1`` may not be what was meant); so are booleans, NaN, infinity,
    more than two decimal places and amounts beyond ``Numeric(18, 2)``.
    """
    if isinstance(value, bool | float) or value is None:
        raise _not_decimal()
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if not text or any(c not in "+-0123456789." for c in text):
            raise _not_decimal()
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise _not_decimal() from None
    elif isinstance(value, Decimal):
        amount = value
    else:
        raise _not_decimal()
    if not amount.is_finite():
        raise InvalidAmount(_("Amount must be a finite number."))
    # before quantizing: a value of 27 digits or more has no room for two decimals in the
    # decimal context's 28 digits (quantize would raise InvalidOperation, a 500)
    if amount.copy_abs() > MAX_AMOUNT:
        raise InvalidAmount(_("Amount is too large."))
    if amount != amount.quantize(CENT):
        raise InvalidAmount(_("Amount has more than two decimal places."))
    amount = amount.quantize(CENT)
    if amount == 0:
        raise InvalidAmount(_("Amount must not be zero."))
    if amount < 0 and not allow_negative:
        raise InvalidAmount(_("Amount must be positive."))
    return amount


def format_amount(value: Decimal) -> str:
    return str(quantize(value))


@dataclass(frozen=True, slots=True)
class AccountRef:
    """What a posting needs of a ledger account, without loading the row."""

    id: int
    store_id: int
    kind: AccountKind
    currency: str


_CACHE_KEY = "storefront.ledger_account_refs"
_PENDING_KEY = "storefront.ledger_account_refs.pending"


def store_account_ref(store_id: int, kind: AccountKind, currency: str) -> AccountRef:
    """The store-level account of ``kind``, cached per application (process).

    Store accounts are never changed or deleted once created, so the only thing to get right
    is never caching an account whose creating transaction rolls back: a newly seen account
    enters the cache when the session commits (see :func:`_publish_refs`).
    """
    cache: dict[tuple[int, str, str], AccountRef] = current_app.extensions.setdefault(
        _CACHE_KEY, {}
    )
    key = (store_id, kind.value, currency)
    ref = cache.get(key)
    if ref is None:
        account = store_account(store_id, kind, currency)
        ref = AccountRef(account.id, account.store_id, account.kind, account.currency)
        pending = db.session.info.setdefault(_PENDING_KEY, [])
        pending.append((cache, key, ref))
    return ref


@event.listens_for(Session, "after_commit")
def _publish_refs(session: Session) -> None:
    for cache, key, ref in session.info.pop(_PENDING_KEY, ()):
        cache[key] = ref


@event.listens_for(Session, "after_soft_rollback")
def _drop_refs(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_PENDING_KEY, None)


def wallet_account_ref(wallet: Wallet) -> AccountRef:
    """The ledger account of a (locked) wallet, from the wallet row itself."""
    return AccountRef(
        wallet.account_id, wallet.store_id, AccountKind.CUSTOMER_WALLET, wallet.currency
    )


def store_account(store_id: int, kind: AccountKind, currency: str) -> LedgerAccount:
    """The store-level account of ``kind`` (created on first use)."""
    if kind is AccountKind.CUSTOMER_WALLET:
        raise ValueError("customer wallets are per customer: use wallet_account()")
    return _account(store_id, kind.value, kind, None, currency)


def _account(
    store_id: int, code: str, kind: AccountKind, customer_id: int | None, currency: str
) -> LedgerAccount:
    query = in_store(
        select(LedgerAccount).where(LedgerAccount.code == code, LedgerAccount.currency == currency),
        store_id,
    )
    account = db.session.scalar(query)
    if account is None:  # race-free get-or-create: a concurrent creator's row wins
        db.session.execute(
            insert_ignore(
                LedgerAccount.__table__,
                store_id=store_id,
                code=code,
                kind=kind.value,
                customer_id=customer_id,
                currency=currency,
            )
        )
        account = db.session.scalars(query).one()
    return account


def wallet_code(customer_id: int) -> str:
    return f"{AccountKind.CUSTOMER_WALLET.value}:{customer_id}"


def ensure_wallet(store_id: int, customer_id: int, currency: str) -> int:
    """The customer's wallet id, creating the wallet and its ledger account on first use."""
    query = in_store(select(Wallet.id).where(Wallet.customer_id == customer_id), store_id)
    wallet_id = db.session.scalar(query)
    if wallet_id is not None:
        return wallet_id
    account = _account(
        store_id, wallet_code(customer_id), AccountKind.CUSTOMER_WALLET, customer_id, currency
    )
    db.session.execute(
        insert_ignore(
            Wallet.__table__,
            store_id=store_id,
            customer_id=customer_id,
            account_id=account.id,
            currency=currency,
            balance=Decimal("0.00"),
        )
    )
    return db.session.scalars(query).one()


def lock_row(model: type[M], row_id: int, touch: str, store_id: int | None = None) -> M | None:
    """Load ``model`` row ``row_id`` locked until the transaction ends (fresh from the database).

    The row is looked up in ``store_id`` when given, else in the current store (through its
    automatic filter; a job outside any store sees every store's row, and checks it).
    PostgreSQL: ``SELECT … FOR UPDATE``. SQLite: a no-op ``UPDATE`` of column ``touch`` first,
    which takes SQLite's write lock before the row is read (see the module docstring).
    """
    session = db.session
    dialect = session.get_bind().dialect.name
    column = getattr(model, touch)
    if dialect == "sqlite":
        session.execute(
            update(model)
            .where(model.id == row_id)  # type: ignore[attr-defined]
            .values({column: column})
            .execution_options(synchronize_session=False)
        )
    query = (
        select(model)
        .where(model.id == row_id)  # type: ignore[attr-defined]
        .execution_options(populate_existing=True)
    )
    if store_id is not None:
        query = in_store(query, store_id)
    if dialect != "sqlite":
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


_wallet_of = (
    Wallet.customer_id == bindparam("of_customer"),
    Wallet.store_id == bindparam("of_store"),
)
# Built once (ids bound per call; names apart from the columns', which an UPDATE reserves):
# SQLite's write-lock touch, the wallet row read (PostgreSQL: locked).
_TOUCH_WALLET = (
    update(Wallet)
    .where(*_wallet_of)
    .values(balance=Wallet.balance)
    .execution_options(synchronize_session=False)
)
_READ_WALLET = in_store(
    select(Wallet).where(*_wallet_of).execution_options(populate_existing=True),
    bindparam("of_store"),
)
_LOCK_WALLET = _READ_WALLET.with_for_update()


def lock_customer_wallet(store_id: int, customer_id: int, currency: str) -> Wallet:
    """The customer's wallet, locked (created first when missing): one round trip when it
    exists, instead of looking its id up and then locking it."""
    session = db.session
    params = {"of_customer": customer_id, "of_store": store_id}
    if session.get_bind().dialect.name == "sqlite":
        touched = session.execute(_TOUCH_WALLET, params)
        if not touched.rowcount:  # type: ignore[attr-defined]
            return lock_wallet(ensure_wallet(store_id, customer_id, currency), store_id)
        wallet = session.scalars(_READ_WALLET, params).one_or_none()
    else:
        wallet = session.scalars(_LOCK_WALLET, params).one_or_none()
    if wallet is None:
        return lock_wallet(ensure_wallet(store_id, customer_id, currency), store_id)
    return wallet


def lock_wallet(wallet_id: int, store_id: int | None = None) -> Wallet:
    """The wallet row, locked until the transaction ends, with its current balance."""
    wallet = lock_row(Wallet, wallet_id, "balance", store_id)
    if wallet is None:  # pragma: no cover - wallets are never deleted
        raise LookupError(f"wallet {wallet_id} is gone")
    return wallet


@dataclass(frozen=True)
class Leg:
    account: LedgerAccount | AccountRef
    amount: Decimal


def _checked_wallets(
    store_id: int, currency: str, legs: Sequence[Leg], locked_wallets: Sequence[Wallet]
) -> dict[int, Wallet]:
    """Refuse an unbalanced or malformed transaction, a wallet leg whose wallet is not locked and
    a wallet that would go below zero (every wallet checked before any changes). Returns the
    locked wallets by account id."""
    if len(legs) < 2:
        raise UnbalancedTransaction("a transaction needs at least two postings")
    total = Decimal("0.00")
    for leg in legs:
        if not isinstance(leg.amount, Decimal) or leg.amount != quantize(leg.amount):
            raise InvalidAmount(f"posting amount {leg.amount!r} is not a 2-place Decimal")
        if leg.amount == 0:
            raise InvalidAmount("a posting cannot be zero")
        if leg.account.store_id != store_id or leg.account.currency != currency:
            raise UnbalancedTransaction("every posting must be in the transaction's store/currency")
        total += leg.amount
    if total != 0:
        raise UnbalancedTransaction(f"postings sum to {total}, not zero")

    wallets = {w.account_id: w for w in locked_wallets}
    for leg in legs:
        if leg.account.kind is AccountKind.CUSTOMER_WALLET and leg.account.id not in wallets:
            raise RuntimeError("wallet leg posted without locking the wallet first")
    # Check every wallet before changing any.
    changes: dict[int, Decimal] = {}
    for leg in legs:
        if leg.account.id in wallets:
            changes[leg.account.id] = changes.get(leg.account.id, Decimal("0.00")) + leg.amount
    for account_id, delta in changes.items():
        if wallets[account_id].balance + delta < 0:
            raise InsufficientBalance(
                _(
                    "balance %(balance)s cannot cover %(amount)s",
                    balance=wallets[account_id].balance,
                    amount=-delta,
                )
            )
    return wallets


def post(
    *,
    store_id: int,
    currency: str,
    kind: TransactionKind,
    legs: Sequence[Leg],
    memo: str = "",
    reference: str | None = None,
    customer_id: int | None = None,
    staff_id: int | None = None,
    locked_wallets: Sequence[Wallet] = (),
) -> JournalTransaction:
    """Record one balanced journal transaction and move the cached balance of locked wallets
    (:func:`record`); returns the transaction, in the session without loading it again."""
    moment = utcnow()
    txn_id = record(
        store_id=store_id, currency=currency, kind=kind, legs=legs, memo=memo,
        reference=reference, customer_id=customer_id, staff_id=staff_id,
        locked_wallets=locked_wallets, now=moment,
    )  # fmt: skip
    txn = JournalTransaction(
        id=txn_id, store_id=store_id, kind=kind, currency=currency, memo=memo[:500],
        reference=reference, customer_id=customer_id, staff_id=staff_id, created_at=moment,
    )  # fmt: skip
    make_transient_to_detached(txn)  # the row is written: attach it as loaded, no INSERT
    db.session.add(txn)
    return txn


# Built once: every posting writes the same three statements (values bound per call).
_TXNS = cast(Table, JournalTransaction.__table__)
_INSERT_TXN = insert(_TXNS).returning(_TXNS.c.id)
_INSERT_POSTINGS = insert(cast(Table, Posting.__table__))
_WALLETS = cast(Table, Wallet.__table__)
_wallets = _WALLETS.c
_SET_BALANCE = (
    update(_WALLETS)
    .where(_wallets.id == bindparam("wallet_id"))
    .values(balance=bindparam("new_balance"))
)


def record(
    *,
    store_id: int,
    currency: str,
    kind: TransactionKind,
    legs: Sequence[Leg],
    memo: str = "",
    reference: str | None = None,
    customer_id: int | None = None,
    staff_id: int | None = None,
    locked_wallets: Sequence[Wallet] = (),
    now: datetime | None = None,
) -> int:
    """Record one balanced journal transaction and move the cached balance of locked wallets;
    returns the transaction's id.

    Every wallet account among ``legs`` must be in ``locked_wallets`` (locked by the caller
    with :func:`lock_wallet`); a wallet may not go below zero (``InsufficientBalance``). Three
    statements built once (the transaction, its postings, each wallet's balance), run on the
    session's connection (its transaction, after what it has pending; session events and
    :mod:`storefront.caching` do not see them: no cache reads these tables); a locked wallet
    object gets its new balance as loaded state (nothing left for the unit of work to write).
    """
    wallets = _checked_wallets(store_id, currency, legs, locked_wallets)
    session = db.session
    session.flush()  # what the caller left pending goes first (nothing, usually: no cost)
    connection = session.connection()  # Core statements: no ORM layer around each
    txn_id: int = connection.execute(
        _INSERT_TXN,
        {
            "store_id": store_id, "kind": kind, "currency": currency, "memo": memo[:500],
            "reference": reference, "customer_id": customer_id, "staff_id": staff_id,
            "created_at": now or utcnow(),
        },
    ).scalar_one()  # fmt: skip
    rows, moved = [], []
    for leg in legs:
        balance_after = None
        wallet = wallets.get(leg.account.id)
        if wallet is not None:
            balance_after = quantize(wallet.balance + leg.amount)
            moved.append((wallet, wallet.balance, balance_after))
        rows.append(
            {
                "store_id": store_id, "transaction_id": txn_id, "account_id": leg.account.id,
                "amount": leg.amount, "currency": currency, "balance_after": balance_after,
            }
        )  # fmt: skip
    connection.execute(_INSERT_POSTINGS, rows)
    for wallet, _before, after in moved:
        connection.execute(_SET_BALANCE, {"wallet_id": wallet.id, "new_balance": after})
        set_committed_value(wallet, "balance", after)
    for wallet, before, _after in moved:  # once written: a receiver's reads see the balances
        events.balance_moved.send(wallet, store_id=store_id, before=before, txn_id=txn_id)
    return txn_id
