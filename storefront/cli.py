"""``flask storefront …`` commands: init, seed-demo, and the commands each area adds."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from storefront.accounts.bootstrap import ensure_owner
from storefront.areas import hooks
from storefront.config import Settings
from storefront.extensions import db
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


def register(app: Flask) -> None:
    for area_cli in hooks("cli"):
        area_cli.register(storefront_cli)
    app.cli.add_command(storefront_cli)
