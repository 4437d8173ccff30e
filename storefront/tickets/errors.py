"""What the ticket desk refuses, with the code and HTTP status the API and pages answer."""

from __future__ import annotations

from storefront.errors import DomainError


class TicketError(DomainError):
    """Bad input; ``fields`` names the offending ones."""

    code = "invalid_input"
    status = 422


class NotFound(TicketError):
    """No such ticket for this caller (another customer's and another store's alike)."""

    code = "not_found"
    status = 404


class NotAllowedNow(TicketError):
    """The ticket's state does not allow this (closed, reopen period over, …)."""

    code = "invalid_state"
    status = 409


class EscalationFailed(TicketError):
    code = "upstream_unavailable"
    status = 503
