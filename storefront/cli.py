"""``flask storefront …`` commands: init, seed-demo, purge-quotes, and the jobs areas add."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from storefront import uploads
from storefront.accounts.bootstrap import ensure_owner
from storefront.areas import hooks
from storefront.config import Settings
from storefront.extensions import db
from storefront.housekeeping import QUOTE_RETENTION_DAYS, purge_expired_quotes
from storefront.stores.services import ensure_default_store
from storefront.stores.tenancy import store_context

storefront_cli = AppGroup("storefront", help="Storefront operations.")


def ensure_configured_owner() -> str | None:
    """The default store's owner from ``STOREFRONT_ADMIN_EMAIL``/``_PASSWORD``; its email."""
    store = ensure_default_store()
    settings: Settings = current_app.config["SETTINGS"]
    if settings.admin_email and settings.admin_password:
        ensure_owner(store, settings.admin_email, settings.admin_password)
        return settings.admin_email
    return None


def seed_demo_data() -> None:
    """The demo store, then each area's demo data (its ``seed.seed_demo()``). Idempotent."""
    store = ensure_default_store()
    ensure_configured_owner()
    db.session.commit()
    with store_context(store):
        for seed in hooks("seed"):
            seed.seed_demo()
            db.session.commit()


@storefront_cli.command("init")
def init_command() -> None:
    """Apply database migrations and create the default store."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    owner = ensure_configured_owner()
    db.session.commit()
    click.echo("Database migrated; default store ready.")
    if owner:
        click.echo(f"Owner account: {owner}")


@storefront_cli.command("seed-demo")
def seed_demo_command() -> None:
    """Seed the demo store and catalogue (idempotent)."""
    seed_demo_data()
    click.echo("Demo data seeded.")


@storefront_cli.command("purge-quotes")
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


@storefront_cli.command("purge-uploads")
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


def register(app: Flask) -> None:
    for area_cli in hooks("cli"):
        area_cli.register(storefront_cli)
    app.cli.add_command(storefront_cli)
