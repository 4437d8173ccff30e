"""``POST /api/v1/resources/<id>/console``: a short-lived, single-use console link (a refusal
is a :class:`~storefront.console_bridge.services.ConsoleRefused`, answered by the app's
error handler)."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from storefront.api import bp
from storefront.api.auth import api_customer, require_customer_token
from storefront.console_bridge import services
from storefront.extensions import db
from storefront.stores.urls import external_url


@bp.post("/resources/<id:resource_id>/console")
@require_customer_token
def open_console(resource_id: int) -> ResponseReturnValue:
    origin = services.Origin(ip=request.remote_addr, user_agent=request.headers.get("User-Agent"))
    minted = services.mint_link(api_customer(), resource_id, origin)
    db.session.commit()
    return jsonify(
        url=external_url("console_bridge.go", token=minted.token),
        expires_at=minted.expires_at.isoformat(),
    )
