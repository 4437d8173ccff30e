"""The back office's blueprint (pages under ``/admin``, staff only) and what its view modules
share: the acting staff member, the client's address, errors shown beside a form."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, request

from storefront.accounts.models import Customer, Staff
from storefront.accounts.principals import current_principal
from storefront.backoffice import customer_search
from storefront.backoffice.errors import BackofficeError, NotFound

bp = Blueprint("backoffice", __name__, url_prefix="/admin")


def acting_staff() -> Staff:
    user = current_principal()
    assert isinstance(user, Staff)
    return user


def client_ip() -> str | None:
    return request.remote_addr


def flash_error(exc: BackofficeError, form: Any = None) -> None:
    """Show ``exc`` beside the form's fields it names, or as a notice when it names none."""
    applied = False
    for name, message in exc.fields.items():
        target = getattr(form, name, None) if form is not None else None
        if target is not None:
            target.errors = [*list(target.errors or []), str(message)]
            applied = True
    if not applied:
        flash(str(exc.message), "error")


def customer_or_404(customer_id: int) -> Customer:
    try:
        return customer_search.get_customer(acting_staff(), customer_id)
    except NotFound:
        abort(404)
