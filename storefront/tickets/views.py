"""Customers' ticket pages: ``/tickets`` (their tickets, newest activity first, keyset pages),
``/tickets/new``, ``/tickets/<id>`` (messages, reply, close, reopen, rate) and attachments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_pgettext
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from storefront.accounts.guards import current_customer, customer_required
from storefront.accounts.models import Customer
from storefront.billing.order_models import Order, Resource
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.navigation import NavItem, add_nav
from storefront.stores.tenancy import in_store
from storefront.tickets import attachments, services, staff_views
from storefront.tickets.common import visible_messages
from storefront.tickets.errors import NotFound, TicketError
from storefront.tickets.forms import (
    CATEGORY_LABELS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    ActionForm,
    NewTicketForm,
    RateForm,
    ReplyForm,
)

bp = Blueprint("tickets", __name__)


def uploaded() -> list[attachments.Upload]:
    found = []
    for f in request.files.getlist("attachments"):
        if f.filename:
            found.append(attachments.Upload(f.filename, f.read()))
        f.close()
    return found


def _show_error(exc: TicketError, form: Any) -> None:
    shown = False
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*list(field.errors or []), str(message)]
            shown = True
    if not shown:
        flash(str(exc.message), "error")


def _choices(customer: Customer, form: NewTicketForm) -> None:
    resources = db.session.scalars(
        in_store(select(Resource).where(Resource.customer_id == customer.id), customer.store_id)
        .order_by(Resource.id.desc())
        .limit(100)
    )
    orders = db.session.scalars(
        in_store(select(Order.id).where(Order.customer_id == customer.id), customer.store_id)
        .order_by(Order.id.desc())
        .limit(100)
    )
    none = [SelectChoice("", _("None"))]
    form.resource_id.choices = none + [
        SelectChoice(str(r.id), f"{r.product_code.upper()} {r.name or r.provider_resource_id}")
        for r in resources
    ]
    form.order_id.choices = none + [SelectChoice(str(o), _("Order #%(id)s", id=o)) for o in orders]


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 10 else None


@bp.get("/tickets")
@customer_required
def index() -> ResponseReturnValue:
    customer = current_customer()
    try:
        rows, next_cursor = services.customer_tickets(customer, request.args.get("cursor"))
    except TicketError:
        abort(404)
    return render_template(
        "tickets/index.html",
        tickets=rows,
        next_url=url_for("tickets.index", cursor=next_cursor) if next_cursor else None,
    )


@bp.route("/tickets/new", methods=["GET", "POST"])
@customer_required
def new_ticket() -> ResponseReturnValue:
    customer = current_customer()
    form = NewTicketForm()
    _choices(customer, form)
    if request.method == "GET":
        form.resource_id.data = request.args.get("resource_id", "")
        form.order_id.data = request.args.get("order_id", "")
    status = 200
    if form.validate_on_submit():
        new = services.NewTicket(
            category=form.category.data or "",
            subject=form.subject.data or "",
            body=form.body.data or "",
            resource_id=_int_or_none(form.resource_id.data),
            order_id=_int_or_none(form.order_id.data),
        )
        try:
            ticket = services.open_ticket(customer, new, uploaded(), request.remote_addr)
        except TicketError as exc:
            db.session.rollback()
            _show_error(exc, form)
            status = exc.status
        else:
            db.session.commit()
            flash(
                _("Your ticket #%(id)s is open. We will answer by mail.", id=ticket.id), "success"
            )
            return redirect(url_for("tickets.show", ticket_id=ticket.id))
    elif request.method == "POST":
        status = 422
    return render_template("tickets/new.html", form=form), status


def _page(customer: Customer, ticket_id: int, reply_form: ReplyForm | None = None) -> str:
    try:
        ticket = services.customer_ticket(customer, ticket_id)
    except NotFound:
        abort(404)
    until = services.reopen_until(ticket)
    return render_template(
        "tickets/show.html",
        t=ticket,
        messages=visible_messages(ticket, staff=False),
        reply_form=reply_form or ReplyForm(),
        action_form=ActionForm(),
        rate_form=RateForm(),
        reopen_until=until,
        can_reopen=until is not None and utcnow() <= until,
        can_rate=services.can_rate(ticket),
    )


@bp.get("/tickets/<id:ticket_id>")
@customer_required
def show(ticket_id: int) -> ResponseReturnValue:
    customer = current_customer()
    return _page(customer, ticket_id)


@bp.post("/tickets/<id:ticket_id>/reply")
@customer_required
def reply(ticket_id: int) -> ResponseReturnValue:
    customer = current_customer()
    form = ReplyForm()
    if not form.validate_on_submit():
        return _page(customer, ticket_id, form), 422
    try:
        services.reply(customer, ticket_id, form.body.data, uploaded(), request.remote_addr)
    except NotFound:
        abort(404)
    except TicketError as exc:
        db.session.rollback()
        _show_error(exc, form)
        return _page(customer, ticket_id, form), exc.status
    db.session.commit()
    flash(_("Your reply was sent."), "success")
    return redirect(url_for("tickets.show", ticket_id=ticket_id))


def _act(ticket_id: int, action: Any, done: str) -> ResponseReturnValue:
    customer = current_customer()
    if not ActionForm().validate_on_submit():
        abort(400)
    return _apply(ticket_id, lambda: action(customer, ticket_id, ip=request.remote_addr), done)


def _apply(ticket_id: int, action: Callable[[], object], done: str) -> ResponseReturnValue:
    """Run ``action`` on the ticket, the edge of its transaction: a success is committed and
    ``done`` flashed, a refusal rolled back and flashed; back to the ticket either way."""
    try:
        action()
    except NotFound:
        abort(404)
    except TicketError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("tickets.show", ticket_id=ticket_id))


@bp.post("/tickets/<id:ticket_id>/close")
@customer_required
def close(ticket_id: int) -> ResponseReturnValue:
    return _act(ticket_id, services.close, _("The ticket is closed."))


@bp.post("/tickets/<id:ticket_id>/reopen")
@customer_required
def reopen(ticket_id: int) -> ResponseReturnValue:
    return _act(ticket_id, services.reopen, _("The ticket is open again."))


@bp.post("/tickets/<id:ticket_id>/rate")
@customer_required
def rate(ticket_id: int) -> ResponseReturnValue:
    customer = current_customer()
    form = RateForm()
    if not form.validate_on_submit():
        flash(_("Choose 1 to 5 stars."), "error")
        return redirect(url_for("tickets.show", ticket_id=ticket_id))
    return _apply(
        ticket_id,
        lambda: services.rate(
            customer, ticket_id, form.rating.data, form.comment.data, request.remote_addr
        ),
        _("Thank you for your rating."),
    )


@bp.get("/tickets/<id:ticket_id>/attachments/<id:attachment_id>")
@customer_required
def attachment(ticket_id: int, attachment_id: int) -> ResponseReturnValue:
    customer = current_customer()
    try:
        found = services.customer_attachment(customer, ticket_id, attachment_id)
    except NotFound:
        abort(404)
    return attachments.send(found)


def _is_customer(user: Any) -> bool:
    return isinstance(user, Customer) and bool(user.is_authenticated)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    staff_views.register(app)
    app.add_template_filter(lambda v: str(STATUS_LABELS.get(v, v)), "ticket_status")
    app.add_template_filter(lambda v: str(CATEGORY_LABELS.get(v, v)), "ticket_category")
    app.add_template_filter(lambda v: str(PRIORITY_LABELS.get(v, v)), "ticket_priority")
    add_nav(
        app,
        NavItem(
            "tickets.index",
            lazy_pgettext("menu", "Support"),
            section="account",
            order=44,
            visible=_is_customer,
        ),
    )
