"""What the customer side and the staff desk share: the store's ticket settings, due times,
adding a message, the audit entry, the customer's mail."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront import mail
from storefront.accounts.models import Customer, Staff
from storefront.backoffice import audit
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.labels import AUDIT_LABELS
from storefront.tickets import attachments
from storefront.tickets.models import (
    DEFAULT_DUE_HOURS,
    Author,
    Priority,
    Ticket,
    TicketAttachment,
    TicketMessage,
    TicketSettings,
)

mail.register_customer_events(
    {
        "ticket_replied": (
            _l("[#%(ticket)s] New reply: %(subject)s"),
            _l(
                "%(author)s replied to your ticket #%(ticket)s \u201c%(subject)s\u201d:\n\n"
                "%(body)s\n\nRead and answer it here: %(url)s"
            ),
        ),
    }
)

AUDIT_LABELS.update(
    {
        "ticket.open": _l("Ticket opened"),
        "ticket.reply": _l("Ticket answered"),
        "ticket.note": _l("Ticket note added"),
        "ticket.status": _l("Ticket status changed"),
        "ticket.assign": _l("Ticket assigned"),
        "ticket.priority": _l("Ticket priority changed"),
        "ticket.close": _l("Ticket closed"),
        "ticket.reopen": _l("Ticket reopened"),
        "ticket.rate": _l("Ticket rated"),
        "ticket.escalate": _l("Ticket escalated to the provider"),
        "ticket.provider_message": _l("Message sent to the provider"),
        "ticket.saved_reply": _l("Saved reply changed"),
        "ticket.settings": _l("Ticket settings changed"),
    }
)


def store_settings(store_id: int) -> TicketSettings:
    """The store's settings row (not added: a store without one has the defaults)."""
    row = db.session.scalar(select(TicketSettings).where(TicketSettings.store_id == store_id))
    return row or TicketSettings(store_id=store_id, reopen_days=7, due_hours={})


def due_hours(settings: TicketSettings, priority: str) -> tuple[int, int]:
    hours = (settings.due_hours or {}).get(priority) or DEFAULT_DUE_HOURS[Priority(priority)]
    return int(hours[0]), int(hours[1])


def set_due(ticket: Ticket) -> None:
    """First-response and resolution due times from the ticket's start and priority."""
    first, resolution = due_hours(store_settings(ticket.store_id), ticket.priority)
    ticket.first_response_due = ticket.created_at + timedelta(hours=first)
    ticket.resolution_due = ticket.created_at + timedelta(hours=resolution)


def add_message(
    ticket: Ticket,
    author: Author,
    body: str,
    *,
    who: Customer | Staff | None = None,
    internal: bool = False,
    to_provider: bool = False,
    files: list[tuple[attachments.Upload, str]] = (),  # type: ignore[assignment]
    provider_message_id: str | None = None,
    name: str = "",
    at: datetime | None = None,
) -> TicketMessage:
    now = at or utcnow()
    message = TicketMessage(
        store_id=ticket.store_id,
        author=author,
        staff_id=who.id if isinstance(who, Staff) else None,
        author_name=(who.name if who is not None else name)[:120],
        body=body,
        internal=internal,
        to_provider=to_provider,
        provider_message_id=provider_message_id,
        created_at=now,
    )
    ticket.messages.append(message)
    for upload, kind in files:
        message.attachments.append(
            TicketAttachment(
                store_id=ticket.store_id,
                ticket_id=ticket.id,
                customer_id=ticket.customer_id,
                filename=attachments.safe_filename(upload.filename),
                stored_name=attachments.store(upload.data, kind),
                kind=kind,
                size=len(upload.data),
            )
        )
    ticket.last_activity_at = now
    if not internal:
        ticket.last_reply_at, ticket.last_reply_by = now, author.value
    db.session.flush()
    return message


def record(actor: Any, action: str, ticket: Ticket, ip: str | None = None, **details: Any) -> None:
    customer = db.session.get(Customer, ticket.customer_id)
    audit.record(
        actor,
        action,
        customer,
        {"ticket": ticket.id, **{k: str(v) for k, v in details.items()}},
        ip,
        store_id=ticket.store_id,
    )


def mail_reply(ticket: Ticket, message: TicketMessage) -> None:
    """Tell the customer about a staff reply, after commit (the worker's ``customer_mail``)."""
    url = ""
    if has_request_context():
        url = url_for("tickets.show", ticket_id=ticket.id, _external=True)
    body = message.body if len(message.body) <= 2000 else message.body[:2000] + "…"
    mail.queue_customer_mail(
        "ticket_replied",
        message.id,
        ticket.customer_id,
        ticket.store_id,
        ticket=ticket.id,
        subject=ticket.subject,
        author=message.author_name,
        body=body,
        url=url,
    )


def visible_messages(ticket: Ticket, *, staff: bool) -> list[TicketMessage]:
    return [m for m in ticket.messages if staff or not m.internal]
