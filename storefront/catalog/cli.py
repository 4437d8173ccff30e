"""``flask storefront sync-catalog`` and ``sync-prices``: resumable, safe while serving.

Schedule with cron (see :mod:`storefront.catalog.sync` for the line).
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import click
from flask.cli import AppGroup, with_appcontext

from storefront.catalog import price_sync, sync
from storefront.clock import utcnow
from storefront.cloud.interface import CloudError
from storefront.extensions import cloud_provider, db

_window = click.option(
    "--window-hours",
    type=click.FloatRange(min=0),
    default=sync.DEFAULT_WINDOW.total_seconds() / 3600,
    show_default=True,
    help="Skip what was fetched within this many hours (how a stopped run resumes).",
)
_force = click.option("--force", is_flag=True, help="Fetch everything again.")
_quiet = click.option("--quiet", is_flag=True, help="No progress bar (for cron).")


def _run(label: str, units: list[Any], job: Any, quiet: bool) -> int:
    done = 0
    try:
        if quiet:
            done = job(units)
        else:
            with click.progressbar(units, label=label, show_pos=True, show_eta=True) as bar:
                done = job(bar)
    except CloudError as exc:
        db.session.rollback()
        raise click.ClickException(
            f"{label} stopped: {exc}. What was fetched is kept; run again to continue."
        ) from exc
    return done


def register(group: AppGroup) -> None:
    """The catalogue area's commands: the catalogue and price sync."""
    group.add_command(sync_catalog_command)
    group.add_command(sync_prices_command)


@click.command("sync-catalog")
@with_appcontext
@_window
@_force
@_quiet
def sync_catalog_command(window_hours: float, force: bool, quiet: bool) -> None:
    """Fetch regions' specs from the provider into the local catalogue."""
    now, window = utcnow(), timedelta(hours=window_hours)

    def job(units: Any) -> int:
        return sync.sync_catalog(
            db.session, cloud_provider(), now=now, window=window, force=force, units=units
        )

    started = time.monotonic()
    units = sync.catalogue_units(db.session)
    db.session.commit()
    done = _run("Catalogue", units, job, quiet)
    click.echo(
        f"Catalogue: fetched {done} of {len(units)} units (the rest were fresh) "
        f"in {time.monotonic() - started:.1f} s."
    )


@click.command("sync-prices")
@with_appcontext
@_window
@_force
@_quiet
def sync_prices_command(window_hours: float, force: bool, quiet: bool) -> None:
    """Rate every missing or stale price (on demand, monthly, yearly and longer terms) into
    the price book, up to 100 items per rating call."""
    now, window = utcnow(), timedelta(hours=window_hours)
    stats = price_sync.Stats()
    started = time.monotonic()
    units = sync.price_units(db.session, now=now, window=window, force=force, stats=stats)
    if not quiet:
        click.echo(
            f"Prices: {stats.fresh} price series fresh; {len(units)} rating calls to make "
            f"for {sum(len(u.series) for u in units)} series."
        )

    def job(todo: Any) -> int:
        return sync.sync_prices(
            db.session, cloud_provider(), now=now, window=window, units=todo, stats=stats
        )

    done = _run("Prices", units, job, quiet)
    click.echo(
        f"Prices: {done} rating calls (on demand {stats.calls['on_demand']}, prepaid "
        f"{stats.calls['period']}), {stats.series} series rated: {stats.inserted} rows "
        f"written, {stats.unchanged} unchanged, {stats.deleted} replaced; {stats.fresh} "
        f"series were fresh; {time.monotonic() - started:.1f} s."
    )
