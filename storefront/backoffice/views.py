"""Back-office pages under ``/admin`` (staff only): the dashboard, customers, the audit trail,
and the wiring of the back office into the app. Each view declares its permission with
``@staff_page("…")``; the service it calls checks the same permission again. The staff,
branding and association pages live in sibling modules on the same blueprint."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user, user_logged_in

from storefront.accounts import services as accounts
from storefront.accounts.guards import staff_page
from storefront.accounts.models import Customer, Staff
from storefront.accounts.permissions import has_permission
from storefront.backoffice import (
    association_views,
    audit,
    branding_views,
    customer_freeze,
    customer_search,
    forms,
    money,
    services,
    staff_views,
    texts,
)
from storefront.backoffice.blueprint import (
    acting_staff,
    bp,
    client_ip,
    customer_or_404,
    flash_error,
)
from storefront.backoffice.customer_search import CustomerQuery
from storefront.backoffice.errors import BackofficeError
from storefront.backoffice.form_views import form_post
from storefront.extensions import db
from storefront.navigation import NavItem, add_nav
from storefront.routing import parse_id
from storefront.stores.tenancy import current_store

# Their pages attach to the same blueprint (``blueprint.bp``) when imported.
PAGE_MODULES = (staff_views, branding_views, association_views)

# --------------------------------------------------------------------------- dashboard


@bp.get("/")
@staff_page("dashboard.view")
def dashboard() -> ResponseReturnValue:
    data = services.dashboard(acting_staff())
    chart = money.chart_data(data["sales"]) if data["sales"] else None
    return render_template(
        "backoffice/dashboard.html", data=data, chart_json=json.dumps(chart) if chart else None
    )


# --------------------------------------------------------------------------- customers


@bp.get("/customers")
@staff_page("customers.view")
def customers() -> ResponseReturnValue:
    frozen_arg = request.args.get("frozen", "")
    dates: dict[str, date | None] = {}
    for name in ("registered_from", "registered_to"):
        raw, dates[name] = request.args.get(name, ""), None
        if raw:
            try:
                dates[name] = date.fromisoformat(raw)
            except ValueError:
                flash(_l("Enter dates as YYYY-MM-DD."), "error")
    params = CustomerQuery(
        q=request.args.get("q", "")[:200],
        realname=request.args.get("realname") or None,
        frozen={"1": True, "0": False}.get(frozen_arg),
        registered_from=dates["registered_from"],
        registered_to=dates["registered_to"],
        cursor=request.args.get("cursor") or None,
        limit=25,
    )
    try:
        items, next_cursor = customer_search.search_customers(acting_staff(), params)
    except BackofficeError as exc:
        flash(str(exc.message), "error")
        items, next_cursor = [], None
    query: dict[str, Any] = {**request.args.to_dict(), "cursor": next_cursor}
    next_url = url_for("backoffice.customers", **query) if next_cursor else None
    return render_template(
        "backoffice/customers.html", items=items, next_url=next_url, args=request.args
    )


def _customer_page(customer: Customer, **forms_: Any) -> str:
    staff = acting_staff()
    summary = customer_search.summary(staff, customer)
    return render_template(
        "backoffice/customer.html",
        c=customer,
        summary=summary,
        notes=services.notes(staff, customer),
        freezes=customer_freeze.freezes(staff, customer),
        history=accounts.realname_history(customer),
        audit_entries=audit.search(audit.AuditFilter(customer_id=customer.id), limit=50)
        if has_permission(staff, "audit.view")
        else [],
        orders=money.recent_orders(customer),
        wallet=money.wallet_entries(customer),
        review_local=current_store().realname_review_local,
        can=lambda p: has_permission(staff, p),
        note_form=forms_.get("note_form") or forms.NoteForm(prefix="note"),
        freeze_form=forms_.get("freeze_form") or forms.FreezeForm(prefix="freeze"),
        unfreeze_form=forms_.get("unfreeze_form") or forms.ReasonForm(prefix="unfreeze"),
        review_form=forms_.get("review_form") or forms.ReviewForm(prefix="review"),
        view_as_form=forms_.get("view_as_form") or forms.ReasonForm(prefix="viewas"),
    )


@bp.get("/customers/<id:customer_id>")
@staff_page("customers.view")
def customer(customer_id: int) -> ResponseReturnValue:
    return _customer_page(customer_or_404(customer_id))


@bp.post("/customers/<id:customer_id>/notes")
@staff_page("customers.notes")
def add_note(customer_id: int) -> ResponseReturnValue:
    c = customer_or_404(customer_id)
    form = forms.NoteForm(prefix="note")
    return form_post(
        form,
        lambda: _customer_page(c, note_form=form),
        lambda: services.add_note(acting_staff(), c, form.body.data or "", client_ip()),
        done=_l("Note added."),
        to=url_for("backoffice.customer", customer_id=c.id) + "#notes",
    )


@bp.post("/customers/<id:customer_id>/freeze")
@staff_page("customers.freeze")
def freeze(customer_id: int) -> ResponseReturnValue:
    c = customer_or_404(customer_id)
    form = forms.FreezeForm(prefix="freeze")
    if form.validate_on_submit():
        try:
            record = customer_freeze.freeze_customer(
                acting_staff(), c, form.reason.data, form.mode.data or "ACCOUNT", client_ip()
            )
        except BackofficeError as exc:
            flash_error(exc, form)
            return _customer_page(c, freeze_form=form), exc.status
        db.session.commit()  # frozen here before the provider is asked
        customer_freeze.mirror_freeze(record)
        db.session.commit()
        if record.provider_state == "failed":
            flash(
                _l(
                    "Frozen here; the cloud provider could not be told yet: %(e)s",
                    e=record.provider_error,
                ),
                "warning",
            )
        else:
            flash(_l("The customer is frozen."))
        return redirect(url_for("backoffice.customer", customer_id=c.id))
    return _customer_page(c, freeze_form=form), 422


@bp.post("/customers/<id:customer_id>/unfreeze")
@staff_page("customers.freeze")
def unfreeze(customer_id: int) -> ResponseReturnValue:
    c = customer_or_404(customer_id)
    form = forms.ReasonForm(prefix="unfreeze")
    return form_post(
        form,
        lambda: _customer_page(c, unfreeze_form=form),
        lambda: customer_freeze.unfreeze_customer(acting_staff(), c, form.reason.data, client_ip()),
        done=_l("The customer is unfrozen."),
        to=url_for("backoffice.customer", customer_id=c.id),
    )


@bp.post("/customers/<id:customer_id>/realname")
@staff_page("realname.review")
def review_realname(customer_id: int) -> ResponseReturnValue:
    c = customer_or_404(customer_id)
    form = forms.ReviewForm(prefix="review")
    return form_post(
        form,
        lambda: _customer_page(c, review_form=form),
        lambda: services.review_realname(
            acting_staff(),
            c,
            form.decision.data == "approve",
            form.opinion.data or "",
            client_ip(),
        ),
        done=_l("Real-name decision saved."),
        to=url_for("backoffice.customer", customer_id=c.id),
    )


@bp.post("/customers/<id:customer_id>/view-as")
@staff_page("customers.view_as")
def start_view_as(customer_id: int) -> ResponseReturnValue:
    c = customer_or_404(customer_id)
    form = forms.ReasonForm(prefix="viewas")
    if form.validate_on_submit():
        try:
            grant = services.start_view_as(acting_staff(), c, form.reason.data, client_ip())
        except BackofficeError as exc:
            flash_error(exc, form)
            return _customer_page(c, view_as_form=form), exc.status
        db.session.commit()
        return redirect(url_for("backoffice.view_as", token=grant.token))
    return _customer_page(c, view_as_form=form), 422


@bp.get("/view-as/<token>")
@staff_page("customers.view_as")
def view_as(token: str) -> ResponseReturnValue:
    """A read-only rendering of the customer's account for staff: no login, no forms."""
    try:
        grant, c = services.view_as_grant(acting_staff(), token)
    except BackofficeError as exc:
        flash(str(exc.message), "error")
        return render_template("backoffice/view_as_expired.html"), exc.status
    return render_template(
        "backoffice/view_as.html",
        grant=grant,
        c=c,
        history=accounts.realname_history(c),
        balance=money.balance(c),
        orders=money.recent_orders(c),
        frozen_reason=customer_freeze.freeze_reason(c),
        can_buy=accounts.can_buy(c),
        access_log=audit.for_customer(c),
    )


