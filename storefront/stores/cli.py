"""``flask storefront store-freeze <store> --reason …`` / ``store-unfreeze <store>``: the
platform operator's store-level freeze (see :mod:`storefront.stores.freeze`);
``store-primary-domain <store> [<host>]``: the domain a store's links are built on
(see :mod:`storefront.stores.urls`)."""

from __future__ import annotations

import getpass

import click
from flask.cli import AppGroup, with_appcontext

from storefront.extensions import db
from storefront.stores import freeze
from storefront.stores.services import StoreError, set_primary_domain
from storefront.stores.urls import base_url

# Messages for the terminal (the service's are lazy strings for the pages' locale).
MESSAGES = {
    "reason_required": "a reason is required (--reason)",
    "invalid_input": f"the reason is too long (at most {freeze.MAX_REASON} characters)",
    "already_frozen": "this store is already frozen",
    "not_frozen": "this store is not frozen",
}


def _fail(exc: freeze.StoreFreezeError) -> click.ClickException:
    return click.ClickException(MESSAGES.get(exc.code, exc.code))


def _operator() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"platform operator ({user}, CLI)"


def _store(ref: str) -> freeze.Store:
    store = freeze.find_store(ref)
    if store is None:
        raise click.ClickException(f"no store {ref!r} (give its slug, id or a domain)")
    return store


@click.command("store-freeze")
@with_appcontext
@click.argument("store")
@click.option("--reason", required=True, help="Why (mandatory; shown to the store's staff).")
def store_freeze_command(store: str, reason: str) -> None:
    """Freeze a store: its customers keep read access, ordering and the console stop."""
    target = _store(store)
    try:
        freeze.freeze_store(target, reason, _operator())
    except freeze.StoreFreezeError as exc:
        raise _fail(exc) from None
    db.session.commit()
    click.echo(f"Store {target.slug} frozen: {reason.strip()}")


@click.command("store-unfreeze")
@with_appcontext
@click.argument("store")
@click.option("--reason", default="", help="Optional note for the audit trail.")
def store_unfreeze_command(store: str, reason: str) -> None:
    """Lift a store's freeze."""
    target = _store(store)
    try:
        freeze.unfreeze_store(target, _operator(), reason)
    except freeze.StoreFreezeError as exc:
        raise _fail(exc) from None
    db.session.commit()
    click.echo(f"Store {target.slug} unfrozen.")


@click.command("store-primary-domain")
@with_appcontext
@click.argument("store")
@click.argument("host", required=False)
def store_primary_domain_command(store: str, host: str | None) -> None:
    """Show, or set to HOST (one of its domains), the domain a store's links use.

    An empty HOST ("") clears it: the default store then links to STOREFRONT_PUBLIC_URL,
    another store to its oldest domain.
    """
    target = _store(store)
    if host is not None:
        try:
            set_primary_domain(target, host or None)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from None
        db.session.commit()
    click.echo(f"Store {target.slug} links to {base_url(target)}")


def register(group: AppGroup) -> None:
    for command in (
        store_freeze_command,
        store_unfreeze_command,
        store_primary_domain_command,
    ):
        group.add_command(command)
