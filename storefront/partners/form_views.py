"""The POST half of the partner form pages: the edge of their transaction (the services they
call flush; this commits)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from storefront.extensions import db
from storefront.partners.errors import PartnersError
from storefront.partners.pages import back, field_error, flash_refusal

T = TypeVar("T")


def submit(
    form: FlaskForm,
    page: Callable[..., ResponseReturnValue],
    action: Callable[[], T],
    *,
    done: str,
    endpoint: str,
    after: Callable[[T], object] | None = None,
) -> ResponseReturnValue:
    """The POST half of a partner form page, the edge of its transaction.

    A form that does not validate, or a service refusal that names one of its fields, is shown
    again with ``page(form, status=422)``. Otherwise ``action()`` runs: a refusal rolls back and
    is flashed; a success is committed, ``after(result)`` runs (mail goes after the commit) and
    ``done`` is flashed. Both end on ``endpoint``.
    """
    if not form.validate():
        return page(form, status=422)
    try:
        result = action()
    except PartnersError as exc:
        db.session.rollback()
        if field_error(form, exc):
            return page(form, status=422)
        flash_refusal(exc)
    else:
        db.session.commit()
        if after is not None:
            after(result)
        flash(done)
    return back(endpoint)
