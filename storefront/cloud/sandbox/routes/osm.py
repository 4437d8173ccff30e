"""OSM service tickets (the provider's Service Ticket open APIs, ``huaweicloudsdkosm`` v2):
create a case, list and show cases, add and list messages, close / cancel / urge.

As the SDK models document: ``CreateOrderIncidentV2Req`` (``business_type_id``,
``product_category_id``, ``incident_sub_type_id``, ``simple_description``, ``source_id`` fixed
to ``83aeb0f2834c4df49826c781d32a963e``) answers ``incident_id``; case ``status`` 0 pending,
1 processing, 2 result to confirm, 3 completed, 4 cancelled, 12 invalid, 17 awaiting feedback;
message ``type`` 0 the customer's, 1 a provider engineer's; ``action_id`` one of
``cancel, close, press, delete``. Errors are the API reference's (ticket_api_20001): HTTP 400
``OSM.0001`` bad parameters, 403 ``OSM.0003`` not the caller's case, 200-class
``OSM.01010004`` urged too often (answered here with HTTP 400, *confirm*).

Each caller sees only the cases it opened. The provider's side, an engineer answering, is the
unsigned control route ``POST /_sandbox/osm/cases/<id>/reply {content, status?}``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.cloud.sandbox.state import caller_id, sandbox_state
from storefront.cloud.sandbox.ticket_models import Case, CaseNote
from storefront.cloud.sandbox.wire import ApiError, body, respond

bp = Blueprint("sandbox_osm", __name__)
control_bp = Blueprint("sandbox_osm_control", __name__, url_prefix="/_sandbox/osm")

SOURCE_ID = "83aeb0f2834c4df49826c781d32a963e"
STATUSES = frozenset({0, 1, 2, 3, 4, 12, 17})
OPEN = frozenset({0, 1, 2, 17})
MAX_DESCRIPTION = 2000  # *confirm*: the reference we could read names no limit
PRESS_INTERVAL = timedelta(hours=1)  # *confirm*: "urging is too frequent"


def _bad(message: str) -> ApiError:
    return ApiError(400, "OSM.0001", message)


def _now() -> datetime:
    return sandbox_state().now().astimezone(UTC).replace(tzinfo=None)


def _time(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _text(data: dict[str, Any], name: str, limit: int = 64) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _bad(f"{name} is required.")
    if len(value) > limit:
        raise _bad(f"{name} is longer than {limit} characters.")
    return value.strip()


def _own_case(s: Session, case_id: str) -> Case:
    case = s.get(Case, case_id)
    if case is None:
        raise _bad(f"The case {case_id} does not exist.")
    if case.owner_id != caller_id():
        raise ApiError(403, "OSM.0003", "Forbidden")
    return case


def _add_note(s: Session, case: Case, kind: int, who: str, name: str, content: str) -> CaseNote:
    seq = s.scalar(select(func.count()).where(CaseNote.incident_id == case.incident_id)) or 0
    note = CaseNote(
        message_id=uuid.uuid4().hex,
        incident_id=case.incident_id,
        seq=seq + 1,
        type=kind,
        replier=who,
        replier_name=name,
        content=content,
        created_at=_now(),
    )
    s.add(note)
    return note


def _notes(s: Session, case_id: str) -> list[CaseNote]:
    return list(
        s.scalars(select(CaseNote).where(CaseNote.incident_id == case_id).order_by(CaseNote.seq))
    )


def _message_json(n: CaseNote) -> dict[str, Any]:  # IncidentMessageV2
    return {
        "type": n.type,
        "replier": n.replier,
        "content": n.content,
        "message_id": n.message_id,
        "replier_name": n.replier_name,
        "create_time": _time(n.created_at),
        "is_first_message": 1 if n.seq == 1 else 0,
        "accessory_list": [],
    }


def _info_json(c: Case) -> dict[str, Any]:  # IncidentInfoV2
    return {
        "incident_id": c.incident_id,
        "status": c.status,
        "customer_id": c.owner_id,
        "business_type_name": "Technical support",
        "incident_type_name": "Fault",
        "product_category_name": "Cloud service",
        "simple_description": c.simple_description,
        "create_time": _time(c.created_at),
        "confirmed_time": _time(c.resolved_at),
    }


@bp.post("/v2/servicerequest/cases")
def create_cases() -> Response:
    data = body()
    fields = {
        name: _text(data, name)
        for name in ("business_type_id", "product_category_id", "incident_sub_type_id")
    }
    if data.get("source_id") != SOURCE_ID:
        raise _bad("source_id is invalid.")
    description = _text(data, "simple_description", MAX_DESCRIPTION)
    with sandbox_state().db.session() as s:
        case = Case(
            incident_id=f"CS{_now():%Y%m%d}{uuid.uuid4().hex[:10].upper()}",
            owner_id=caller_id(),
            simple_description=description,
            created_at=_now(),
            **fields,
        )
        s.add(case)
        s.flush()
        _add_note(s, case, 0, caller_id(), "partner", description)
        incident_id = case.incident_id
    return respond({"incident_id": incident_id})


def _int_arg(name: str, default: int, high: int) -> int:
    raw = request.args.get(name) or str(default)
    if not raw.isdigit() or int(raw) > high:
        raise _bad(f"{name} is invalid.")
    return int(raw)


@bp.get("/v2/servicerequest/cases")
def list_cases() -> Response:
    offset, limit = _int_arg("offset", 0, 1_000_000), _int_arg("limit", 10, 100)
    stmt = select(Case).where(Case.owner_id == caller_id())
    if request.args.get("status"):
        stmt = stmt.where(Case.status == _int_arg("status", 0, 99))
    if request.args.get("incident_id"):
        stmt = stmt.where(Case.incident_id == request.args["incident_id"])
    with sandbox_state().db.session() as s:
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(stmt.order_by(Case.created_at.desc()).offset(offset).limit(limit))
        items = [_info_json(c) for c in rows]
    return respond({"total_count": total, "incident_info_list": items})


@bp.get("/v2/servicerequest/cases/<case_id>")
def show_case_detail(case_id: str) -> Response:
    with sandbox_state().db.session() as s:
        case = _own_case(s, case_id)
        detail = {
            "incident_id": case.incident_id,
            "status": case.status,
            "customer_id": case.owner_id,
            "business_type_name": "Technical support",
            "incident_type_name": "Fault",
            "simple_description": case.simple_description,
            "source_name": "Partner sales platform",
            "create_time": _time(case.created_at),
            "business_ownership": 0,
            "message_list": [_message_json(n) for n in _notes(s, case_id)],
        }
    return respond({"incident_detail_info": detail})


@bp.post("/v2/servicerequest/cases/<case_id>/message")
def create_messages(case_id: str) -> Response:
    message = body().get("message")
    if not isinstance(message, dict):
        raise _bad("message is required.")
    content = _text(message, "content", MAX_DESCRIPTION)
    with sandbox_state().db.session() as s:
        case = _own_case(s, case_id)
        if case.status not in OPEN:
            raise _bad("The case is finished: no more messages.")
        _add_note(s, case, 0, caller_id(), "partner", content)
        if case.status in (2, 17):
            case.status = 1  # answered: back with the engineer
    return respond({})


@bp.get("/v2/servicerequest/cases/<case_id>/messages")
def list_messages(case_id: str) -> Response:
    offset, limit = _int_arg("offset", 0, 1_000_000), _int_arg("limit", 10, 100)
    with sandbox_state().db.session() as s:
        _own_case(s, case_id)
        notes = _notes(s, case_id)
        page: list[dict[str, Any]] = [
            {
                "type": n.type,
                "replier_type": n.type,
                "replier": n.replier,
                "content": n.content,
                "create_time": _time(n.created_at),
                "replier_name": n.replier_name,
                "is_first_message": 1 if n.seq == 1 else 0,
                "accessory_list": [],
            }
            for n in notes[offset : offset + limit]
        ]
    return respond({"count": len(notes), "message_list": page})


@bp.post("/v2/servicerequest/cases/<case_id>/action")
def update_cases(case_id: str) -> Response:
    action = request.args.get("action_id", "")
    if action not in ("cancel", "close", "press", "delete"):
        raise _bad("action_id must be one of cancel, close, press, delete.")
    body()  # WorkOrderOperateV2Req: judgement, operate_desc (optional)
    with sandbox_state().db.session() as s:
        case = _own_case(s, case_id)
        now = _now()
        if action == "delete":
            if case.status in OPEN:
                raise _bad("Only a finished case can be deleted.")
            s.delete(case)
        elif case.status not in OPEN:
            raise _bad("The case is already finished.")
        elif action == "press":
            if case.pressed_at and now - case.pressed_at < PRESS_INTERVAL:
                raise ApiError(
                    400, "OSM.01010004", "You have asked for the order, please ask for it later."
                )
            case.pressed_at = now
        else:
            case.status = 3 if action == "close" else 4
            case.resolved_at = now
    return respond({})


# --- the provider's side (tests and operators) -------------------------------------------------


@control_bp.get("/cases")
def all_cases() -> Response:
    with sandbox_state().db.session() as s:
        rows = s.scalars(select(Case).order_by(Case.created_at.desc()).limit(100))
        return respond({"cases": [_info_json(c) for c in rows]})


@control_bp.post("/cases/<case_id>/reply")
def engineer_reply(case_id: str) -> Response:
    """A provider engineer answers: a ``type`` 1 message, and the case's new ``status``
    (default 17, awaiting the customer's feedback)."""
    data = body()
    content = _text(data, "content", MAX_DESCRIPTION)
    status = data.get("status", 17)
    if status not in STATUSES:
        raise _bad("status is not a documented case status.")
    with sandbox_state().db.session() as s:
        case = s.get(Case, case_id)
        if case is None:
            raise ApiError(404, "OSM.0001", f"The case {case_id} does not exist.")
        _add_note(
            s, case, 1, "engineer-001", str(data.get("name") or "Huawei Cloud engineer"), content
        )
        case.status = int(status)
        if case.status in (3, 4, 12):
            case.resolved_at = _now()
    return respond({"incident_id": case_id, "status": int(status)})
