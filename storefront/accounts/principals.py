"""Session principals: customers (``c:<id>``) and staff (``s:<id>``) share Flask-Login.

A session remembers the principal's ``session_version`` at login; "log out everywhere" and
password changes move the version on, so every older session stops loading.
"""

from __future__ import annotations

from flask import session
from flask_login import AnonymousUserMixin, current_user, login_user

from storefront.accounts.models import Customer, Staff
from storefront.extensions import db, login_manager
from storefront.routing import parse_id
from storefront.stores.tenancy import current_store_id

SESSION_VERSION_KEY = "_sv"


def load_principal(user_id: str) -> Customer | Staff | None:
    """Load the session's principal; the tenant filter keeps it inside the current store."""
    kind, _, raw = user_id.partition(":")
    if parse_id(raw) is None:
        return None
    if kind not in ("c", "s"):
        return None
    principal: Customer | Staff | None = (
        db.session.get(Customer, int(raw)) if kind == "c" else db.session.get(Staff, int(raw))
    )
    if principal is None or principal.store_id != current_store_id():
        return None
    if session.get(SESSION_VERSION_KEY, 0) != (principal.session_version or 0):
        return None
    return principal


def start_session(principal: Customer | Staff) -> None:
    """Log ``principal`` in with a fresh session bound to its current session version."""
    session.clear()
    login_user(principal)
    session[SESSION_VERSION_KEY] = principal.session_version or 0


def current_principal() -> Customer | Staff | None:
    """The logged-in customer or staff member itself, not Flask-Login's ``current_user`` proxy
    (which ``login_user`` must not store, and SQLAlchemy does not accept): the object the user
    loader put in the session's identity map, found there without a query."""
    user = current_user
    if not user.is_authenticated:
        return None
    kind = user.__class__  # the proxied object's class (``type()`` would say LocalProxy)
    if kind not in (Customer, Staff):
        return None
    found: Customer | Staff | None = db.session.get(kind, user.id)
    return found


class Anonymous(AnonymousUserMixin):
    pass


def register() -> None:
    login_manager.user_loader(load_principal)
    login_manager.anonymous_user = Anonymous
    login_manager.session_protection = "strong"
    login_manager.login_view = "accounts.login"
