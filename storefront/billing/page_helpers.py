"""What the billing pages share: who is asking, and what a refused action says."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import (
    abort,
    redirect,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from storefront.accounts.models import Customer, Staff
from storefront.accounts.principals import current_principal
from storefront.billing.errors import (
    IdempotencyConflict,
    InvalidAmount,
)
from storefront.errors import DomainError

F = TypeVar("F", bound=Callable[..., Any])


def page_message(exc: Exception) -> str:
    """What a page shows for a refused action: the service's own (translated) message, except
    where the form has a better hint of what to do."""
    if isinstance(exc, InvalidAmount):
        return _('Enter an amount such as "100.00".')
    if isinstance(exc, IdempotencyConflict):
        return _("This form was already used for something else: reload it.")
    if isinstance(exc, DomainError):
        return exc.message
    return _("Your role does not allow this.")


def customer_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = current_user
        if not user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        if not isinstance(user, Customer):
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapper)


def current_customer() -> Customer:
    user = current_principal()
    assert isinstance(user, Customer)
    return user


def current_staff() -> Staff:
    user = current_principal()
    assert isinstance(user, Staff)
    return user
