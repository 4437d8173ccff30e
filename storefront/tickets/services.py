"""The customer's side of the ticket desk: open, list (keyset pages), read, reply, close,
reopen within the store's period, rate. Every action is audited; services flush, the edge
commits."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from storefront.accounts.models import Customer
from storefront.billing.order_models import Order, Resource
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.stores.tenancy import in_store
from storefront.tickets import attachments
from storefront.tickets.common import add_message, record, set_due, store_settings
from storefront.tickets.errors import NotAllowedNow, NotFound, TicketError
from storefront.tickets.models import Author, Category, Status, Ticket, TicketAttachment

MAX_SUBJECT = 200
MAX_BODY = 10_000
PAGE = 20
MAX_LIMIT = 100


@dataclass(frozen=True)
class NewTicket:
    category: str
    subject: str
    body: str
    resource_id: int | None = None
    order_id: int | None = None


def text_field(value: object, name: str, limit: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise TicketError(_("Please fill in every field."), fields={name: _("Required.")})
    if len(text) > limit:
        message = _("At most %(count)s characters.", count=limit)
        raise TicketError(message, fields={name: message})
    return text


def body_text(value: object) -> str:
    return text_field(value, "body", MAX_BODY)


def category_of(value: object) -> str:
    try:
        return Category(str(value)).value
    except ValueError:
        raise TicketError(
            _("Choose a category."), fields={"category": _("Not a category.")}
        ) from None


def _own(customer: Customer, model: type[Resource] | type[Order], ident: int | None) -> int | None:
    if ident is None:
        return None
    found = db.session.scalar(
        in_store(
            select(model.id).where(model.id == ident, model.customer_id == customer.id),
            customer.store_id,
        )
    )
    if found is None:
        name = "resource_id" if model is Resource else "order_id"
        raise TicketError(_("That is not one of yours."), fields={name: _("Not found.")})
    return ident


def open_ticket(
    customer: Customer,
    new: NewTicket,
    files: list[attachments.Upload] = (),  # type: ignore[assignment]
    ip: str | None = None,
) -> Ticket:
    subject = text_field(new.subject, "subject", MAX_SUBJECT)
    body = body_text(new.body)
    category = category_of(new.category)
    checked = attachments.check(list(files), customer.id)
    now = utcnow()
    ticket = Ticket(
        store_id=customer.store_id,
        customer_id=customer.id,
        category=category,
        subject=subject,
        status=Status.OPEN,
        priority="normal",
        resource_id=_own(customer, Resource, new.resource_id),
        order_id=_own(customer, Order, new.order_id),
        created_at=now,
        last_activity_at=now,
    )
    set_due(ticket)
    db.session.add(ticket)
    db.session.flush()
    add_message(ticket, Author.CUSTOMER, body, who=customer, files=checked, at=now)
    record(customer, "ticket.open", ticket, ip, category=category)
    return ticket


# --------------------------------------------------------------------------- reading


def encode_cursor(ticket: Ticket) -> str:
    raw = f"{ticket.last_activity_at.isoformat()}|{ticket.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, ident = raw.split("|")
        moment = datetime.fromisoformat(when)
        if moment.tzinfo is None:
            raise ValueError(cursor)
        return moment, int(ident)
    except (ValueError, UnicodeDecodeError):
        raise TicketError(_("The cursor is invalid."), fields={"cursor": _("Invalid.")}) from None


def after(cursor: str | None) -> list[Any]:
    """Keyset condition: tickets after ``cursor`` in most-recent-activity-first order."""
    if not cursor:
        return []
    when, ident = decode_cursor(cursor)
    return [
        or_(
            Ticket.last_activity_at < when,
            and_(Ticket.last_activity_at == when, Ticket.id < ident),
        )
    ]


def page(stmt: Any, cursor: str | None, limit: int) -> tuple[list[Ticket], str | None]:
    limit = max(1, min(limit, MAX_LIMIT))
    query = stmt.where(*after(cursor)).order_by(Ticket.last_activity_at.desc(), Ticket.id.desc())
    rows = list(db.session.scalars(query.limit(limit + 1)))
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def customer_tickets(
    customer: Customer, cursor: str | None = None, limit: int = PAGE
) -> tuple[list[Ticket], str | None]:
    stmt = in_store(select(Ticket).where(Ticket.customer_id == customer.id), customer.store_id)
    return page(stmt, cursor, limit)


def customer_ticket(customer: Customer, ticket_id: int, *, lock: bool = False) -> Ticket:
    """The customer's own ticket, or :class:`NotFound` (another's, another store's)."""
    stmt = select(Ticket).where(Ticket.id == ticket_id, Ticket.customer_id == customer.id)
    stmt = stmt.options(selectinload(Ticket.messages))
    if lock:
        stmt = stmt.with_for_update()
    ticket = db.session.scalar(in_store(stmt, customer.store_id))
    if ticket is None:
        raise NotFound(_("No such ticket."))
    return ticket


