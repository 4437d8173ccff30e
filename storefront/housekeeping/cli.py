"""``flask storefront purge-quotes``, ``purge-uploads`` and ``purge-jobs``: the daily purges,
by hand."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import AppGroup, with_appcontext

from storefront import uploads
from storefront.extensions import db
from storefront.housekeeping.jobs import (
    JOB_RETENTION_DAYS,
    QUOTE_RETENTION_DAYS,
    purge_expired_quotes,
    purge_finished_jobs,
)


@click.command("purge-quotes")
@with_appcontext
@click.option(
    "--older-than-days",
    type=click.IntRange(min=1),
    default=QUOTE_RETENTION_DAYS,
    show_default=True,
    help="Delete quotes that expired more than this many days ago.",
)
def purge_quotes_command(older_than_days: int) -> None:
    """Delete expired quotes no order or opportunity refers to (the worker runs it daily)."""
    deleted = purge_expired_quotes(retention=timedelta(days=older_than_days))
    click.echo(
        f"purge-quotes: deleted {deleted} quote(s) expired more than {older_than_days} day(s) ago"
    )


@click.command("purge-uploads")
@with_appcontext
@click.option(
    "--older-than-days",
    type=click.IntRange(min=0),
    default=None,
    help="Delete files decided more than this many days ago "
    "[default: STOREFRONT_UPLOAD_RETENTION_DAYS, 30].",
)
def purge_uploads_command(older_than_days: int | None) -> None:
    """Delete files of rejected or superseded real-name submissions and rejected remittance
    claims after the review window (the worker runs it daily)."""
    retention = None if older_than_days is None else timedelta(days=older_than_days)
    deleted = uploads.purge_uploads(retention=retention)
    db.session.commit()
    click.echo(f"purge-uploads: deleted {deleted} file(s)")


@click.command("purge-jobs")
@with_appcontext
@click.option(
    "--older-than-days",
    type=click.IntRange(min=0),
    default=JOB_RETENTION_DAYS,
    show_default=True,
    help="Delete periodic jobs that finished more than this many days ago.",
)
def purge_jobs_command(older_than_days: int) -> None:
    """Delete finished periodic jobs (reconcile, syncs, purges); one-off and dead jobs stay
    (the worker runs it daily)."""
    deleted = purge_finished_jobs(retention=timedelta(days=older_than_days))
    db.session.commit()
    click.echo(f"purge-jobs: deleted {deleted} finished periodic job(s)")


def register(group: AppGroup) -> None:
    group.add_command(purge_quotes_command)
    group.add_command(purge_uploads_command)
    group.add_command(purge_jobs_command)
