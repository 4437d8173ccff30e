"""``flask storefront ledger-check`` passes on good data, fails on a corrupted cache."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import text

from storefront.accounts.models import Customer
from storefront.extensions import db


def test_ledger_check_passes_then_fails_on_corruption(
    app: Flask, customer: Customer, make_customer: Callable[..., Customer],
    give: Callable[[Customer, str], None],
) -> None:
    give(customer, "10.00")
    give(customer, "-2.50")
    give(make_customer(), "3.00")
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["storefront", "ledger-check"])
    assert ok.exit_code == 0, ok.output
    assert "3 transactions, 6 postings, 2 wallets" in ok.output and "OK" in ok.output

    with app.app_context(), db.engine.begin() as conn:
        conn.execute(
            text("UPDATE wallets SET balance = balance + 1 WHERE customer_id = :c"),
            {"c": customer.id},
        )
    bad = runner.invoke(args=["storefront", "ledger-check"])
    assert bad.exit_code == 1
    assert "MISMATCH" in bad.output and "cached 8.50, postings sum to 7.50" in bad.output


def test_ledger_check_catches_an_unbalanced_transaction(
    app: Flask, customer: Customer, give: Callable[[Customer, str], None]
) -> None:
    give(customer, "10.00")
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("UPDATE postings SET amount = -9.99 WHERE amount < 0"))
    bad = app.test_cli_runner().invoke(args=["storefront", "ledger-check"])
    assert bad.exit_code == 1 and "UNBALANCED" in bad.output
