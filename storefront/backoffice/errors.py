"""The back office's refusals: one :class:`~storefront.errors.DomainError` subclass per answer.

Each class carries the JSON API's ``code`` and the HTTP ``status`` that answer it (API.md, "Staff");
the app maps them once (``storefront.errors``), and the back-office pages catch
:class:`BackofficeError` only to show the message beside the form again.
"""

from __future__ import annotations

from flask_babel import gettext as _

from storefront.errors import DomainError

MAX_REASON = 256


class BackofficeError(DomainError):
    """A refused back-office operation (also: input that breaks a back-office rule)."""

    code = "invalid_input"
    status = 422


class InvalidCursor(BackofficeError):
    code = "invalid_cursor"
    status = 400


class NotFound(BackofficeError):
    """Unknown here: another store's record is not found either."""

    code = "not_found"
    status = 404


class Expired(BackofficeError):
    code = "expired"
    status = 410


class ReasonRequired(BackofficeError):
    code = "reason_required"
    status = 422


class Conflict(BackofficeError):
    """The record's state forbids the operation; ``code`` names the state."""

    code = "conflict"
    status = 409


class EmailTaken(Conflict):
    code = "email_taken"


class LastOwner(Conflict):
    code = "last_owner"


class SelfDeactivate(Conflict):
    code = "self_deactivate"


class AlreadyFrozen(Conflict):
    code = "already_frozen"


class NotFrozen(Conflict):
    code = "not_frozen"


class AccountClosed(Conflict):
    code = "account_closed"


class ReviewNotLocal(Conflict):
    code = "review_not_local"


class NothingPending(Conflict):
    code = "nothing_pending"


class AlreadySettled(Conflict):
    code = "already_settled"


class AlreadyRecorded(Conflict):
    code = "already_recorded"


class DomainTaken(Conflict):
    code = "domain_taken"


class LastDomain(Conflict):
    code = "last_domain"


class ProviderUnavailable(BackofficeError):
    """The provider did not do its part, so nothing changed here."""

    code = "upstream_unavailable"
    status = 503


def required_reason(reason: str | None, field: str = "reason") -> str:
    """``reason`` stripped; refused when empty or longer than :data:`MAX_REASON`."""
    text = (reason or "").strip()
    if not text:
        raise ReasonRequired(_("A reason is required."), fields={field: _("Give a reason.")})
    if len(text) > MAX_REASON:
        raise BackofficeError(
            _("The reason is too long."), fields={field: _("Use at most 256 characters.")}
        )
    return text
