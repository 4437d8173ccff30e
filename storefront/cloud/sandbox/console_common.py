"""What the sandbox console site's pages share: its state, error page, own-URL checks and the
signed-in customer's resources."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, render_template, request, session
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from storefront.cloud.sandbox.commerce import CloudResource
from storefront.cloud.sandbox.state import EXTENSION_KEY, SandboxState

ACS_PATH = "/authui/saml/SAMLAssertionConsumer"
KEYS_KEY = "sandbox_sp_keys"


def site_state() -> SandboxState:
    state: SandboxState = current_app.extensions[EXTENSION_KEY]
    return state


def db_session() -> Any:
    return site_state().db.session()


def base() -> str:
    return request.host_url.rstrip("/")


def fail(status: int, code: str, message: str) -> ResponseReturnValue:
    return render_template("console/error.html", code=code, message=message), status


def console_url(service: str | None) -> str | None:
    """Only this console's own pages are acceptable landing pages."""
    if not service:
        return None
    parts = urlsplit(service)
    own = urlsplit(base())
    if (parts.scheme, parts.netloc) != (own.scheme, own.netloc):
        return None
    if not (parts.path == "/console" or parts.path.startswith("/console/")):
        return None
    return service


def current_user() -> str:
    user = session.get("user")
    if not user:
        abort(401)
    return str(user)


def owned(s: Session, kind: str, region: str, resource_id: str) -> CloudResource:
    row = s.get(CloudResource, resource_id)
    if row is None or row.customer_id != current_user() or row.kind != kind:
        abort(404)
    if row.region != region:
        abort(404)
    return row
