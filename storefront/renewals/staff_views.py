"""Staff renewal pages (linked from the back office dashboard's renewals card):
``/staff/renewals`` (the store's resources expiring soon, failed
auto-renewals, unsubscribes with their refunds), ``/staff/renewals/settings`` and a renewal or
an unsubscribe made for a customer (audited, from the customer's wallet); the panel on the
back office's customer page (``templates/renewals/_staff_customer_panel.html``)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront.accounts.guards import staff_page
from storefront.accounts.models import Customer, Staff
from storefront.accounts.permissions import has_permission
from storefront.backoffice.blueprint import acting_staff, client_ip, customer_or_404
from storefront.billing.models import Resource, ResourceStatus
from storefront.clock import utcnow
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.navigation import NavItem, add_nav
from storefront.renewals import forms, pricing, services
from storefront.renewals.models import AutoRenewal, AutoRenewResult, Unsubscription
from storefront.stores.tenancy import in_store

bp = Blueprint("renewals_staff", __name__, url_prefix="/staff/renewals")
EXPIRING_DAYS = 15
SHOWN = 50


def _expiring(store_id: int) -> list[Resource]:
    now = utcnow()
    return list(db.session.scalars(in_store(
        select(Resource).where(
            Resource.billing_mode.in_(pricing.PREPAID_MODES),
            Resource.status != ResourceStatus.RELEASED,
            Resource.expires_at.is_not(None),
            Resource.expires_at <= now + timedelta(days=EXPIRING_DAYS),
        ).order_by(Resource.expires_at, Resource.id).limit(SHOWN), store_id)))  # fmt: skip


def _failed(store_id: int) -> list[AutoRenewal]:
    return list(db.session.scalars(in_store(
        select(AutoRenewal).where(
            AutoRenewal.enabled.is_(True),
            AutoRenewal.last_result.in_(
                [AutoRenewResult.INSUFFICIENT_BALANCE, AutoRenewResult.FAILED]),
        ).order_by(AutoRenewal.last_attempt_at.desc()).limit(SHOWN), store_id)))  # fmt: skip


def _unsubscribes(store_id: int, before: int | None) -> list[Unsubscription]:
    query = select(Unsubscription).order_by(Unsubscription.id.desc()).limit(SHOWN + 1)
    if before is not None:
        query = query.where(Unsubscription.id < before)
    return list(db.session.scalars(in_store(query, store_id)))


def _names(ids: set[int]) -> dict[int, Customer]:
    if not ids:
        return {}
    rows = db.session.scalars(select(Customer).where(Customer.id.in_(ids)))
    return {c.id: c for c in rows}


@bp.get("")
@staff_page("renewals.view")
def overview() -> ResponseReturnValue:
    store_id = acting_staff().store_id
    raw = request.args.get("before", "")
    before = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 18 else None
    unsubscribes = _unsubscribes(store_id, before)
    more = unsubscribes[SHOWN - 1].id if len(unsubscribes) > SHOWN else None
    expiring, failed = _expiring(store_id), _failed(store_id)
    resources = {r.id: r for r in expiring}
    wanted = {a.resource_id for a in failed} | {u.resource_id for u in unsubscribes}
    if wanted - set(resources):
        resources.update(
            {
                r.id: r
                for r in db.session.scalars(
                    in_store(
                        select(Resource).where(Resource.id.in_(wanted - set(resources))), store_id
                    )
                )
            }
        )
    customers = _names({r.customer_id for r in resources.values()})
    return render_template(
        "renewals/staff.html", expiring=expiring, failed=failed,
        unsubscribes=unsubscribes[:SHOWN], more=more, resources=resources,
        customers=customers, now=utcnow(),
    )  # fmt: skip


@bp.route("/settings", methods=["GET", "POST"])
@staff_page("renewals.manage")
def settings() -> ResponseReturnValue:
    staff = acting_staff()
    current = services.renewal_settings(staff.store_id)
    form = forms.SettingsForm(obj=current)
    if form.validate_on_submit():
        try:
            services.update_settings(staff, form.renew_days_before.data or 0,
                                     form.reminder_days.data or "")  # fmt: skip
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            for name, _message in exc.fields.items():
                getattr(form, name).errors.append(exc.message)
        else:
            flash(_("Renewal settings saved."), "success")
            return redirect(url_for("renewals_staff.settings"))
    db.session.commit()
    return render_template("renewals/staff_settings.html", form=form)


def _staff_resource(customer_id: int, resource_id: int) -> tuple[Customer, Resource]:
    customer = customer_or_404(customer_id)
    try:
        return customer, services.customer_resource(customer, resource_id)
    except DomainError:
        abort(404)


@bp.route("/customers/<id:customer_id>/resources/<id:resource_id>/renew",
          methods=["GET", "POST"])  # fmt: skip
@staff_page("renewals.manage")
def renew_for(customer_id: int, resource_id: int) -> ResponseReturnValue:
    customer, resource = _staff_resource(customer_id, resource_id)
    form = forms.RenewForm()
    if not form.is_submitted():
        form.term.data = request.args.get("term", "month:1")
        form.key.data = uuid.uuid4().hex
    kind, count = forms.split_term(form.term.data)
    error, price = None, None
    if form.validate_on_submit():
        try:
            result = services.renew(customer, resource.id, kind, count, form.key.data,
                                    staff=acting_staff(), ip=client_ip(),
                                    scope="renewals.staff")  # fmt: skip
        except DomainError as exc:
            error = exc.message
        else:
            services.carry_out(int(result["order_id"]), customer.store_id)
            flash(_("Renewal order %(order)s placed for the customer.",
                    order=result["order_id"]), "success")  # fmt: skip
            return redirect(url_for("backoffice.customer", customer_id=customer.id))
    try:
        price = pricing.quote(customer, resource, kind, count)
        db.session.commit()
    except DomainError as exc:
        error = error or exc.message
    return render_template("renewals/staff_renew.html", c=customer, r=resource, form=form,
                           price=price, error=error)  # fmt: skip


def customer_panel(customer: Customer) -> dict[str, Any]:
    """The back office's customer page: the customer's prepaid resources with their expiry
    and auto-renew, and their unsubscribes with the refunds."""
    store_id = customer.store_id
    resources = list(db.session.scalars(in_store(
        select(Resource).where(Resource.customer_id == customer.id,
                               Resource.billing_mode.in_(pricing.PREPAID_MODES))
        .order_by(Resource.id.desc()).limit(SHOWN), store_id)))  # fmt: skip
    unsubscribes = list(db.session.scalars(in_store(
        select(Unsubscription).where(Unsubscription.customer_id == customer.id)
        .order_by(Unsubscription.id.desc()).limit(SHOWN), store_id)))  # fmt: skip
    staff = acting_staff()
    return {
        "resources": resources,
        "autos": services.auto_renewals_of([r.id for r in resources], store_id),
        "unsubscribes": unsubscribes,
        "names": {r.id: r.name or r.provider_resource_id for r in resources},
        "can_manage": has_permission(staff, "renewals.manage"),
        "can_view": has_permission(staff, "renewals.view"),
    }


def dashboard_counts() -> dict[str, int] | None:
    """The back office dashboard's renewals card (the staff navigation has no room left):
    resources expiring within 15 days and failed auto-renewals, for staff who may see them."""
    staff = acting_staff()
    if not has_permission(staff, "renewals.view"):
        return None
    return {"expiring": len(_expiring(staff.store_id)), "failed": len(_failed(staff.store_id))}


def _may_view(user: Any) -> bool:
    return isinstance(user, Staff) and has_permission(user, "renewals.view")


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    add_nav(app, NavItem("renewals_staff.overview", _l("Renewals"), "staff", 27, _may_view))
    app.add_template_global(customer_panel, "renewals_customer_panel")
    app.add_template_global(dashboard_counts, "renewals_staff_counts")
