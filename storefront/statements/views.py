"""Customers' pages: ``/billing`` (the month's bill, CSV and PDF downloads), ``/billing/profile``
(the billing profile and its history), ``/invoices`` (invoice PDFs, fapiao requests and their
downloads). Staff pages are :mod:`~storefront.statements.staff_views`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from storefront.accounts.guards import current_customer, customer_required
from storefront.accounts.models import Customer
from storefront.accounts.permissions import has_permission
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.navigation import NavItem, add_nav
from storefront.statements import bills, downloads, fapiao, profiles, staff_views
from storefront.statements import invoices as invoicing
from storefront.statements.downloads import download
from storefront.statements.errors import StatementsError

bp = Blueprint("statements", __name__)


def _month(value: str | None) -> bills.Month:
    return bills.Month.parse(value) if value else bills.Month.of(utcnow())


@bp.get("/billing")
@customer_required
def bill_page() -> ResponseReturnValue:
    customer = current_customer()
    try:
        month = _month(request.args.get("month"))
        bill = bills.bill_for(customer, month)
    except StatementsError as exc:
        flash(exc.message, "warning")
        return redirect(url_for("statements.bill_page"))
    this_month = bills.Month.of(utcnow())
    return render_template(
        "statements/bill.html",
        bill=bill,
        previous=bill.month.previous(),
        following=bill.month.next() if bill.month != this_month else None,
    )


@bp.get("/billing/<month>.csv")
@customer_required
def bill_csv(month: str) -> ResponseReturnValue:
    return download(downloads.bill(current_customer(), month, "csv"))


@bp.get("/billing/<month>.pdf")
@customer_required
def bill_pdf(month: str) -> ResponseReturnValue:
    return download(downloads.bill(current_customer(), month, "pdf"))


@bp.route("/billing/profile", methods=["GET", "POST"])
@customer_required
def profile_page() -> ResponseReturnValue:
    customer = current_customer()
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ("kind", *profiles.LIMITS)}
        try:
            profiles.save(customer, values)
            db.session.commit()
            flash(_("Billing profile saved."), "success")
            return redirect(url_for("statements.profile_page"))
        except StatementsError as exc:
            db.session.rollback()
            errors = exc.fields or {}
            flash(exc.message, "danger")
    current = profiles.current(customer)
    if not values and current is not None:
        values = current.as_dict()
    return render_template(
        "statements/profile.html",
        values=values,
        errors=errors,
        history=profiles.history(customer),
    ), (422 if errors else 200)


@bp.get("/invoices")
@customer_required
def invoices() -> ResponseReturnValue:
    customer = current_customer()
    invoicing.ensure_invoices(customer)
    db.session.commit()
    before = request.args.get("before")
    rows, next_before = invoicing.customer_invoices(
        customer, int(before) if before and before.isdigit() and len(before) < 12 else None
    )
    return render_template(
        "statements/invoices.html",
        invoices=rows,
        next_before=next_before,
        requests=fapiao.customer_requests(customer),
        invoiceable=fapiao.invoiceable_total(customer),
        profile=profiles.current(customer),
        currency=customer_currency(),
    )


def customer_currency() -> str:
    store = g.get("store")
    return store.currency if store is not None else "CNY"


@bp.post("/invoices/requests")
@customer_required
def request_fapiao() -> ResponseReturnValue:
    customer = current_customer()
    try:
        made = fapiao.request_fapiao(customer, request.form.get("amount", "").strip())
        db.session.commit()
        flash(_("Fapiao request #%(id)s sent.", id=made.id), "success")
    except StatementsError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    return redirect(url_for("statements.invoices"))


@bp.get("/invoices/<id:invoice_id>.pdf")
@customer_required
def invoice_pdf(invoice_id: int) -> ResponseReturnValue:
    return download(downloads.invoice(current_customer(), invoice_id))


@bp.get("/invoices/requests/<id:request_id>/fapiao.pdf")
@customer_required
def fapiao_pdf(request_id: int) -> ResponseReturnValue:
    return download(downloads.fapiao_pdf(current_customer(), request_id))


def _is_customer(user: Any) -> bool:
    return isinstance(user, Customer) and bool(user.is_authenticated)


def _staff_with(permission: str) -> Callable[[Any], bool]:
    return lambda user: bool(user.is_authenticated) and has_permission(user, permission)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_global(bills.kind_labels, "kind_labels")
    app.register_blueprint(staff_views.bp)
    add_nav(app, NavItem("statements.bill_page", _l("Bills"), "account", 16, _is_customer))
    add_nav(app, NavItem("statements.invoices", _l("Invoices"), "account", 17, _is_customer))
    add_nav(
        app,
        NavItem(
            "statements_staff.fapiao_queue",
            _l("Fapiao requests"),
            "staff",
            45,
            _staff_with("invoices.manage"),
            menu="money",
        ),
    )
    add_nav(
        app,
        NavItem(
            "statements_staff.sales_report",
            _l("Sales report"),
            "staff",
            46,
            _staff_with("reports.view"),
            menu="money",
        ),
    )
    add_nav(
        app,
        NavItem(
            "statements_staff.invoice_settings",
            _l("Invoice settings"),
            "staff",
            61,
            _staff_with("billing.settings"),
            menu="settings",
        ),
    )
