"""What the statements area refuses, with the code and HTTP status the API and pages answer."""

from __future__ import annotations

from storefront.errors import DomainError


class StatementsError(DomainError):
    """Bad input; ``fields`` names the offending ones."""

    code = "invalid_input"
    status = 422


class NotFound(StatementsError):
    code = "not_found"
    status = 404


class ProfileMissing(StatementsError):
    """A fapiao needs the customer's billing profile first."""

    code = "billing_profile_missing"
    status = 409


class ExceedsInvoiceable(StatementsError):
    """More than the paid, not yet invoiced amount."""

    code = "exceeds_invoiceable"
    status = 409


class AlreadyDecided(StatementsError):
    code = "already_decided"
    status = 409
