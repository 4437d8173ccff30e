"""Customers' renewal pages: ``/resources/<id>/renew`` (choose a term, see the price and the
new expiry, pay from the wallet), ``/resources/<id>/unsubscribe`` (see the refund, confirm),
``POST /resources/<id>/auto-renew``, ``POST /resources/<id>/expiry-policy``; and the panel
the resource page includes
(``templates/renewals/_resource_panel.html``, data from :func:`panel`)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront import labels
from storefront.accounts.guards import current_customer, customer_required
from storefront.billing.models import Order, Resource, ResourceStatus
from storefront.clock import utcnow
from storefront.errors import DomainError
from storefront.extensions import db
from storefront.renewals import expiry, forms, pricing, services, staff_views, unsubscribe
from storefront.renewals.models import Unsubscription
from storefront.servers import live
from storefront.stores.tenancy import in_store

bp = Blueprint("renewals", __name__)

# The provider's grace and retention periods for a new customer (PROVIDER.md, the partner
# center's "grace period and retention period" page: V0/V1 1 day each, longer at higher levels)
GRACE_DAYS = 1
RETENTION_DAYS = 1
HIGHLIGHT_DAYS = 15

labels.AUDIT_LABELS.update(
    {
        "renewal.staff": _l("Resource renewed by staff"),
        "renewal.auto_renew": _l("Auto-renew changed"),
        "renewal.unsubscribe": _l("Resource unsubscribed"),
        "renewal.settings": _l("Renewal settings changed"),
    }
)


def _back(resource_id: int) -> ResponseReturnValue:
    return redirect(url_for("servers.resource", resource_id=resource_id))


def panel(resource: Resource) -> dict[str, Any]:
    """What the resource page shows about keeping it: expiry, days left, its state explained,
    auto-renew, the unsubscription, and which actions are open."""
    now = utcnow()
    # the provider's expiry once synced; until then what the order bought (as servers shows it)
    expires = live.expected_expiry(resource, db.session.get(Order, resource.order_id or 0))
    prepaid = resource.billing_mode in pricing.PREPAID_MODES
    gone = db.session.scalar(
        in_store(
            select(Unsubscription).where(Unsubscription.resource_id == resource.id),
            resource.store_id,
        )
    )
    flight = pricing.in_flight(resource) if prepaid else None
    open_ = prepaid and gone is None and resource.status not in (
        ResourceStatus.RELEASED, ResourceStatus.CREATING)  # fmt: skip
    frozen_at = expires + timedelta(days=GRACE_DAYS) if expires else None
    return {
        "prepaid": prepaid,
        "expires_at": expires,
        "days_left": services.days_between(expires, now),
        "soon": expires is not None and expires - now <= timedelta(days=HIGHLIGHT_DAYS),
        "frozen_at": frozen_at,
        "released_at": frozen_at + timedelta(days=RETENTION_DAYS) if frozen_at else None,
        "auto": services.auto_renew_json(services.auto_renewal(resource)),
        "auto_form": _auto_form(resource),
        "expiry": expiry.expiry_json(services.auto_renewal(resource)),
        "expiry_form": _expiry_form(resource),
        "unsubscription": gone,
        "in_flight": flight,
        "can_renew": open_ and flight is None,
        "can_unsubscribe": open_ and flight is None,
    }


def _auto_form(resource: Resource) -> forms.AutoRenewForm:
    auto = services.auto_renewal(resource)
    form = forms.AutoRenewForm(prefix="auto", formdata=None)
    form.enabled.data = bool(auto and auto.enabled)
    form.term.data = f"{auto.period_type}:{auto.period}" if auto else "month:1"
    return form


def _expiry_form(resource: Resource) -> forms.ExpiryPolicyForm:
    form = forms.ExpiryPolicyForm(prefix="expiry", formdata=None)
    form.at_expiry.data = expiry.expiry_json(services.auto_renewal(resource))["at_expiry"]
    return form


@bp.route("/resources/<id:resource_id>/renew", methods=["GET", "POST"])
@customer_required
def renew(resource_id: int) -> ResponseReturnValue:
    customer = current_customer()
    resource = services.customer_resource(customer, resource_id)
    form = forms.RenewForm()
    if not form.is_submitted():
        form.term.data = request.args.get("term", "month:1")
        form.key.data = uuid.uuid4().hex
    price, error = None, None
    kind, count = forms.split_term(form.term.data)
    if form.validate_on_submit():
        try:
            result = services.renew(customer, resource.id, kind, count, form.key.data)
        except DomainError as exc:
            error = exc.message
        else:
            status = services.carry_out(int(result["order_id"]), customer.store_id)
            row = db.session.get(Resource, resource_id, populate_existing=True)
            if status is not None and status.value == "active" and row and row.expires_at:
                flash(_("Renewed. It now expires on %(date)s.",
                        date=labels.when(row.expires_at, "short")), "success")  # fmt: skip
            else:
                flash(_("Paid. The renewal is being carried out at the cloud provider."), "info")
            return _back(resource_id)
    try:
        price = pricing.quote(customer, resource, kind, count)
        db.session.commit()
    except DomainError as exc:
        error = error or exc.message
    return render_template("renewals/renew.html", r=resource, form=form, price=price,
                           error=error)  # fmt: skip


@bp.route("/resources/<id:resource_id>/unsubscribe", methods=["GET", "POST"])
@customer_required
def unsubscribe_page(resource_id: int) -> ResponseReturnValue:
    customer = current_customer()
    resource = services.customer_resource(customer, resource_id)
    form = forms.UnsubscribeForm()
    if not form.is_submitted():
        form.key.data = uuid.uuid4().hex
    error, found = None, None
    if form.validate_on_submit():
        try:
            result = unsubscribe.request(
                customer, resource.id, form.key.data, ip=request.remote_addr
            )
        except DomainError as exc:
            error = exc.message
        else:
            uid = int(result["unsubscription_id"])
            unsubscribe.carry_out(uid, customer.store_id)
            done = unsubscribe.status_json(uid)
            if done["status"] == "done":
                flash(
                    _(
                        "Unsubscribed. %(amount)s was refunded to your wallet.",
                        amount=labels.money(done["refund"], done["currency"]),
                    ),
                    "success",
                )
            elif done["status"] == "failed":
                flash(_("The cloud provider refused to unsubscribe this resource."), "danger")
            else:
                flash(_("Unsubscribing at the cloud provider; the refund follows."), "info")
            return _back(resource_id)
    try:
        found = unsubscribe.quote(resource)
    except DomainError as exc:
        error = error or exc.message
    return render_template("renewals/unsubscribe.html", r=resource, form=form, quote=found,
                           error=error)  # fmt: skip


@bp.post("/resources/<id:resource_id>/auto-renew")
@customer_required
def auto_renew(resource_id: int) -> ResponseReturnValue:
    customer = current_customer()
    form = forms.AutoRenewForm(prefix="auto")
    if form.validate_on_submit():
        kind, count = forms.split_term(form.term.data)
        try:
            services.set_auto_renew(customer, resource_id, bool(form.enabled.data), kind, count)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            flash(_("Auto-renew is on.") if form.enabled.data else _("Auto-renew is off."),
                  "success")  # fmt: skip
    else:
        flash(_("Please check the form."), "danger")
    return _back(resource_id)


@bp.post("/resources/<id:resource_id>/expiry-policy")
@customer_required
def expiry_policy(resource_id: int) -> ResponseReturnValue:
    customer = current_customer()
    form = forms.ExpiryPolicyForm(prefix="expiry")
    if form.validate_on_submit():
        try:
            expiry.set_expiry_policy(customer, resource_id, form.at_expiry.data)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            flash(_("It switches to pay-per-use at expiry.")
                  if form.at_expiry.data == "pay_per_use" else _("It expires at the end of its "
                                                                  "term."), "success")  # fmt: skip
    else:
        flash(_("Please check the form."), "danger")
    return _back(resource_id)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    staff_views.register(app)
    app.add_template_global(panel, "renewal_panel")
    app.jinja_env.globals["renewal_highlight_days"] = HIGHLIGHT_DAYS
    app.add_template_global(services.days_between, "days_between")
    app.add_template_global(utcnow, "renewal_now")
