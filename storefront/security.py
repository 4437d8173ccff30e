"""Security defaults: response headers with a per-request CSP nonce, safe redirects."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask.wrappers import Request, Response
from itsdangerous import URLSafeTimedSerializer

_CACHEABLE = frozenset({"GET", "HEAD"})  # RFC 9111: what a cache may store without more ado


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site relative paths; anything else (``//evil``, ``https://…``) -> default."""
    if not target:
        return default
    target = target.strip().replace("\\", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def csp_nonce() -> str:
    nonce: str | None = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(16)
    return nonce


_CSP = (
    "default-src 'self'; "
    "script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self' 'nonce-{nonce}'; "
    "img-src 'self' data:; "
    "form-action 'self'; "
    "frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)
_FOR_DATA = (  # every answer
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
)
_FIXED = (  # pages: also the headers that shape a document
    *_FOR_DATA,
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
_HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


# JSON answers are data, never a document: nothing in them may load, run or be framed, and
# the headers that only shape a document (referrer, permissions, opener) don't apply.
_JSON_CSP = "default-src 'none'; frame-ancestors 'none'"


def _headers(response: Response) -> Response:
    """The security headers, each unless the view set its own (one pass over the headers)."""
    headers = response.headers
    present = {name.lower() for name, _value in headers.items()}
    json = response.mimetype == "application/json"
    if "content-security-policy" not in present:
        csp = _JSON_CSP if json else _CSP.format(nonce=csp_nonce())
        headers.add("Content-Security-Policy", csp)
    for name, value in _FOR_DATA if json else _FIXED:
        if name.lower() not in present:
            headers.add(name, value)
    if request.is_secure and _HSTS[0].lower() not in present:
        headers.add(*_HSTS)
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, with the signing serializer built once per key set.

    Flask builds a new ``URLSafeTimedSerializer`` twice per request (open and save); the
    cookie format, salt, key derivation, key rotation (``SECRET_KEY_FALLBACKS``) and expiry
    checks are unchanged: the serializer is rebuilt whenever the keys change. A request
    without any cookie (most API calls) gets a new session without parsing one.
    """

    _cached: tuple[tuple[Any, ...], URLSafeTimedSerializer] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        key = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = self._cached
        if cached is not None and cached[0] == key:
            return cached[1]
        serializer = super().get_signing_serializer(app)
        if serializer is not None:
            self._cached = (key, serializer)
        return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if "HTTP_COOKIE" not in request.environ and app.secret_key:
            return self.session_class()  # no cookie to read (API clients): a new, empty one
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        # Flask adds ``Vary: Cookie`` when the session was read at all, and Flask-Login reads it
        # after every request. Caches store answers to GET and HEAD only (RFC 9111), so other
        # answers (an API POST) are left without it.
        if request.method not in _CACHEABLE:
            session.accessed = False
        super().save_session(app, session, response)


def register(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.after_request(_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
