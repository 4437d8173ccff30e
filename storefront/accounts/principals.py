"""Session principals: customers (``c:<id>``) and staff (``s:<id>``) share Flask-Login."""

from __future__ import annotations

from flask_login import AnonymousUserMixin

from storefront.accounts.models import Customer, Staff
from storefront.extensions import db, login_manager


def load_principal(user_id: str) -> Customer | Staff | None:
    """Load the session's principal; the tenant filter keeps it inside the current store."""
    kind, _, raw = user_id.partition(":")
    if not raw.isdigit():
        return None
    if kind not in ("c", "s"):
        return None
    principal: Customer | Staff | None = (
        db.session.get(Customer, int(raw)) if kind == "c" else db.session.get(Staff, int(raw))
    )
    from storefront.stores.tenancy import current_store_id

    if principal is None or principal.store_id != current_store_id():
        return None
    return principal


class Anonymous(AnonymousUserMixin):
    pass


def register() -> None:
    login_manager.user_loader(load_principal)
    login_manager.anonymous_user = Anonymous
    login_manager.session_protection = "strong"
