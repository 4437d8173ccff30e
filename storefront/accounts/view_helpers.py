"""What the account pages share: their blueprint, how a refused operation shows on a form,
the throttled answer, the signed-in customer."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm

from storefront.accounts.errors import AccountError, TooManyAttempts
from storefront.accounts.models import Customer

bp = Blueprint("accounts", __name__)
PENDING_2FA = "accounts_pending_2fa"


def apply_errors(form: FlaskForm, exc: AccountError) -> None:
    for name, message in exc.fields.items():
        target = getattr(form, name, None)
        if target is not None:
            target.errors = [*list(target.errors or []), str(message)]
    if not exc.fields or not any(hasattr(form, n) for n in exc.fields):
        flash(str(exc.message), "error")


def flash_invalid(form: FlaskForm) -> None:
    """The account page's small forms redirect back: say what was wrong instead of nothing."""
    for f in form:
        for message in f.errors if isinstance(f.errors, list) else []:
            flash(f"{f.label.text}: {message}", "error")


def too_many(exc: TooManyAttempts, template: str, **context: Any) -> ResponseReturnValue:
    """The generic answer of a throttled page: the form again, a 429 and ``Retry-After``."""
    flash(str(exc.message), "error")
    return render_template(template, **context), 429, {"Retry-After": str(exc.retry_after)}


def signed_in_customer() -> Customer | None:
    return current_user if isinstance(current_user, Customer) else None
