"""Billing fixtures: staff and customers, a funding helper and the ledger invariants."""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from storefront.accounts.models import Customer
from storefront.billing.models import JournalTransaction, Posting, Wallet
from storefront.extensions import db

_URL = os.environ.get("STOREFRONT_TEST_DATABASE_URL") or os.environ.get(
    "STOREFRONT_DATABASE_URL", ""
)
ON_POSTGRES = _URL.startswith("postgresql")
requires_postgres = pytest.mark.skipif(
    not ON_POSTGRES, reason="PostgreSQL only (row locks); runs in CI's PostgreSQL pass"
)


@pytest.fixture
def customer(make_customer: Callable[..., Customer]) -> Customer:
    return make_customer()


def assert_ledger_invariants() -> None:
    """Every transaction balances; every wallet equals the sum of its postings, never < 0.

    One pass over the postings sums them per transaction and per account (exact Decimals), so
    the state machines can check after every step without a query per wallet: their examples
    leave wallets behind, and a query each made the check grow with every example."""
    totals: dict[int, Decimal] = {}
    accounts: dict[tuple[int, int | None], Decimal] = {}
    for txn_id, account_id, store_id, amount in db.session.execute(
        select(
            Posting.transaction_id, Posting.account_id, Posting.store_id, Posting.amount
        ).execution_options(all_stores=True)
    ):
        totals[txn_id] = totals.get(txn_id, Decimal(0)) + amount
        accounts[account_id, store_id] = accounts.get((account_id, store_id), Decimal(0)) + amount
    assert all(total == 0 for total in totals.values()), totals
    txn_count = db.session.scalar(
        select(func.count(JournalTransaction.id)).execution_options(all_stores=True)
    )
    assert txn_count == len(totals)
    wallets = db.session.scalars(
        select(Wallet).execution_options(all_stores=True, populate_existing=True)
    ).all()
    for wallet in wallets:
        assert wallet.balance >= 0
        assert wallet.balance == accounts.get((wallet.account_id, wallet.store_id), 0), wallet
