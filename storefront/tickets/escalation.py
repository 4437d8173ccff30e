"""Escalating a technical ticket to the provider (its Service Ticket open API, an OSM case),
staff's messages to the provider, and the sync of the provider's answers and status back into
the ticket. The provider is called only from jobs, after the commit that asked for it.

- ``ticket_escalate`` (key ``ticket_escalate:<ticket>``): opens the case. Its description
  carries the ticket's reference, so a retry after a lost answer finds the case it already
  opened instead of opening a second one.
- ``ticket_to_provider`` (key ``ticket_to_provider:<message>``): sends one staff message.
- ``ticket_sync`` (every 2 minutes, :mod:`.jobs`): reads at most ``SYNC_BATCH`` escalated
  tickets' cases, the least recently read first, and stops at the first throttled call
  (the provider's per-second quota; the client keeps the budget). The provider engineer's
  new messages become internal messages (staff relay what the customer should read); a case
  waiting for our feedback or our confirmation puts the ticket back in the queue as ``open``.
"""

from __future__ import annotations

import json
import logging

from flask_babel import gettext as _
from sqlalchemy import select

from storefront.accounts.models import Staff
from storefront.billing import worker
from storefront.billing.models import Job
from storefront.clock import utcnow
from storefront.cloud.interface import (
    CaseState,
    CloudConfigError,
    UpstreamRejected,
    UpstreamUnavailable,
    case_state,
)
from storefront.extensions import cloud_provider, db
from storefront.stores.tenancy import in_store
from storefront.tickets import desk, services
from storefront.tickets.common import add_message, record
from storefront.tickets.errors import NotAllowedNow
from storefront.tickets.models import Author, Category, Status, Ticket, TicketMessage

log = logging.getLogger(__name__)
MAX_DESCRIPTION = 2000


def reference(ticket: Ticket) -> str:
    return f"[storefront ticket {ticket.store_id}-{ticket.id}]"


def escalate(staff: Staff, ticket_id: int, description: object, ip: str | None = None) -> Ticket:
    desk.answerer(staff)
    ticket = desk.staff_ticket(staff, ticket_id, lock=True)
    if ticket.category != Category.TECHNICAL:
        raise NotAllowedNow(_("Only technical tickets go to the cloud provider."))
    if ticket.provider_case_id or ticket.status == Status.CLOSED:
        raise NotAllowedNow(_("This ticket is already with the provider or closed."))
    text = services.text_field(description, "description", MAX_DESCRIPTION - 60)
    add_message(ticket, Author.STAFF, text, who=staff, internal=True, to_provider=True)
    ticket.status = Status.WAITING_PROVIDER
    ticket.provider_error = None
    record(staff, "ticket.escalate", ticket, ip)
    worker.enqueue(
        "ticket_escalate",
        f"ticket_escalate:{ticket.id}",
        store_id=ticket.store_id,
        payload={"ticket": ticket.id, "description": text},
        max_attempts=6,
    )
    db.session.flush()
    return ticket


def message_provider(staff: Staff, ticket_id: int, body: object, ip: str | None = None) -> Ticket:
    desk.answerer(staff)
    ticket = desk.staff_ticket(staff, ticket_id, lock=True)
    if not ticket.provider_case_id:
        raise NotAllowedNow(_("The provider has not opened a case for this ticket yet."))
    text = services.text_field(body, "body", MAX_DESCRIPTION)
    message = add_message(ticket, Author.STAFF, text, who=staff, internal=True, to_provider=True)
    ticket.status = Status.WAITING_PROVIDER
    record(staff, "ticket.provider_message", ticket, ip)
    worker.enqueue(
        "ticket_to_provider",
        f"ticket_to_provider:{message.id}",
        store_id=ticket.store_id,
        payload={"ticket": ticket.id, "message": message.id},
        max_attempts=6,
    )
    db.session.flush()
    return ticket


def _ticket(job: Job) -> Ticket | None:
    data = json.loads(job.payload)
    assert job.store_id is not None
    stmt = select(Ticket).where(Ticket.id == int(data["ticket"])).with_for_update()
    return db.session.scalar(in_store(stmt, job.store_id))


def _note(ticket: Ticket, text: str) -> None:
    add_message(ticket, Author.SYSTEM, text, internal=True, name="system")


def escalate_job(job: Job) -> None:
    ticket = _ticket(job)
    if ticket is None or ticket.provider_case_id:
        return
    data = json.loads(job.payload)
    ref = reference(ticket)
    description = f"{data['description']}\n\n{ref}"
    provider = cloud_provider()
    try:
        case_id = None
        if job.attempts > 1:  # an earlier answer may have been lost: find that case
            found = [c for c in provider.list_cases(limit=100) if ref in c.description]
            case_id = found[0].case_id if found else None
        case_id = case_id or provider.create_case(description=description, customer_ref=ref)
    except UpstreamUnavailable as exc:
        raise worker.Retry(str(exc)) from exc
    except (UpstreamRejected, CloudConfigError) as exc:
        ticket.provider_error = str(exc)[:255]
        ticket.status = Status.OPEN
        _note(ticket, _("The provider refused the case: %(error)s", error=str(exc)[:200]))
        return
    ticket.provider_case_id, ticket.provider_status = case_id, 0
    ticket.provider_synced_at = utcnow()
    _note(ticket, _("The provider opened case %(case)s.", case=case_id))


def to_provider_job(job: Job) -> None:
    ticket = _ticket(job)
    data = json.loads(job.payload)
    message = db.session.get(TicketMessage, int(data["message"]))
    if ticket is None or message is None or not ticket.provider_case_id:
        return
    try:
        cloud_provider().add_case_message(case_id=ticket.provider_case_id, content=message.body)
    except UpstreamUnavailable as exc:
        raise worker.Retry(str(exc)) from exc
    except UpstreamRejected as exc:
        ticket.provider_error = str(exc)[:255]
        _note(ticket, _("The provider refused the message: %(error)s", error=str(exc)[:200]))


def sync_ticket(ticket: Ticket) -> int:
    """Read the ticket's case; add the provider's new messages; how many were new."""
    assert ticket.provider_case_id
    case = cloud_provider().show_case(case_id=ticket.provider_case_id)
    known = {m.provider_message_id for m in ticket.messages if m.provider_message_id}
    new = [m for m in case.messages if m.from_provider and m.message_id not in known]
    for m in new:
        add_message(
            ticket,
            Author.PROVIDER,
            m.content,
            internal=True,
            provider_message_id=m.message_id,
            name=m.author or "provider",
            at=m.created_at or utcnow(),
        )
    ticket.provider_status, ticket.provider_synced_at = case.status, utcnow()
    ticket.provider_error = None
    state = case_state(case.status)
    answered = new or state in (CaseState.FEEDBACK, CaseState.CONFIRM) or state.finished
    if answered and ticket.status == Status.WAITING_PROVIDER:
        ticket.status = Status.OPEN  # back to staff: relay the answer to the customer
    if new:
        ticket.last_activity_at = utcnow()
    db.session.flush()
    return len(new)