def customer_attachment(customer: Customer, ticket_id: int, attachment_id: int) -> TicketAttachment:
    ticket = customer_ticket(customer, ticket_id)
    for message in ticket.messages:
        if message.internal:
            continue
        for a in message.attachments:
            if a.id == attachment_id:
                return a
    raise NotFound(_("No such attachment."))


# --------------------------------------------------------------------------- acting


def reply(
    customer: Customer,
    ticket_id: int,
    body: object,
    files: list[attachments.Upload] = (),  # type: ignore[assignment]
    ip: str | None = None,
) -> Ticket:
    ticket = customer_ticket(customer, ticket_id, lock=True)
    text = body_text(body)
    if ticket.status == Status.CLOSED:
        raise NotAllowedNow(_("This ticket is closed: reopen it to write again."))
    checked = attachments.check(list(files), customer.id)
    add_message(ticket, Author.CUSTOMER, text, who=customer, files=checked)
    if ticket.status in (Status.WAITING_CUSTOMER, Status.RESOLVED):
        ticket.status = Status.OPEN
        ticket.resolved_at = None
    record(customer, "ticket.reply", ticket, ip)
    return ticket


def close(customer: Customer, ticket_id: int, ip: str | None = None) -> Ticket:
    ticket = customer_ticket(customer, ticket_id, lock=True)
    if ticket.status != Status.CLOSED:
        ticket.status = Status.CLOSED
        ticket.closed_at = ticket.last_activity_at = utcnow()
        record(customer, "ticket.close", ticket, ip)
        db.session.flush()
    return ticket


def reopen_until(ticket: Ticket) -> datetime | None:
    """Until when the customer may reopen the ticket (None: it is not resolved or closed)."""
    ended = ticket.closed_at or ticket.resolved_at
    if ticket.status not in (Status.CLOSED, Status.RESOLVED) or ended is None:
        return None
    return ended + timedelta(days=store_settings(ticket.store_id).reopen_days)


def reopen(customer: Customer, ticket_id: int, ip: str | None = None) -> Ticket:
    ticket = customer_ticket(customer, ticket_id, lock=True)
    until = reopen_until(ticket)
    if until is None or utcnow() > until:
        raise NotAllowedNow(_("This ticket can no longer be reopened: please open a new one."))
    ticket.status = Status.OPEN
    ticket.closed_at = ticket.resolved_at = None
    ticket.last_activity_at = utcnow()
    record(customer, "ticket.reopen", ticket, ip)
    db.session.flush()
    return ticket


def can_rate(ticket: Ticket) -> bool:
    answered = any(m.author == Author.STAFF and not m.internal for m in ticket.messages)
    return answered and ticket.status in (Status.RESOLVED, Status.CLOSED)


def rate(
    customer: Customer, ticket_id: int, stars: object, comment: object = "", ip: str | None = None
) -> Ticket:
    ticket = customer_ticket(customer, ticket_id, lock=True)
    if not can_rate(ticket):
        raise NotAllowedNow(_("You can rate a ticket once it is answered and resolved."))
    try:
        value = int(str(stars))
    except ValueError:
        value = 0
    if not 1 <= value <= 5:
        raise TicketError(_("Choose 1 to 5 stars."), fields={"rating": _("1 to 5.")})
    text = comment.strip()[:500] if isinstance(comment, str) else ""
    ticket.rating, ticket.rating_comment = value, text or None
    record(customer, "ticket.rate", ticket, ip, rating=value)
    db.session.flush()
    return ticket
