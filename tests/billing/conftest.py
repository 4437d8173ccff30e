"""Billing fixtures: staff and customers, a funding helper and the ledger invariants."""

from __future__ import annotations

import os
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from storefront.accounts.models import Customer
from storefront.billing import services
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
    """Every transaction balances; every wallet equals the sum of its postings, never < 0."""
    totals: dict[int, Decimal] = {}
    for txn_id, amount in db.session.execute(
        select(Posting.transaction_id, Posting.amount).execution_options(all_stores=True)
    ):
        totals[txn_id] = totals.get(txn_id, Decimal(0)) + amount
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
        assert wallet.balance == services.sum_postings(wallet.account_id, wallet.store_id), wallet
