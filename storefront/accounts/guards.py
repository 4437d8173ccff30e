"""The guards of the pages: ``staff_page`` for staff pages (back office, billing staff pages,
catalogue pricing), ``customer_required`` for a customer's own pages (wallet, bills, tickets,
notifications, …), and the principal each lets through (``current_staff``/``current_customer``).

``@staff_page("permission")``: anonymous visitors (and another store's session, which does not
load on this host) go to the staff login; customers, staff of another store and staff whose
role lacks the permission get 403; a store that requires staff 2FA sends staff without it to
enrolment. The view's ``.permission`` tells the authorisation matrix what it needs. A
:class:`PermissionDenied` raised by the service the view calls also becomes a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from storefront.accounts.models import Customer, Staff
from storefront.accounts.permissions import PERMISSIONS, PermissionDenied, has_permission
from storefront.accounts.principals import current_principal
from storefront.accounts.sessions import staff_2fa_required
from storefront.stores.tenancy import current_store_id

F = TypeVar("F", bound=Callable[..., Any])


def staff_page(permission: str) -> Callable[[F], F]:
    """Staff of this store holding ``permission``; anonymous -> staff login, others -> 403."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return staff_guard(permission, has_permission)


def staff_guard(
    permission: str,
    allowed: Callable[[Staff, str], bool],
    before: Callable[[], None] | None = None,
) -> Callable[[F], F]:
    """The shared mechanism behind ``staff_page`` and other permission maps (the partner pages):
    ``before`` runs first (e.g. a 404 for a page the platform mode hides), then login, store,
    ``allowed(staff, permission)`` and the staff-2FA rule."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if before is not None:
                before()
            user = current_user
            if not user.is_authenticated:
                return redirect(url_for("accounts.admin_login", next=request.full_path))
            if (
                not isinstance(user, Staff)
                or user.store_id != current_store_id()
                or not allowed(user, permission)
            ):
                abort(403)
            if not user.totp_enabled and staff_2fa_required(user.store_id):
                flash(_l("This store requires two-factor authentication. Please set it up now."))
                return redirect(url_for("accounts.totp_enrol"))
            try:
                return view(*args, **kwargs)
            except PermissionDenied:
                abort(403)

        wrapper.permission = permission  # type: ignore[attr-defined]
        return cast(F, wrapper)

    return decorator


def customer_required(view: F) -> F:
    """A customer's own page: anonymous visitors go to the login (and back here after it);
    staff get 403."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = current_user
        if not user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        if not isinstance(user, Customer):
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapper)


def signed_in_customer() -> Customer | None:
    """The logged-in customer, or ``None`` for anyone else (navigation, context processors)."""
    user = current_principal()
    return user if isinstance(user, Customer) else None


def current_customer() -> Customer:
    """The logged-in customer (inside a ``customer_required`` view)."""
    user = current_principal()
    assert isinstance(user, Customer)
    return user


def current_staff() -> Staff:
    """The logged-in staff member (inside a ``staff_page`` view)."""
    user = current_principal()
    assert isinstance(user, Staff)
    return user
