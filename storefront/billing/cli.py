"""The billing area's commands: ``ledger-check`` (prove the ledger balances and the wallet
caches agree), ``sync-vouchers``, and the order machinery: ``worker``, ``reconcile``,
``bill-usage``."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import click
from flask.cli import AppGroup, ScriptInfo, with_appcontext
from sqlalchemy import select

from storefront.billing import reconcile, usage, worker
from storefront.billing.models import JournalTransaction, Posting, Wallet
from storefront.billing.vouchers import sync_vouchers
from storefront.clock import utcnow
from storefront.extensions import db


@dataclass
class LedgerReport:
    transactions: int = 0
    postings: int = 0
    wallets: int = 0
    unbalanced: list[tuple[int, Decimal]] = field(default_factory=list)
    empty: list[int] = field(default_factory=list)
    mismatched: list[tuple[int, Decimal, Decimal]] = field(default_factory=list)
    negative: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.unbalanced or self.empty or self.mismatched or self.negative)


def check_ledger() -> LedgerReport:
    """Stream every posting once (all stores), summing exactly with ``Decimal``."""
    report = LedgerReport()
    by_txn: dict[int, Decimal] = defaultdict(Decimal)
    by_account: dict[int, Decimal] = defaultdict(Decimal)
    rows = db.session.execute(
        select(Posting.transaction_id, Posting.account_id, Posting.amount).execution_options(
            all_stores=True, yield_per=5000
        )
    )
    for txn_id, account_id, amount in rows:
        report.postings += 1
        by_txn[txn_id] += amount
        by_account[account_id] += amount
    txn_ids = db.session.scalars(
        select(JournalTransaction.id).execution_options(all_stores=True)
    ).all()
    report.transactions = len(txn_ids)
    report.empty = [t for t in txn_ids if t not in by_txn]
    report.unbalanced = [(t, total) for t, total in by_txn.items() if total != 0]
    wallets = db.session.execute(
        select(Wallet.id, Wallet.account_id, Wallet.balance).execution_options(all_stores=True)
    ).all()
    report.wallets = len(wallets)
    for wallet_id, account_id, cached in wallets:
        expected = by_account.get(account_id, Decimal("0.00"))
        if cached != expected:
            report.mismatched.append((wallet_id, cached, expected))
        if cached < 0:
            report.negative.append(wallet_id)
    return report


def register(group: AppGroup) -> None:
    """The billing area's commands: ledger, vouchers, orders."""
    for command in (
        ledger_check_command,
        sync_vouchers_command,
        worker_command,
        reconcile_command,
        bill_usage_command,
    ):
        group.add_command(command)


# --- ledger -------------------------------------------------------------------------------


@click.command("ledger-check")
@with_appcontext
def ledger_check_command() -> None:
    """Check every transaction balances and every wallet equals its postings."""
    report = check_ledger()
    click.echo(
        f"ledger: {report.transactions} transactions, {report.postings} postings, "
        f"{report.wallets} wallets"
    )
    for txn_id, total in report.unbalanced:
        click.echo(f"UNBALANCED transaction {txn_id}: postings sum to {total}", err=True)
    for txn_id in report.empty:
        click.echo(f"EMPTY transaction {txn_id}: no postings", err=True)
    for wallet_id, cached, expected in report.mismatched:
        click.echo(
            f"MISMATCH wallet {wallet_id}: cached {cached}, postings sum to {expected}",
            err=True,
        )
    for wallet_id in report.negative:
        click.echo(f"NEGATIVE wallet {wallet_id}", err=True)
    if not report.ok:
        click.echo("ledger-check FAILED", err=True)
        raise SystemExit(1)
    click.echo("ledger-check OK")


# --- wallet: vouchers ---------------------------------------------------------------------


@click.command("sync-vouchers")
@with_appcontext
def sync_vouchers_command() -> None:
    """Retry mirroring vouchers at the provider (upstream_pending / reclaim_pending)."""
    done, pending = sync_vouchers()
    click.echo(f"sync-vouchers: {done} done, {pending} still pending")
    if pending:
        raise SystemExit(1)


# --- orders: the worker, reconcile, usage -------------------------------------------------


@click.command("worker")
@with_appcontext
@click.option("--poll", default=1.0, show_default=True, help="Seconds between idle polls.")
@click.option("--once", is_flag=True, help="Run the ready jobs, then exit.")
def worker_command(poll: float, once: bool) -> None:
    """Run background jobs: provisioning, retries, reconcile, usage billing, the purges."""
    if once:
        worker.schedule_periodic()
        click.echo(f"ran {worker.run_pending()} jobs")
        return
    click.echo(f"storefront worker started as {worker.worker_name()} (Ctrl-C stops it)")
    # the app itself (its threads push their own contexts): the one the CLI loaded
    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    with contextlib.suppress(KeyboardInterrupt):
        worker.work(app, poll_s=poll)


@click.command("reconcile")
@with_appcontext
@click.option(
    "--older-than",
    default=120,
    show_default=True,
    help="Seconds an order must have been stuck before it is reconciled.",
)
def reconcile_command(older_than: int) -> None:
    """Finish or refund orders stuck in an intermediate state, take over jobs whose worker
    died, and say what it found (cron: every 5 minutes)."""
    report = reconcile.reconcile(older_than=timedelta(seconds=older_than))
    db.session.commit()
    for line in reconcile.describe_expired_leases(report.expired_leases, utcnow()):
        click.echo(f"DEAD WORKER {line}")
    ran = worker.run_pending()
    click.echo(
        f"reconcile: {report.examined} examined, {len(report.completed)} completed, "
        f"{len(report.refunded)} refunded, {len(report.pending)} still pending, "
        f"{len(report.expired_leases)} leased by a dead worker, "
        f"{report.resources_synced} resources synced, "
        f"{len(report.charges_settled)} charges settled, {ran} jobs run"
    )
    for order_id in report.shortfalls:
        click.echo(
            f"SHORTFALL order {order_id}: the provider charged more than was funded",
            err=True,
        )


@click.command("bill-usage")
@with_appcontext
def bill_usage_command() -> None:
    """Import on-demand usage and charge wallets (cron: hourly)."""
    report = usage.bill_usage()
    click.echo(
        f"bill-usage: {report.customers} customers, {report.records} records, "
        f"charged {report.charged}, shortfall {report.shortfall}, "
        f"frozen {len(report.frozen)}"
    )
    for error in report.errors:
        click.echo(f"ERROR {error}", err=True)