# --------------------------------------------------------------------------- audit


def _audit_filter() -> audit.AuditFilter:
    customer_raw = request.args.get("customer_id", "")
    return audit.AuditFilter(
        action=request.args.get("action") or None,
        actor=request.args.get("actor") or None,
        customer_id=parse_id(customer_raw),
    )


@bp.get("/audit")
@staff_page("audit.view")
def audit_log() -> ResponseReturnValue:
    before = request.args.get("before", "")
    entries = audit.search(_audit_filter(), limit=100, before_id=parse_id(before))
    query: dict[str, Any] = {**request.args.to_dict()}
    if len(entries) == 100:
        query["before"] = entries[-1].id
    next_url = url_for("backoffice.audit_log", **query) if len(entries) == 100 else None
    return render_template(
        "backoffice/audit.html",
        entries=entries,
        args=request.args,
        next_url=next_url,
        can_export=has_permission(acting_staff(), "audit.export"),
    )


@bp.get("/audit.csv")
@staff_page("audit.export")
def audit_csv() -> ResponseReturnValue:
    staff = acting_staff()
    f = _audit_filter()
    audit.record(staff, "audit.export", None, {"filter": request.args.to_dict()}, client_ip())
    db.session.commit()
    return Response(
        stream_with_context(audit.export_csv(f)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )


# --------------------------------------------------------------------------- wiring


def _frozen_reason() -> str | None:
    user = current_user
    if isinstance(user, Customer) and customer_freeze.is_frozen(user):
        return customer_freeze.freeze_reason(user) or ""
    return None


def _record_login(sender: Flask, user: Any, **extra: Any) -> None:
    """Sensitive customer and staff action: every interactive login is in the audit log."""
    if isinstance(user, Customer | Staff):
        action = "customer.login" if isinstance(user, Customer) else "staff.login"
        audit.record(user, action, user, {}, request.remote_addr if request else None)
        db.session.commit()


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    for endpoint, label in STAFF_PAGES:
        menu = STAFF_MENUS.get(endpoint, "")
        add_nav(
            app, NavItem(endpoint, label, "staff", STAFF_ORDER[endpoint], _can_open(endpoint), menu)
        )
    user_logged_in.connect(_record_login, app)
    app.jinja_env.globals.update(
        store_text=texts.store_text,
        store_footer=lambda: (
            texts.render_text(g.store.footer_text, g.store) if g.get("store") is not None else ""
        ),
        customer_frozen_reason=_frozen_reason,
        customer_access_log=lambda c: audit.for_customer(c) if isinstance(c, Customer) else [],
        admin_can=_admin_can,
    )


STAFF_PAGES = (
    ("backoffice.dashboard", _l("Dashboard")),
    ("backoffice.customers", _l("Customers")),
    ("backoffice.settlements", _l("Settlements")),
    ("backoffice.audit_log", _l("Audit trail")),
    ("backoffice.staff_list", _l("Staff")),
    ("backoffice.branding_settings", _l("Branding")),
)
# the drop-down menu of the staff navigation each page sits in (navigation.MENUS); none: a
# top-level entry
STAFF_MENUS = {
    "backoffice.settlements": "money",
    "backoffice.staff_list": "settings",
    "backoffice.branding_settings": "settings",
}
# the staff navigation's order (other areas' staff pages sit between these)
STAFF_ORDER = {
    "backoffice.dashboard": 10,
    "backoffice.customers": 20,
    "backoffice.settlements": 70,
    "backoffice.audit_log": 80,
    "backoffice.staff_list": 90,
    "backoffice.branding_settings": 100,
}


def _can_open(endpoint: str) -> Callable[[Any], bool]:
    """A navigation check: may this user open the back-office page (its view's permission)?"""

    def check(user: Any) -> bool:
        if not isinstance(user, Staff):  # every page a customer or visitor sees asks
            return False
        permission = getattr(current_app.view_functions.get(endpoint), "permission", None)
        return isinstance(permission, str) and has_permission(user, permission)

    return check


def _admin_can(endpoint: str) -> bool:
    """May the current user open this back-office page? (for the sub-navigation)"""
    view = current_app.view_functions.get(endpoint)
    permission = getattr(view, "permission", None)
    return isinstance(permission, str) and has_permission(current_user, permission)
