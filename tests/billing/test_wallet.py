"""Wallet services: funding, take-back, debit/credit/refund, statements, append-only postings."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy import select

from storefront.accounts.models import Customer, Staff
from storefront.billing import ledger, services
from storefront.billing.errors import (
    IdempotencyConflict,
    InsufficientBalance,
    InvalidAmount,
    RefundExceedsPayment,
    UnbalancedTransaction,
    WrongStore,
)
from storefront.billing.models import (
    AccountKind,
    AppendOnlyViolation,
    JournalTransaction,
    Posting,
    TransactionKind,
)
from storefront.extensions import db
from tests.billing.conftest import assert_ledger_invariants


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12.50", "12.50"), ("-3", "-3.00"), (7, "7.00"), (" 0.01 ", "0.01"), ("1.5", "1.50")],
)
def test_parse_amount_accepts(raw: object, expected: str) -> None:
    assert ledger.parse_amount(raw, allow_negative=True) == Decimal(expected)


@pytest.mark.parametrize(
    "raw",
    ["", "abc", "1.234", "0", "0.00", "NaN", "Infinity", "1e3", 1.5, True, None, "--1",
     "99999999999999999.00", [], "1,00",
     # 27 digits and more: no room for two decimals in the decimal context (was a 500)
     "780028159973379966975099744", "-780028159973379966975099744", 10**30, "9" * 60],
)
def test_parse_amount_refuses(raw: object) -> None:
    with pytest.raises(InvalidAmount):
        ledger.parse_amount(raw, allow_negative=True)


def test_parse_amount_refuses_negative_unless_allowed() -> None:
    with pytest.raises(InvalidAmount):
        ledger.parse_amount("-1.00")


def test_fund_and_take_back(app: Flask, customer: Customer, owner: Staff) -> None:
    with app.app_context():
        first = services.fund(customer, "100.00", "welcome", owner)
        assert first["balance"] == "100.00" and first["currency"] == "CNY"
        assert services.fund(customer, "-40.50", "correction", owner)["balance"] == "59.50"
        with pytest.raises(InsufficientBalance):
            services.fund(customer, "-59.51", "too much", owner)
        assert services.balance(customer) == Decimal("59.50")
        assert services.wallet_summary(customer) == {"balance": "59.50", "currency": "CNY"}
        txn = db.session.scalars(
            select(JournalTransaction).order_by(JournalTransaction.id)
        ).first()
        assert txn is not None
        assert txn.staff_id == owner.id and txn.memo == "welcome"
        assert txn.kind is TransactionKind.FUND
        kinds = {p.account.kind: p.amount for p in txn.postings}
        assert kinds == {
            AccountKind.CUSTOMER_WALLET: Decimal("100.00"),
            AccountKind.BANK_CLEARING: Decimal("-100.00"),
        }
        assert_ledger_invariants()


def test_taking_back_from_an_empty_wallet_is_refused(
    app: Flask, customer: Customer, owner: Staff
) -> None:
    with app.app_context():
        with pytest.raises(InsufficientBalance):
            services.fund(customer, "-0.01", "nothing there", owner)
        assert services.balance(customer) == Decimal("0.00")
        assert db.session.scalar(select(db.func.count(Posting.id))) == 0


def test_staff_of_another_store_cannot_fund(
    app: Flask, customer: Customer, make_store: Callable[..., object],
    make_staff: Callable[..., Staff],
) -> None:
    stranger = make_staff(store=make_store())
    with app.app_context(), pytest.raises(WrongStore):
        services.fund(customer, "10.00", "x", stranger)


def test_idempotent_funding(app: Flask, customer: Customer, owner: Staff) -> None:
    with app.app_context():
        first = services.fund(customer, "25.00", "promo", owner, idempotency_key="k-1")
        again = services.fund(customer, "25.00", "promo", owner, idempotency_key="k-1")
        assert again == first
        assert services.balance(customer) == Decimal("25.00")
        with pytest.raises(IdempotencyConflict):
            services.fund(customer, "26.00", "promo", owner, idempotency_key="k-1")
        # a failed request records nothing: the same key may then be used successfully
        with pytest.raises(InsufficientBalance):
            services.fund(customer, "-99.00", "oops", owner, idempotency_key="k-2")
        assert services.fund(customer, "-5.00", "ok", owner, idempotency_key="k-3")[
            "balance"
        ] == "20.00"
        assert_ledger_invariants()


def test_debit_credit_refund(
    app: Flask, customer: Customer, give: Callable[[Customer, str], None]
) -> None:
    give(customer, "50.00")
    with app.app_context():
        services.debit(customer, "30.00", "order", "order:1")
        db.session.commit()
        with pytest.raises(InsufficientBalance):
            services.debit(customer, "20.01", "order", "order:2")
        db.session.rollback()
        services.refund(customer, "10.00", "partial", "order:1")
        services.refund(customer, "20.00", "rest", "order:1")
        with pytest.raises(RefundExceedsPayment):
            services.refund(customer, "0.01", "again", "order:1")
        db.session.rollback()
        services.credit(customer, "1.25", "sorry", "ticket:9", source=AccountKind.STORE_REVENUE)
        db.session.commit()
        assert services.balance(customer) == Decimal("21.25")
        assert_ledger_invariants()


def test_unbalanced_transactions_are_refused(app: Flask, customer: Customer) -> None:
    with app.app_context():
        store_id = customer.store_id
        revenue = ledger.store_account(store_id, AccountKind.STORE_REVENUE, "CNY")
        clearing = ledger.store_account(store_id, AccountKind.BANK_CLEARING, "CNY")
        with pytest.raises(UnbalancedTransaction):
            ledger.post(
                store_id=store_id, currency="CNY", kind=TransactionKind.CREDIT,
                legs=[ledger.Leg(revenue, Decimal("1.00")), ledger.Leg(clearing, Decimal("-0.99"))],
            )
        with pytest.raises(InvalidAmount):
            ledger.post(
                store_id=store_id, currency="CNY", kind=TransactionKind.CREDIT,
                legs=[ledger.Leg(revenue, Decimal("0.001")),
                      ledger.Leg(clearing, Decimal("-0.001"))],
            )
        wallet_id = ledger.ensure_wallet(store_id, customer.id, "CNY")
        wallet = ledger.lock_wallet(wallet_id)
        wallet_account = db.session.get(ledger.LedgerAccount, wallet.account_id)
        assert wallet_account is not None
        with pytest.raises(RuntimeError):  # wallet legs need the wallet locked
            ledger.post(
                store_id=store_id, currency="CNY", kind=TransactionKind.CREDIT,
                legs=[ledger.Leg(wallet_account, Decimal("1.00")),
                      ledger.Leg(clearing, Decimal("-1.00"))],
            )


def test_postings_are_append_only(
    app: Flask, customer: Customer, give: Callable[[Customer, str], None]
) -> None:
    give(customer, "10.00")
    with app.app_context():
        posting = db.session.scalars(select(Posting)).first()
        assert posting is not None
        posting.amount = Decimal("1000.00")
        with pytest.raises(AppendOnlyViolation):
            db.session.flush()
        db.session.rollback()
        txn = db.session.scalars(select(JournalTransaction)).one()
        db.session.delete(txn)
        with pytest.raises(AppendOnlyViolation):
            db.session.flush()
        db.session.rollback()
        assert_ledger_invariants()


def test_ledger_lines_keyset_pagination(
    app: Flask, customer: Customer, owner: Staff
) -> None:
    with app.app_context():
        for n in range(1, 8):
            services.fund(customer, f"{n}.00", f"n{n}", owner)
        seen: list[dict[str, object]] = []
        cursor = None
        while True:
            items, cursor = services.ledger_lines(customer, cursor, limit=3)
            seen.extend(items)
            if cursor is None:
                break
        assert [i["memo"] for i in seen] == [f"n{n}" for n in range(7, 0, -1)]
        assert seen[0]["balance_after"] == "28.00" and seen[-1]["balance_after"] == "1.00"
        assert seen[0]["amount"] == "7.00" and seen[0]["staff_id"] == owner.id
        with pytest.raises(services.InvalidCursor):
            services.ledger_lines(customer, "abc")
        with pytest.raises(services.InvalidCursor):  # a digit to str.isdigit(), not to int()
            services.ledger_lines(customer, "²")
