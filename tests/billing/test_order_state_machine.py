"""Issue 5: a Hypothesis state machine over fund / order / refund / take-back (and replays).

It drives the real services against the app's database — ``billing.services.fund`` (positive
and negative), ``billing.orders.place_order`` on quotes priced by the catalogue services,
``billing.orders.refund_order`` — and after every step checks the ledger invariants: the
balance is never below zero and equals a model of the expected balance, the cached wallet
balance equals the sum of its postings, every transaction balances, and replaying a request
under the same idempotency key returns the first answer and moves no money. The provisioning
worker is not run: orders stay paid until refunded, which is all the money side needs.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from storefront.accounts.models import Customer, Staff
from storefront.billing import orders, services
from storefront.billing.errors import IdempotencyConflict, InsufficientBalance
from storefront.billing.models import Order, OrderStatus, Posting
from storefront.catalog.models import Quote
from storefront.extensions import db
from tests.billing.conftest import assert_ledger_invariants
from tests.shop import EVS

ECS = {"product": "ecs", "spec": "s6.large.2.linux", "quantity": 1}
BASKETS = st.sampled_from([[ECS], [EVS], [ECS, EVS]])
amounts = st.integers(min_value=1, max_value=200_000).map(lambda c: Decimal(c).scaleb(-2))


class OrderMachine(RuleBasedStateMachine):
    app: Flask
    staff: Staff
    new_buyer: Callable[[], Customer]
    new_quote: Callable[..., str]

    fundings = Bundle("fundings")
    placed = Bundle("placed")
    refunded = Bundle("refunded")

    def __init__(self) -> None:
        super().__init__()
        self.customer = self.new_buyer()
        self.ctx = self.app.app_context()
        self.ctx.push()
        self.expected = Decimal("0.00")

    def teardown(self) -> None:
        db.session.rollback()
        self.ctx.pop()

    def _key(self, prefix: str) -> str:
        # unique across examples: idempotency records outlive a machine (and id() is reused)
        return f"{prefix}-{uuid.uuid4().hex}"

    def _postings(self) -> int:
        return db.session.scalar(
            select(func.count(Posting.id)).execution_options(all_stores=True)
        ) or 0

    # --- funding and taking back ------------------------------------------------------------

    @initialize(target=fundings, amount=st.sampled_from(["0", "150.00", "1000.00"]))
    def opening_balance(self, amount: str) -> Any:
        """Most runs start with money so that orders get paid, not only refused."""
        if amount == "0":
            return ("none", Decimal("0"), None)
        key = self._key("open")
        result = services.fund(self.customer, amount, "sm", self.staff, key)
        self.expected += Decimal(amount)
        return (key, Decimal(amount), result)

    @rule(target=fundings, amount=amounts, take_back=st.booleans())
    def fund(self, amount: Decimal, take_back: bool) -> Any:
        value = -amount if take_back else amount
        key = self._key("fund")
        try:
            result = services.fund(self.customer, str(value), "sm", self.staff, key)
        except InsufficientBalance:
            db.session.rollback()
            assert self.expected + value < 0
            return (key, value, None)
        self.expected += value
        assert result["balance"] == str(self.expected)
        return (key, value, result)

    @rule(entry=fundings)
    def replay_funding(self, entry: tuple[str, Decimal, dict[str, Any] | None]) -> None:
        key, value, first = entry
        if first is None:
            return  # a refused request records nothing; replaying it would run anew
        before = self._postings()
        assert services.fund(self.customer, str(value), "sm", self.staff, key) == first
        assert self._postings() == before

    # --- orders ----------------------------------------------------------------------------

    @rule(target=placed, basket=BASKETS)
    def order(self, basket: list[dict[str, Any]]) -> Any:
        quote_id = self.new_quote(self.customer, items=basket)
        quote = db.session.get(Quote, quote_id)
        assert quote is not None
        total = quote.total
        key = self._key("order")
        before = self._postings()
        try:
            result = orders.place_order(self.customer, quote_id, key)
        except InsufficientBalance:
            db.session.rollback()
            assert total > self.expected
            assert self._postings() == before  # a refused order moves nothing
            return (key, quote_id, None)
        assert result["status"] == OrderStatus.PAID.value
        self.expected -= total
        return (key, quote_id, result)

    @rule(entry=placed)
    def replay_order(self, entry: tuple[str, str, dict[str, Any] | None]) -> None:
        key, quote_id, first = entry
        if first is None:
            return
        before = self._postings()
        assert orders.place_order(self.customer, quote_id, key) == first
        other_quote = self.new_quote(self.customer)
        try:
            orders.place_order(self.customer, other_quote, key)
        except IdempotencyConflict:
            db.session.rollback()
        else:
            raise AssertionError("a different quote under a used key must be refused")
        assert self._postings() == before

    @rule(target=refunded, entry=consumes(placed))
    def refund(self, entry: tuple[str, str, dict[str, Any] | None]) -> Any:
        _key, _quote_id, first = entry
        if first is None:
            return None
        order = db.session.get(Order, first["id"])
        assert order is not None
        paid = order.total - order.discount
        done = orders.refund_order(order.id, "state machine")
        db.session.commit()
        assert done is not None and done.status is OrderStatus.REFUNDED
        assert done.refunded_amount == paid
        self.expected += paid
        return order.id

    @rule(order_id=refunded)
    def refund_again(self, order_id: int | None) -> None:
        if order_id is None:
            return
        before = self._postings()
        orders.refund_order(order_id, "again")
        db.session.commit()
        assert self._postings() == before

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def ledger_holds(self) -> None:
        balance = services.balance(self.customer)
        assert balance == self.expected, (balance, self.expected)
        assert balance >= 0
        assert_ledger_invariants()  # every txn balances; cached balance = sum of postings


def test_order_state_machine(
    app: Flask,
    make_buyer: Callable[..., Customer],
    make_quote: Callable[..., str],
    make_staff: Callable[..., Staff],
) -> None:
    from storefront.accounts.models import StaffRole

    OrderMachine.app = app
    OrderMachine.staff = make_staff(role=StaffRole.FINANCE)
    OrderMachine.new_buyer = staticmethod(make_buyer)  # type: ignore[assignment]
    OrderMachine.new_quote = staticmethod(make_quote)  # type: ignore[assignment]
    run_state_machine_as_test(
        OrderMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
