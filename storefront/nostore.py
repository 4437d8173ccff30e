"""``Cache-Control: no-store`` on every answer made for someone signed in, and on token answers.

A page or JSON answer made for a signed-in customer or staff member (a session cookie, a
remember cookie or a bearer token) holds their data: no browser history, shared proxy or
back-button cache may keep it. The token endpoints' answers carry a credential. Anonymous
answers (the public catalogue, static files) keep whatever caching their view chose.

The check reads the session only when the request carries one of the login cookies, so an
anonymous API call or page view pays nothing and gains no ``Vary: Cookie``.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask.wrappers import Response
from flask_login import current_user

NO_STORE = "no-store"
TOKEN_ENDPOINTS = frozenset({"api.customer_token", "api.staff_token"})
ALWAYS_CACHEABLE = frozenset({"static"})


def _signed_in() -> bool:
    if request.headers.get("Authorization"):
        return True
    if "HTTP_COOKIE" not in request.environ:
        return False
    config = current_app.config
    names = (config["SESSION_COOKIE_NAME"], config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    if not any(name in request.cookies for name in names):
        return False
    return bool(current_user.is_authenticated)


def no_store(response: Response) -> Response:
    """The after-request hook: ``no-store`` for token answers and signed-in callers."""
    endpoint = request.endpoint
    if endpoint in ALWAYS_CACHEABLE:
        return response
    if endpoint in TOKEN_ENDPOINTS or _signed_in():
        response.headers["Cache-Control"] = NO_STORE
    return response


def register(app: Flask) -> None:
    app.after_request(no_store)
