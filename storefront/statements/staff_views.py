"""Staff pages: ``/staff/fapiao`` (the fapiao request queue: issue with number and PDF, or
reject with a reason), ``/staff/invoice-settings`` (the store as the invoices' seller) and
``/staff/sales`` (the monthly sales report and its CSV)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from storefront.accounts.guards import current_staff, staff_page
from storefront.accounts.models import Customer
from storefront.accounts.permissions import has_permission
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.statements import bills, exports, fapiao, invoices, sales
from storefront.statements.downloads import Download, download
from storefront.statements.errors import StatementsError
from storefront.statements.models import RequestStatus

bp = Blueprint("statements_staff", __name__)


def _state() -> RequestStatus:
    try:
        return RequestStatus(request.args.get("state", "pending"))
    except ValueError:
        return RequestStatus.PENDING


@bp.get("/staff/fapiao")
@staff_page("invoices.manage")
def fapiao_queue() -> ResponseReturnValue:
    state = _state()
    before = request.args.get("before", "")
    rows, next_before = fapiao.queue(
        state, int(before) if before.isdigit() and len(before) < 12 else None
    )
    customers = {
        c.id: c
        for c in db.session.scalars(
            select(Customer).where(Customer.id.in_({r.customer_id for r in rows}))
        )
    }
    return render_template(
        "statements/staff_fapiao.html",
        rows=rows,
        customers=customers,
        state=state.value,
        states=[s.value for s in RequestStatus],
        next_before=next_before,
    )


def _back() -> ResponseReturnValue:
    return redirect(url_for("statements_staff.fapiao_queue"))


@bp.post("/staff/fapiao/<id:request_id>/issue")
@staff_page("invoices.manage")
def fapiao_issue(request_id: int) -> ResponseReturnValue:
    upload = request.files.get("pdf")
    data = upload.read(fapiao.MAX_FAPIAO_BYTES + 1) if upload is not None else b""
    try:
        fapiao.issue(request_id, current_staff(), request.form.get("number", ""), data)
        db.session.commit()
        flash(_("Fapiao request #%(id)s issued; the customer is mailed.", id=request_id), "success")
    except StatementsError as exc:
        db.session.rollback()
        flash(" ".join([exc.message, *(exc.fields or {}).values()]), "danger")
    return _back()


@bp.post("/staff/fapiao/<id:request_id>/reject")
@staff_page("invoices.manage")
def fapiao_reject(request_id: int) -> ResponseReturnValue:
    try:
        fapiao.reject(request_id, current_staff(), request.form.get("reason", ""))
        db.session.commit()
        flash(
            _("Fapiao request #%(id)s rejected; the customer is mailed.", id=request_id), "success"
        )
    except StatementsError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    return _back()


@bp.get("/staff/fapiao/<id:request_id>/file")
@staff_page("invoices.manage")
def fapiao_file(request_id: int) -> ResponseReturnValue:
    found = db.session.get(fapiao.InvoiceRequest, request_id)
    if found is None or found.store_id != current_staff().store_id:
        raise fapiao.NotFound(_("No such fapiao request."))
    return download(
        Download(fapiao.fapiao_file(found), "application/pdf", f"fapiao-{found.id}.pdf")
    )


@bp.route("/staff/invoice-settings", methods=["GET", "POST"])
@staff_page("billing.settings")
def invoice_settings() -> ResponseReturnValue:
    staff = current_staff()
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            invoices.update_settings(staff, staff.store_id, dict(request.form))
            db.session.commit()
            flash(_("Invoice settings saved."), "success")
            return redirect(url_for("statements_staff.invoice_settings"))
        except StatementsError as exc:
            db.session.rollback()
            errors = exc.fields or {}
            flash(exc.message, "danger")
    settings = invoices.settings_for(staff.store_id)
    db.session.commit()
    return render_template(
        "statements/staff_invoice_settings.html", settings=settings, errors=errors
    ), (422 if errors else 200)


def _report_month() -> bills.Month:
    try:
        return bills.Month.parse(request.args.get("month") or str(bills.Month.of(utcnow())))
    except StatementsError:
        return bills.Month.of(utcnow())


@bp.get("/staff/sales")
@staff_page("reports.view")
def sales_report() -> ResponseReturnValue:
    month = _report_month()
    return render_template(
        "statements/staff_sales.html",
        report=sales.monthly(month),
        previous=month.previous(),
        following=month.next() if month != bills.Month.of(utcnow()) else None,
        can_export=has_permission(current_staff(), "reports.view"),
    )


@bp.get("/staff/sales.csv")
@staff_page("reports.view")
def sales_csv() -> ResponseReturnValue:
    month = _report_month()
    report = sales.monthly(month)
    header = ["dimension", "key", "label", "orders", "revenue", "cost", "margin"]
    data = exports.csv_bytes(header, sales.csv_rows(report))
    return download(Download(data, "text/csv", f"sales-{month}.csv"))
