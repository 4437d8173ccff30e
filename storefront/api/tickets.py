"""Support tickets (#21): the customer's ``/tickets`` and staff's ``/admin/tickets``. Thin:
parse, call :mod:`storefront.tickets` services, commit, render; their errors are answered by
the app's handler. Attachments are sent through the pages (multipart)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from storefront.api import bp
from storefront.api.admin import staff_api
from storefront.api.auth import api_customer, api_staff, require_customer_token
from storefront.errors import ApiError
from storefront.extensions import db
from storefront.tickets import desk, services
from storefront.tickets.common import visible_messages
from storefront.tickets.models import Ticket, TicketMessage


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_input", "A JSON object is required.")
    return body


def _limit() -> int:
    raw = request.args.get("limit", "")
    if raw == "":
        return services.PAGE
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 3 or not 1 <= int(raw) <= 100:
        raise ApiError(422, "invalid_input", "limit must be 1 to 100.", {"limit": "1 to 100."})
    return int(raw)


def _optional_id(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise ApiError(422, "invalid_input", f"{name} must be an id.", {name: "Not an id."})
    return value


def _str(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    return value if isinstance(value, str) else ""


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def message_json(m: TicketMessage, *, staff: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": m.id,
        "author": m.author,
        "author_name": m.author_name,
        "body": m.body,
        "created_at": _time(m.created_at),
        "attachments": [
            {"id": a.id, "filename": a.filename, "size": a.size} for a in m.attachments
        ],
    }
    if staff:
        data["internal"] = m.internal
        data["to_provider"] = m.to_provider
    return data


def ticket_json(t: Ticket, *, staff: bool = False, messages: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": t.id,
        "subject": t.subject,
        "category": t.category,
        "status": t.status,
        "resource_id": t.resource_id,
        "order_id": t.order_id,
        "created_at": _time(t.created_at),
        "last_reply_at": _time(t.last_reply_at),
        "last_reply_by": t.last_reply_by,
        "rating": t.rating,
    }
    if staff:
        data.update(
            customer_id=t.customer_id,
            priority=t.priority,
            assignee_id=t.assignee_id,
            first_response_due=_time(t.first_response_due),
            resolution_due=_time(t.resolution_due),
            overdue=desk.is_overdue(t),
            provider_case_id=t.provider_case_id,
        )
    if messages:
        data["messages"] = [message_json(m, staff=staff) for m in visible_messages(t, staff=staff)]
    return data


# --------------------------------------------------------------------------- customers


@bp.post("/tickets")
@require_customer_token
def open_ticket() -> ResponseReturnValue:
    body = _body()
    new = services.NewTicket(
        category=_str(body, "category"),
        subject=_str(body, "subject"),
        body=_str(body, "body"),
        resource_id=_optional_id(body, "resource_id"),
        order_id=_optional_id(body, "order_id"),
    )
    ticket = services.open_ticket(api_customer(), new, ip=request.remote_addr)
    db.session.commit()
    return jsonify(id=ticket.id, status=ticket.status), 201


@bp.get("/tickets")
@require_customer_token
def list_tickets() -> ResponseReturnValue:
    rows, cursor = services.customer_tickets(api_customer(), request.args.get("cursor"), _limit())
    return jsonify(items=[ticket_json(t) for t in rows], next_cursor=cursor)


@bp.get("/tickets/<id:ticket_id>")
@require_customer_token
def get_ticket(ticket_id: int) -> ResponseReturnValue:
    ticket = services.customer_ticket(api_customer(), ticket_id)
    return jsonify(ticket_json(ticket, messages=True))


@bp.post("/tickets/<id:ticket_id>/messages")
@require_customer_token
def customer_message(ticket_id: int) -> ResponseReturnValue:
    ticket = services.reply(api_customer(), ticket_id, _body().get("body"), ip=request.remote_addr)
    message = ticket.messages[-1]
    db.session.commit()
    return jsonify(message_json(message)), 201


@bp.post("/tickets/<id:ticket_id>/close")
@require_customer_token
def close_ticket(ticket_id: int) -> ResponseReturnValue:
    ticket = services.close(api_customer(), ticket_id, request.remote_addr)
    db.session.commit()
    return jsonify(id=ticket.id, status=ticket.status)


# --------------------------------------------------------------------------- staff


@bp.get("/admin/tickets")
@staff_api("tickets.view")
def admin_tickets() -> ResponseReturnValue:
    f = desk.QueueFilter(
        status=request.args.get("status") or None,
        category=request.args.get("category") or None,
        assignee=request.args.get("assignee") or None,
        waiting=request.args.get("waiting") or None,
    )
    rows, cursor = desk.queue(api_staff(), f, request.args.get("cursor"), _limit())
    return jsonify(items=[ticket_json(t, staff=True) for t in rows], next_cursor=cursor)


@bp.get("/admin/tickets/<id:ticket_id>")
@staff_api("tickets.view")
def admin_ticket(ticket_id: int) -> ResponseReturnValue:
    ticket = desk.staff_ticket(api_staff(), ticket_id)
    return jsonify(ticket_json(ticket, staff=True, messages=True))


@bp.post("/admin/tickets/<id:ticket_id>/messages")
@staff_api("tickets.answer")
def admin_message(ticket_id: int) -> ResponseReturnValue:
    body = _body()
    internal = body.get("internal", False)
    if not isinstance(internal, bool):
        raise ApiError(
            422, "invalid_input", "internal must be true or false.", {"internal": "bool"}
        )
    status = body.get("status")
    if status is not None and not isinstance(status, str):
        raise ApiError(422, "invalid_input", "status must be a string.", {"status": "string"})
    ticket = desk.staff_reply(
        api_staff(),
        ticket_id,
        body.get("body"),
        internal=internal,
        status=status,
        ip=request.remote_addr,
    )
    message = ticket.messages[-1]
    db.session.commit()
    return jsonify(message_json(message, staff=True)), 201


@bp.post("/admin/tickets/<id:ticket_id>/status")
@staff_api("tickets.answer")
def admin_status(ticket_id: int) -> ResponseReturnValue:
    status = _body().get("status")
    ticket = desk.set_status(
        api_staff(), ticket_id, status if isinstance(status, str) else "", request.remote_addr
    )
    db.session.commit()
    return jsonify(ticket_json(ticket, staff=True))


@bp.post("/admin/tickets/<id:ticket_id>/assign")
@staff_api("tickets.answer")
def admin_assign(ticket_id: int) -> ResponseReturnValue:
    staff_id = _body().get("staff_id")
    if staff_id is not None and (isinstance(staff_id, bool) or not isinstance(staff_id, int)):
        raise ApiError(422, "invalid_input", "staff_id must be an id or null.", {"staff_id": "id"})
    ticket = desk.assign(api_staff(), ticket_id, staff_id, request.remote_addr)
    db.session.commit()
    return jsonify(ticket_json(ticket, staff=True))
