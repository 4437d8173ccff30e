"""What every partner page shares: the blueprints, the permission guard and the helpers that
show a service's refusal.

Each staff view declares its partner permission with ``@partner_page("…")``; the service it
calls checks the same permission again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from storefront.accounts.guards import staff_guard
from storefront.accounts.models import Staff
from storefront.accounts.permissions import DISTRIBUTOR_SCOPE, has_permission
from storefront.accounts.principals import current_principal
from storefront.partners import forms
from storefront.partners.errors import PartnersError
from storefront.partners.settings import partner_settings

bp = Blueprint("partners", __name__, url_prefix="/admin/partners")
public = Blueprint("partners_public", __name__)
F = TypeVar("F", bound=Callable[..., Any])


def partner_page(permission: str) -> Callable[[F], F]:
    """Staff holding ``permission``; anonymous -> staff login, others -> 403. Reseller pages do
    not exist (404) in solution-provider mode."""

    def hidden_in_this_mode() -> None:
        if permission in DISTRIBUTOR_SCOPE and not partner_settings().is_distributor:
            abort(404)

    return staff_guard(permission, has_permission, before=hidden_in_this_mode)


def staff_member() -> Staff:
    user = current_principal()
    assert isinstance(user, Staff)
    return user


def flash_refusal(exc: PartnersError) -> None:
    flash(str(exc), "error")


def back(endpoint: str, **values: Any) -> ResponseReturnValue:
    return redirect(url_for(endpoint, **values))


def field_error(form: FlaskForm, exc: PartnersError) -> bool:
    """Put a service refusal next to its field; False when it names no field of ``form``."""
    field = form._fields.get(exc.field or "")
    if field is None:
        return False
    field.errors = [*field.errors, str(exc)]
    return True


def require(permission: str) -> None:
    if not has_permission(staff_member(), permission):
        abort(403)


def button_ok() -> bool:
    if forms.EmptyForm().validate():
        return True
    flash(_("The form expired. Please try again."), "error")
    return False
