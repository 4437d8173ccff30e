"""Notifications: ``GET /api/v1/notifications`` (newest first, cursor pages, the unread
count), ``POST /api/v1/notifications/read`` and ``GET/PUT /api/v1/notifications/preferences``."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from storefront.api import bp
from storefront.api.auth import api_customer, require_customer_token
from storefront.api.billing import _json_object
from storefront.api.errors import ApiError
from storefront.api.orders import _limit
from storefront.extensions import db
from storefront.notifications import services

MAX_IDS = 100


@bp.get("/notifications")
@require_customer_token
def list_notifications() -> ResponseReturnValue:
    """``?unread=1``: only unread ones."""
    customer = api_customer()
    unread_only = request.args.get("unread", "") in ("1", "true")
    rows, cursor = services.page(
        customer, request.args.get("cursor"), _limit(), unread_only=unread_only
    )
    return jsonify(
        items=[services.notification_json(n) for n in rows],
        next_cursor=cursor,
        unread=services.unread_count(customer),
    )


@bp.post("/notifications/read")
@require_customer_token
def read_notifications() -> ResponseReturnValue:
    """``{"ids": [..]}`` marks those read, ``{"all": true}`` every one."""
    customer = api_customer()
    body = _json_object()
    ids = body.get("ids")
    if body.get("all") is True and ids is None:
        changed = services.mark_read(customer)
    elif (
        isinstance(ids, list)
        and 0 < len(ids) <= MAX_IDS
        and all(isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in ids)
    ):
        changed = services.mark_read(customer, ids)
    else:
        raise ApiError(
            422,
            "invalid_input",
            "Send ids (a list of notification ids) or all: true.",
            {"ids": f"1 to {MAX_IDS} ids"},
        )
    db.session.commit()
    return jsonify(marked=changed, unread=services.unread_count(customer))


@bp.get("/notifications/preferences")
@require_customer_token
def get_preferences() -> ResponseReturnValue:
    return jsonify(services.preferences_json(api_customer()))


@bp.put("/notifications/preferences")
@require_customer_token
def put_preferences() -> ResponseReturnValue:
    """``{"mail": {"low_balance": false}, "low_balance_threshold": "100.00"|null}``."""
    customer = api_customer()
    body = _json_object()
    current = {e["event"]: e["mail"] for e in services.preferences_json(customer)["events"]}
    mail = body.get("mail", {})
    if not isinstance(mail, dict) or not all(isinstance(v, bool) for v in mail.values()):
        raise ApiError(422, "invalid_input", "Bad mail choices.", {"mail": "{event: bool}"})
    unknown = sorted(set(mail) - set(current))
    if unknown:
        raise ApiError(
            422,
            "invalid_input",
            "These notifications cannot be turned off.",
            {"mail": ", ".join(unknown)[:200]},
        )
    current.update(mail)
    kwargs = {}
    if "low_balance_threshold" in body:
        kwargs["threshold"] = body["low_balance_threshold"]
    services.set_preferences(
        customer, muted=[name for name, on in current.items() if not on], **kwargs
    )
    db.session.commit()
    return jsonify(services.preferences_json(customer))
