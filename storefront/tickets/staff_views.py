"""Staff ticket pages under ``/admin/tickets``: the queue, a ticket (reply, internal note,
status, assignment and priority, escalation and messages to the provider), saved replies and
the store's ticket settings; plus the dashboard's overdue list and the customer page's list."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from storefront.accounts.guards import current_staff, staff_page
from storefront.accounts.models import Customer, Staff
from storefront.accounts.permissions import has_permission
from storefront.extensions import db
from storefront.navigation import NavItem, add_nav
from storefront.tickets import attachments, desk, escalation
from storefront.tickets.common import store_settings
from storefront.tickets.errors import NotFound, TicketError
from storefront.tickets.forms import (
    ActionForm,
    EscalateForm,
    ProviderMessageForm,
    SavedReplyForm,
    SettingsForm,
    StaffReplyForm,
    StatusForm,
    TriageForm,
)
from storefront.tickets.models import DEFAULT_DUE_HOURS, Priority, Status

bp = Blueprint("tickets_staff", __name__, url_prefix="/admin/tickets")


def _filter() -> desk.QueueFilter:
    return desk.QueueFilter(
        status=request.args.get("status") or None,
        category=request.args.get("category") or None,
        assignee=request.args.get("assignee") or None,
        waiting=request.args.get("waiting") or None,
        overdue=request.args.get("overdue") == "1",
    )


@bp.get("")
@staff_page("tickets.view")
def queue() -> ResponseReturnValue:
    staff = current_staff()
    f = _filter()
    try:
        rows, next_cursor = desk.queue(staff, f, request.args.get("cursor"))
    except TicketError as exc:
        flash(str(exc.message), "error")
        rows, next_cursor = [], None
    args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "cursor"}
    return render_template(
        "tickets/staff_queue.html",
        tickets=rows,
        f=f,
        staff_members=desk.assignees(staff.store_id),
        is_overdue=desk.is_overdue,
        next_url=url_for("tickets_staff.queue", cursor=next_cursor, **args)
        if next_cursor
        else None,
    )


def _page(ticket_id: int, **forms: Any) -> str:
    staff = current_staff()
    try:
        ticket = desk.staff_ticket(staff, ticket_id)
    except NotFound:
        abort(404)
    triage = TriageForm(prefix="triage")
    triage.assignee.choices = [SelectChoice("none", _("Nobody"))] + [
        SelectChoice(str(s.id), s.name) for s in desk.assignees(staff.store_id)
    ]
    triage.assignee.data = str(ticket.assignee_id or "none")
    triage.priority.data = ticket.priority
    status_form = StatusForm(prefix="status")
    status_form.status.data = ticket.status
    first = next((m for m in ticket.messages if not m.internal), None)
    escalate_form = forms.get("escalate_form") or EscalateForm(prefix="escalate")
    if not escalate_form.description.data:
        escalate_form.description.data = f"{ticket.subject}\n\n{first.body if first else ''}"[:1900]
    customer = db.session.get(Customer, ticket.customer_id)
    return render_template(
        "tickets/staff_ticket.html",
        t=ticket,
        customer=customer,
        reply_form=forms.get("reply_form") or StaffReplyForm(prefix="reply"),
        provider_form=forms.get("provider_form") or ProviderMessageForm(prefix="provider"),
        escalate_form=escalate_form,
        triage_form=triage,
        status_form=status_form,
        saved=desk.saved_replies(staff),
        can_answer=desk.can_answer(staff),
        overdue=desk.is_overdue(ticket),
    )


@bp.get("/<id:ticket_id>")
@staff_page("tickets.view")
def ticket(ticket_id: int) -> ResponseReturnValue:
    return _page(ticket_id)


def _done(ticket_id: int, message: str) -> ResponseReturnValue:
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("tickets_staff.ticket", ticket_id=ticket_id))


def _refused(ticket_id: int, exc: TicketError, **forms: Any) -> ResponseReturnValue:
    db.session.rollback()
    if isinstance(exc, NotFound):
        abort(404)
    flash(" ".join([str(exc.message), *map(str, exc.fields.values())]), "error")
    return _page(ticket_id, **forms), exc.status


@bp.post("/<id:ticket_id>/messages")
@staff_page("tickets.answer")
def reply(ticket_id: int) -> ResponseReturnValue:
    form = StaffReplyForm(prefix="reply")
    if not form.validate_on_submit():
        return _page(ticket_id, reply_form=form), 422
    try:
        desk.staff_reply(
            current_staff(),
            ticket_id,
            form.body.data,
            internal=bool(form.internal.data),
            status=form.status.data,
            ip=request.remote_addr,
        )
    except TicketError as exc:
        return _refused(ticket_id, exc, reply_form=form)
    return _done(ticket_id, _("Note added.") if form.internal.data else _("Reply sent."))


@bp.post("/<id:ticket_id>/status")
@staff_page("tickets.answer")
def status(ticket_id: int) -> ResponseReturnValue:
    form = StatusForm(prefix="status")
    if not form.validate_on_submit():
        return _page(ticket_id), 422
    try:
        desk.set_status(current_staff(), ticket_id, form.status.data, request.remote_addr)
    except TicketError as exc:
        return _refused(ticket_id, exc)
    return _done(ticket_id, _("Status changed."))


@bp.post("/<id:ticket_id>/triage")
@staff_page("tickets.answer")
def triage(ticket_id: int) -> ResponseReturnValue:
    form = TriageForm(prefix="triage")
    if not form.validate_on_submit():
        return _page(ticket_id), 422
    staff = current_staff()
    try:
        desk.assign(staff, ticket_id, form.assignee.data, request.remote_addr)
        desk.set_priority(staff, ticket_id, form.priority.data, request.remote_addr)
    except TicketError as exc:
        return _refused(ticket_id, exc)
    return _done(ticket_id, _("Assignment and priority saved."))


@bp.post("/<id:ticket_id>/escalate")
@staff_page("tickets.answer")
def escalate(ticket_id: int) -> ResponseReturnValue:
    form = EscalateForm(prefix="escalate")
    if not form.validate_on_submit():
        return _page(ticket_id, escalate_form=form), 422
    try:
        escalation.escalate(current_staff(), ticket_id, form.description.data, request.remote_addr)
    except TicketError as exc:
        return _refused(ticket_id, exc, escalate_form=form)
    return _done(ticket_id, _("Sent to the cloud provider: its answers will appear here."))


@bp.post("/<id:ticket_id>/provider-messages")
@staff_page("tickets.answer")
def provider_message(ticket_id: int) -> ResponseReturnValue:
    form = ProviderMessageForm(prefix="provider")
    if not form.validate_on_submit():
        return _page(ticket_id, provider_form=form), 422
    try:
        escalation.message_provider(current_staff(), ticket_id, form.body.data, request.remote_addr)
    except TicketError as exc:
        return _refused(ticket_id, exc, provider_form=form)
    return _done(ticket_id, _("Message sent to the provider."))


@bp.get("/attachments/<id:attachment_id>")
@staff_page("tickets.view")
def attachment(attachment_id: int) -> ResponseReturnValue:
    try:
        found = desk.staff_attachment(current_staff(), attachment_id)
    except NotFound:
        abort(404)
    return attachments.send(found)


@bp.route("/saved-replies", methods=["GET", "POST"])
@staff_page("tickets.answer")
def saved_replies() -> ResponseReturnValue:
    form = SavedReplyForm()
    staff = current_staff()
    if form.validate_on_submit():
        try:
            desk.add_saved_reply(staff, form.title.data, form.body.data, request.remote_addr)
        except TicketError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            flash(_("Saved reply added."), "success")
            return redirect(url_for("tickets_staff.saved_replies"))
    return render_template("tickets/staff_saved.html", form=form, replies=desk.saved_replies(staff))


@bp.post("/saved-replies/<id:reply_id>/delete")
@staff_page("tickets.answer")
def delete_saved_reply(reply_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        desk.delete_saved_reply(current_staff(), reply_id, request.remote_addr)
    except NotFound:
        abort(404)
    db.session.commit()
    flash(_("Saved reply deleted."), "success")
    return redirect(url_for("tickets_staff.saved_replies"))


@bp.route("/settings", methods=["GET", "POST"])
@staff_page("tickets.settings")
def settings() -> ResponseReturnValue:
    staff = current_staff()
    row = store_settings(staff.store_id)
    form = SettingsForm()
    if request.method == "GET":
        form.reopen_days.data = row.reopen_days
        for p in Priority:
            hours = (row.due_hours or {}).get(p.value) or DEFAULT_DUE_HOURS[p]
            getattr(form, f"{p.value}_first").data = hours[0]
            getattr(form, f"{p.value}_resolution").data = hours[1]
    elif form.validate_on_submit():
        due = {
            p.value: (
                int(getattr(form, f"{p.value}_first").data),
                int(getattr(form, f"{p.value}_resolution").data),
            )
            for p in Priority
        }
        try:
            desk.update_settings(staff, int(form.reopen_days.data or 0), due, request.remote_addr)
        except TicketError as exc:
            db.session.rollback()
            flash(" ".join([str(exc.message), *map(str, exc.fields.values())]), "error")
        else:
            db.session.commit()
            flash(_("Ticket settings saved."), "success")
            return redirect(url_for("tickets_staff.settings"))
    return render_template("tickets/staff_settings.html", form=form)


# --------------------------------------------------------------------------- includes


def overdue_tickets() -> tuple[int, list[Any]]:
    """For the dashboard: open tickets past a due time (none for who may not see tickets)."""
    user = current_user
    if not isinstance(user, Staff) or not has_permission(user, "tickets.view"):
        return 0, []
    return desk.overdue(user)


def tickets_of_customer(customer: Customer) -> list[Any] | None:
    """For the customer page: the customer's latest tickets (None: may not see tickets)."""
    user = current_user
    if not isinstance(user, Staff) or not has_permission(user, "tickets.view"):
        return None
    rows, _next = desk.queue(user, desk.QueueFilter(customer_id=customer.id), limit=10)
    return rows


def _can(endpoint: str) -> Any:
    def check(user: Any) -> bool:
        permission = {"tickets_staff.queue": "tickets.view"}[endpoint]
        return isinstance(user, Staff) and has_permission(user, permission)

    return check


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        overdue_tickets=overdue_tickets,
        tickets_of_customer=tickets_of_customer,
        ticket_statuses=list(Status),
    )
    add_nav(
        app,
        NavItem("tickets_staff.queue", _l("Tickets"), "staff", 25, _can("tickets_staff.queue")),
    )
