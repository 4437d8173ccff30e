"""What the billing pages share: what a refused action says. Who is asking:
:mod:`storefront.accounts.guards`."""

from __future__ import annotations

from flask_babel import gettext as _

from storefront.billing.errors import (
    IdempotencyConflict,
    InvalidAmount,
)
from storefront.errors import DomainError


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
