"""The staff desk: the store's queue (filters, keyset pages), a ticket, replies and internal
notes, statuses, assignment, priority and due times, saved replies, the store's settings.

Who sees what (``storefront.accounts.permissions``): ``tickets.answer`` (support, owner) see
and answer every ticket; ``tickets.view`` alone (finance) sees billing tickets only. Every
action is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from storefront.accounts.models import Staff, StaffRole
from storefront.accounts.permissions import has_permission, require_permission
from storefront.backoffice import audit
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.stores.tenancy import in_store
from storefront.tickets import services
from storefront.tickets.common import add_message, mail_reply, record, set_due, store_settings
from storefront.tickets.errors import NotFound, TicketError
from storefront.tickets.models import (
    Author,
    Category,
    Priority,
    SavedReply,
    Status,
    Ticket,
    TicketAttachment,
    TicketSettings,
)

OPEN_STATES = (Status.OPEN, Status.WAITING_CUSTOMER, Status.WAITING_PROVIDER)


def can_answer(staff: object) -> bool:
    return has_permission(staff, "tickets.answer")


def _scope(staff: Staff, stmt: Any) -> Any:
    """Only what ``staff`` may see, in their store."""
    require_permission(staff, "tickets.view")
    if not can_answer(staff):
        stmt = stmt.where(Ticket.category == Category.BILLING)
    return in_store(stmt, staff.store_id)


@dataclass(frozen=True)
class QueueFilter:
    status: str | None = None
    category: str | None = None
    assignee: str | None = None  # a staff id, "me" or "none"
    waiting: str | None = None  # "customer" | "provider"
    overdue: bool = False
    customer_id: int | None = None


def _choice(value: str | None, allowed: type[Status] | type[Category], name: str) -> str | None:
    if not value:
        return None
    try:
        return allowed(value).value
    except ValueError:
        raise TicketError(_("Not a valid filter."), fields={name: _("Invalid.")}) from None


def _conditions(staff: Staff, f: QueueFilter) -> list[Any]:
    conds: list[Any] = []
    if status := _choice(f.status, Status, "status"):
        conds.append(Ticket.status == status)
    if category := _choice(f.category, Category, "category"):
        conds.append(Ticket.category == category)
    if f.waiting == "customer":
        conds.append(Ticket.status == Status.WAITING_CUSTOMER)
    elif f.waiting == "provider":
        conds.append(Ticket.status == Status.WAITING_PROVIDER)
    elif f.waiting:
        raise TicketError(_("Not a valid filter."), fields={"waiting": _("Invalid.")})
    if f.assignee == "me":
        conds.append(Ticket.assignee_id == staff.id)
    elif f.assignee == "none":
        conds.append(Ticket.assignee_id.is_(None))
    elif f.assignee:
        if not (f.assignee.isascii() and f.assignee.isdigit() and len(f.assignee) < 10):
            raise TicketError(_("Not a valid filter."), fields={"assignee": _("Invalid.")})
        conds.append(Ticket.assignee_id == int(f.assignee))
    if f.overdue:
        conds.append(_overdue(utcnow()))
    if f.customer_id is not None:
        conds.append(Ticket.customer_id == f.customer_id)
    return conds


def _overdue(now: datetime) -> Any:
    return or_(
        (Ticket.first_response_at.is_(None)) & (Ticket.first_response_due < now),
        Ticket.resolution_due < now,
    ) & Ticket.status.in_([s.value for s in OPEN_STATES])


def queue(
    staff: Staff, f: QueueFilter, cursor: str | None = None, limit: int = services.PAGE
) -> tuple[list[Ticket], str | None]:
    stmt = _scope(staff, select(Ticket).where(*_conditions(staff, f)))
    return services.page(stmt, cursor, limit)


def overdue(staff: Staff, limit: int = 10) -> tuple[int, list[Ticket]]:
    """How many open tickets are past a due time, and the most urgent of them."""
    if not has_permission(staff, "tickets.view"):
        return 0, []
    cond = _overdue(utcnow())
    count = db.session.scalar(_scope(staff, select(func.count(Ticket.id)).where(cond))) or 0
    stmt = _scope(staff, select(Ticket).where(cond))
    rows = db.session.scalars(stmt.order_by(Ticket.resolution_due, Ticket.id).limit(limit))
    return count, list(rows)


def is_overdue(ticket: Ticket, now: datetime | None = None) -> bool:
    now = now or utcnow()
    if ticket.status not in OPEN_STATES:
        return False
    first = ticket.first_response_at is None and bool(
        ticket.first_response_due and ticket.first_response_due < now
    )
    return first or bool(ticket.resolution_due and ticket.resolution_due < now)


def staff_ticket(staff: Staff, ticket_id: int, *, lock: bool = False) -> Ticket:
    stmt = select(Ticket).where(Ticket.id == ticket_id).options(selectinload(Ticket.messages))
    if lock:
        stmt = stmt.with_for_update()
    ticket = db.session.scalar(_scope(staff, stmt))
    if ticket is None:
        raise NotFound(_("No such ticket."))
    return ticket


def staff_attachment(staff: Staff, attachment_id: int) -> TicketAttachment:
    found = db.session.scalar(
        in_store(
            select(TicketAttachment).where(TicketAttachment.id == attachment_id), staff.store_id
        )
    )
    if found is None:
        raise NotFound(_("No such attachment."))
    staff_ticket(staff, found.ticket_id)  # the same visibility as its ticket
    return found


def answerer(staff: Staff) -> Staff:
    return require_permission(staff, "tickets.answer")


def staff_reply(
    staff: Staff,
    ticket_id: int,
    body: object,
    *,
    internal: bool = False,
    status: str | None = None,
    ip: str | None = None,
) -> Ticket:
    """A reply the customer sees and is mailed about (status: waiting on the customer unless
    another is chosen), or an internal note nobody but staff sees."""
    answerer(staff)
    ticket = staff_ticket(staff, ticket_id, lock=True)
    text = services.body_text(body)
    message = add_message(ticket, Author.STAFF, text, who=staff, internal=internal)
    if internal:
        record(staff, "ticket.note", ticket, ip)
        return ticket
    if ticket.first_response_at is None:
        ticket.first_response_at = message.created_at
    _set_status(ticket, status or Status.WAITING_CUSTOMER)
    mail_reply(ticket, message)
    record(staff, "ticket.reply", ticket, ip, status=ticket.status)
    db.session.flush()
    return ticket


def _set_status(ticket: Ticket, status: str) -> None:
    try:
        new = Status(status)
    except ValueError:
        raise TicketError(_("Not a status."), fields={"status": _("Invalid.")}) from None
    now = utcnow()
    ticket.status = new.value
    ticket.resolved_at = now if new == Status.RESOLVED else None
    ticket.closed_at = now if new == Status.CLOSED else None
    ticket.last_activity_at = now


def set_status(staff: Staff, ticket_id: int, status: object, ip: str | None = None) -> Ticket:
    answerer(staff)
    ticket = staff_ticket(staff, ticket_id, lock=True)
    before = ticket.status
    _set_status(ticket, str(status or ""))
    record(staff, "ticket.status", ticket, ip, before=before, after=ticket.status)
    db.session.flush()
    return ticket


def assignees(store_id: int) -> list[Staff]:
    """Who may be assigned: the store's active support staff and owners."""
    stmt = select(Staff).where(
        Staff.is_active.is_(True), Staff.role.in_([StaffRole.SUPPORT, StaffRole.OWNER])
    )
    return list(db.session.scalars(in_store(stmt, store_id).order_by(Staff.name, Staff.id)))


