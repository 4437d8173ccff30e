"""``flask storefront link-customers | sync-realname | rotate-encryption``."""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from storefront.accounts import registration, services
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.stores.tenancy import store_context


def _each_store() -> list[Store]:
    return list(db.session.scalars(db.select(Store).order_by(Store.id)))


@click.command("link-customers")
@with_appcontext
def link_customers() -> None:
    """Create or confirm provider sub-customers whose link is not made yet."""
    for store in _each_store():
        with store_context(store):
            counts = registration.reconcile_links()  # commits customer by customer
        click.echo(f"{store.slug}: {counts}")


@click.command("sync-realname")
@with_appcontext
def sync_realname() -> None:
    """Poll the provider for pending real-name reviews."""
    for store in _each_store():
        with store_context(store):
            counts = services.sync_realname()
            db.session.commit()
        click.echo(f"{store.slug}: {counts}")


@click.command("rotate-encryption")
@with_appcontext
def rotate_encryption() -> None:
    """Re-encrypt personal data with the newest STOREFRONT_ENCRYPTION_KEYS key."""
    for store in _each_store():
        with store_context(store):
            count = services.rotate_encryption()
            db.session.commit()
        click.echo(f"{store.slug}: {count} values re-encrypted")


def register(group: AppGroup) -> None:
    for command in (link_customers, sync_realname, rotate_encryption):
        group.add_command(command)
