"""The POST half of the back-office forms and buttons: the edge of their transaction (the
services they call flush; this commits)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect
from flask.typing import ResponseReturnValue

from storefront.backoffice.blueprint import flash_error
from storefront.backoffice.errors import BackofficeError
from storefront.extensions import db


def form_post(
    form: Any, page: Callable[[], str], action: Callable[[], object], *, done: str, to: str
) -> ResponseReturnValue:
    """A form's POST, the edge of its transaction: a valid form runs ``action``; its success is
    committed, ``done`` flashed and the browser sent to ``to``; its refusal shows ``page()``
    again with the error beside the form's fields (status: the error's). An invalid form shows
    ``page()`` again (422)."""
    if not form.validate_on_submit():
        return page(), 422
    try:
        action()
    except BackofficeError as exc:
        flash_error(exc, form)
        return page(), exc.status
    db.session.commit()
    flash(done)
    return redirect(to)


def button_post(
    valid: bool, action: Callable[[], object], *, done: str, to: str
) -> ResponseReturnValue:
    """A button or one-field form: when ``valid``, ``action`` runs; its success is committed and
    ``done`` flashed, its refusal flashed. Either way the browser goes back to ``to``."""
    if valid:
        try:
            action()
        except BackofficeError as exc:
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            flash(done)
    return redirect(to)