def assign(staff: Staff, ticket_id: int, staff_id: object, ip: str | None = None) -> Ticket:
    answerer(staff)
    ticket = staff_ticket(staff, ticket_id, lock=True)
    target: int | None = None
    if staff_id not in (None, "", "none"):
        raw = str(staff_id)
        ids = {s.id for s in assignees(staff.store_id)}
        if not (raw.isascii() and raw.isdigit() and len(raw) < 10) or int(raw) not in ids:
            raise TicketError(
                _("Choose a support staff member of this store."),
                fields={"staff_id": _("Invalid.")},
            )
        target = int(raw)
    ticket.assignee_id = target
    record(staff, "ticket.assign", ticket, ip, assignee=target or "none")
    db.session.flush()
    return ticket


def set_priority(staff: Staff, ticket_id: int, priority: object, ip: str | None = None) -> Ticket:
    answerer(staff)
    ticket = staff_ticket(staff, ticket_id, lock=True)
    try:
        ticket.priority = Priority(str(priority)).value
    except ValueError:
        raise TicketError(_("Not a priority."), fields={"priority": _("Invalid.")}) from None
    set_due(ticket)
    record(staff, "ticket.priority", ticket, ip, priority=ticket.priority)
    db.session.flush()
    return ticket


# --------------------------------------------------------------------------- saved replies


def saved_replies(staff: Staff) -> list[SavedReply]:
    require_permission(staff, "tickets.view")
    stmt = in_store(select(SavedReply), staff.store_id).order_by(SavedReply.title, SavedReply.id)
    return list(db.session.scalars(stmt))


def add_saved_reply(staff: Staff, title: object, body: object, ip: str | None = None) -> SavedReply:
    answerer(staff)
    row = SavedReply(
        store_id=staff.store_id,
        title=services.text_field(title, "title", 120),
        body=services.body_text(body),
    )
    db.session.add(row)
    db.session.flush()

    audit.record(staff, "ticket.saved_reply", f"saved_reply:{row.id}", {"title": row.title}, ip)
    return row


def delete_saved_reply(staff: Staff, reply_id: int, ip: str | None = None) -> None:
    answerer(staff)
    row = db.session.scalar(
        in_store(select(SavedReply).where(SavedReply.id == reply_id), staff.store_id)
    )
    if row is None:
        raise NotFound(_("No such saved reply."))

    audit.record(staff, "ticket.saved_reply", f"saved_reply:{row.id}", {"deleted": "1"}, ip)
    db.session.delete(row)
    db.session.flush()


# --------------------------------------------------------------------------- store settings


def update_settings(
    staff: Staff, reopen_days: int, due: dict[str, tuple[int, int]], ip: str | None = None
) -> TicketSettings:
    require_permission(staff, "tickets.settings")
    if not 0 <= reopen_days <= 365:
        raise TicketError(_("0 to 365 days."), fields={"reopen_days": _("0 to 365 days.")})
    for priority, (first, resolution) in due.items():
        Priority(priority)
        if not (1 <= first <= 24 * 90 and first <= resolution <= 24 * 365):
            message = _("First response within 1 to 2160 hours, resolution no sooner.")
            raise TicketError(message, fields={f"{priority}_first": message})
    row = store_settings(staff.store_id)
    if row.id is None:
        db.session.add(row)
    row.reopen_days = reopen_days
    row.due_hours = {p: [f, r] for p, (f, r) in due.items()}

    audit.record(staff, "ticket.settings", "ticket_settings", {"reopen_days": str(reopen_days)}, ip)
    db.session.flush()
    return row
