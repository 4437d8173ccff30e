"""Hypothesis: money parsing properties and a state machine over the wallet services."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from storefront.accounts.models import Customer, Staff
from storefront.billing import ledger, services
from storefront.billing.errors import (
    IdempotencyConflict,
    InsufficientBalance,
    InvalidAmount,
    RefundExceedsPayment,
)
from storefront.extensions import db
from tests.billing.conftest import assert_ledger_invariants

CENTS = st.integers(min_value=1, max_value=10**17 - 1)
amounts = st.integers(min_value=1, max_value=50_000).map(lambda c: Decimal(c).scaleb(-2))


@given(cents=CENTS, negative=st.booleans())
def test_two_place_amounts_round_trip(cents: int, negative: bool) -> None:
    value = Decimal(-cents if negative else cents).scaleb(-2)
    assert ledger.parse_amount(str(value), allow_negative=True) == value
    assert ledger.format_amount(ledger.parse_amount(str(value), allow_negative=True)) == str(value)


@given(mills=st.integers(min_value=1, max_value=10**9).filter(lambda m: m % 10))
def test_three_places_are_refused(mills: int) -> None:
    with pytest.raises(InvalidAmount):
        ledger.parse_amount(str(Decimal(mills).scaleb(-3)))


@given(
    whole=st.integers(min_value=10**16, max_value=10**80),
    cents=st.integers(min_value=0, max_value=99),
    negative=st.booleans(),
)
def test_amounts_beyond_the_column_are_refused_whatever_their_size(
    whole: int, cents: int, negative: bool
) -> None:
    """Numeric(18, 2) holds at most 16 whole digits; longer ones are a clear refusal, never
    an arithmetic error (a 27-digit amount used to escape as ``InvalidOperation``: a 500)."""
    text = f"{'-' if negative else ''}{whole}.{cents:02d}"
    with pytest.raises(InvalidAmount, match="too large"):
        ledger.parse_amount(text, allow_negative=True)
    with pytest.raises(InvalidAmount, match="too large"):
        ledger.parse_amount(-whole if negative else whole, allow_negative=True)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_floats_are_refused(value: float) -> None:
    with pytest.raises(InvalidAmount):
        ledger.parse_amount(value)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.integers(min_value=-30_000, max_value=30_000).filter(bool), max_size=12))
def test_any_funding_sequence_keeps_the_balance_exact_and_non_negative(
    app: Flask, make_customer: Callable[..., Customer], owner: Staff, steps: list[int]
) -> None:
    customer = make_customer()
    expected = Decimal("0.00")
    with app.app_context():
        for cents in steps:
            amount = Decimal(cents).scaleb(-2)
            try:
                services.fund(customer, str(amount), "prop", owner)
            except InsufficientBalance:
                assert expected + amount < 0
            else:
                expected += amount
            assert services.balance(customer) == expected >= 0
        assert_ledger_invariants()


class WalletMachine(RuleBasedStateMachine):
    """Fund / take back / debit / refund / replay, checked against a model after each step."""

    app: Flask
    staff: Staff
    new_customer: Callable[[], Customer]

    orders = Bundle("orders")
    keys = Bundle("keys")

    def __init__(self) -> None:
        super().__init__()
        self.customer = self.new_customer()
        self.ctx = self.app.app_context()
        self.ctx.push()
        self.expected = Decimal("0.00")
        self.paid: dict[str, Decimal] = {}
        self.serial = 0
        self.run = uuid.uuid4().hex  # keys never repeat across examples (id() can be reused)

    def teardown(self) -> None:
        db.session.rollback()
        self.ctx.pop()

    def _next(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}-{self.run}-{self.serial}"

    @rule(target=keys, amount=amounts, take_back=st.booleans())
    def fund(self, amount: Decimal, take_back: bool) -> Any:
        value = -amount if take_back else amount
        key = self._next("key")
        try:
            result = services.fund(self.customer, str(value), "sm", self.staff, key)
        except InsufficientBalance:
            assert self.expected + value < 0
            return (key, value, None)
        self.expected += value
        assert result["balance"] == str(self.expected)
        return (key, value, result)

    @rule(entry=keys)
    def replay(self, entry: tuple[str, Decimal, dict[str, Any] | None]) -> None:
        key, value, first = entry
        if first is None:
            return  # a refused request records nothing; replaying it would run anew
        assert services.fund(self.customer, str(value), "sm", self.staff, key) == first
        with pytest.raises(IdempotencyConflict):
            services.fund(self.customer, str(value), "a different note", self.staff, key)

    @rule(target=orders, amount=amounts)
    def debit(self, amount: Decimal) -> Any:
        reference = self._next("order")
        try:
            services.debit(self.customer, str(amount), "order", reference)
            db.session.commit()
        except InsufficientBalance:
            db.session.rollback()
            assert amount > self.expected
            return reference
        self.expected -= amount
        self.paid[reference] = amount
        return reference

    @rule(reference=consumes(orders), part=st.integers(min_value=1, max_value=100))
    def refund(self, reference: str, part: int) -> None:
        paid = self.paid.get(reference, Decimal("0.00"))
        amount = ledger.quantize(paid * part / 100) if paid else Decimal("0.01")
        try:
            services.refund(self.customer, str(amount), "refund", reference)
            db.session.commit()
        except (RefundExceedsPayment, InvalidAmount):
            db.session.rollback()
            assert amount > paid or amount == 0
            return
        self.paid[reference] = paid - amount
        self.expected += amount

    @invariant()
    def balance_matches_the_model_and_the_ledger(self) -> None:
        assert services.balance(self.customer) == self.expected >= 0
        assert_ledger_invariants()


def test_wallet_state_machine(
    app: Flask, make_customer: Callable[..., Customer], owner: Staff
) -> None:
    WalletMachine.app = app
    WalletMachine.staff = owner
    WalletMachine.new_customer = staticmethod(make_customer)  # type: ignore[assignment]
    run_state_machine_as_test(
        WalletMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
