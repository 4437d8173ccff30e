"""``flask storefront cert-reminders``: mail staff whose certification expires soon."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale, gettext

from storefront.accounts.models import Staff
from storefront.extensions import db
from storefront.mail import send_template
from storefront.partners.services import now, reconcile_allocations
from storefront.partners.settings import partner_settings
from storefront.partners.workspace import due_reminders
from storefront.stores.models import Store
from storefront.stores.tenancy import store_context


def send_cert_reminders(days: int, today: date | None = None) -> int:
    """Mail each certified staff member once, ``days`` (or fewer) before expiry; the count."""
    sent = 0
    for cert in due_reminders(days, today):
        store = db.session.get(Store, cert.store_id)
        holder = db.session.get(Staff, cert.staff_id)
        if store is None or holder is None or not holder.is_active:
            continue
        with store_context(store):
            locale = store.default_locale
            with force_locale(locale):
                subject = gettext("Your certification expires soon")
            send_template(
                "partners_cert_reminder",
                to=holder.email,
                subject=subject,
                locale=locale,
                staff=holder,
                cert=cert,
            )
        cert.reminded_at = now()
        db.session.commit()
        sent += 1
    return sent


@click.command("partners-reconcile")
@with_appcontext
def partners_reconcile() -> None:
    """Confirm or fail allocations to resellers left pending, asking the provider."""
    report = reconcile_allocations()
    click.echo(
        f"{report.examined} pending allocation(s) examined: "
        f"{len(report.confirmed)} confirmed, {len(report.failed)} failed, "
        f"{len(report.pending)} still pending"
    )


@click.command("cert-reminders")
@with_appcontext
@click.option("--days", type=int, default=None, help="Remind this many days before expiry.")
def cert_reminders(days: int | None) -> None:
    """Mail staff whose certification expires within N days (once per certificate)."""
    count = send_cert_reminders(days or partner_settings().cert_reminder_days)
    click.echo(f"{count} reminder(s) sent")


def register(group: AppGroup) -> None:
    group.add_command(partners_reconcile)
    group.add_command(cert_reminders)
