"""Who owns an anonymous quote: a random key in a cookie of its own.

A visitor who is not logged in (in the browser or through the API without a token) gets a
192-bit random key the first time they make a quote; each quote stores it, and only a request
carrying the same key sees the quote again. The key is the whole credential, so there is
nothing to sign: it is compared in constant time against the stored one (see
:func:`storefront.catalog.services.find_quote`). Kept out of the signed session cookie so
that an anonymous API quote does not pay for building and signing a session.
"""

from __future__ import annotations

import re
import secrets

from flask import after_this_request, current_app, g, request
from flask.wrappers import Response
from sqlalchemy import update

from storefront.catalog.models import Quote
from storefront.catalog.quotes import QUOTE_TTL
from storefront.clock import utcnow
from storefront.extensions import db

COOKIE = "sf_quote_owner"
_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")  # what token_urlsafe(24) makes
_CACHEABLE = frozenset({"GET", "HEAD"})  # RFC 9111: what a cache may store without more ado


def owner_key(create: bool) -> str | None:
    """The requester's key; with ``create``, a new one (sent back as a cookie) if they have none.

    A cacheable answer (to a GET or HEAD) that depends on the cookie says so (``Vary:
    Cookie``); answers to other methods are not stored by caches."""
    if not g.get("quote_owner_hook"):
        g.quote_owner_hook = True
        after_this_request(_finish)
    key = request.cookies.get(COOKIE) if "HTTP_COOKIE" in request.environ else None
    if key is not None and _SHAPE.fullmatch(key):
        return key
    made: str | None = g.get("quote_owner_key")
    if made is None and create:
        made = g.quote_owner_key = secrets.token_urlsafe(24)
    return made


def _finish(response: Response) -> Response:
    if request.method in _CACHEABLE:
        response.vary.add("Cookie")
    made: str | None = g.get("quote_owner_key")
    if made is not None:
        config = current_app.config
        response.set_cookie(
            COOKIE,
            made,
            secure=config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite=config["SESSION_COOKIE_SAMESITE"],
        )
    return response


def transfer_to(customer_id: int, store_id: int) -> int:
    """Give the requester's anonymous quotes (those their ``sf_quote_owner`` cookie owns, in
    this store) to the customer who just logged in or registered, so a quote priced before
    logging in can be bought after. Flushes; the caller commits. How many moved."""
    key = request.cookies.get(COOKIE)
    if key is None or not _SHAPE.fullmatch(key):
        return 0
    now = utcnow()
    result = db.session.execute(
        update(Quote)
        .where(
            Quote.store_id == store_id,
            # only quotes still held (the store's recent ones, by the (store, created) index)
            Quote.created_at >= now - QUOTE_TTL,
            Quote.expires_at > now,
            Quote.customer_id.is_(None),
            Quote.session_key == key,
        )
        .values(customer_id=customer_id, session_key=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
