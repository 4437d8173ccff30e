"""What the renewals area refuses, with the code and HTTP status the API and pages answer."""

from __future__ import annotations

from storefront.errors import DomainError


class RenewalsError(DomainError):
    """Bad input (a period out of range); ``fields`` names the offending ones."""

    code = "invalid_input"
    status = 422


class NotFound(RenewalsError):
    code = "not_found"
    status = 404


class NotRenewable(RenewalsError):
    """Not a yearly/monthly resource in use, released, unsubscribed, a renewal under way, or
    the provider refuses to renew it (an attached resource renews with its primary one)."""

    code = "not_renewable"
    status = 409


class NotUnsubscribable(RenewalsError):
    code = "not_unsubscribable"
    status = 409


class ProviderUnavailable(RenewalsError):
    """The provider could not be asked for a price now."""

    code = "upstream_unavailable"
    status = 503


class ExpiryConflict(RenewalsError):
    """Pay-per-use at expiry and auto-renew exclude each other, or the switch is already
    arranged at the provider."""

    code = "expiry_policy_conflict"
    status = 409
