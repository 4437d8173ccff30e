"""What the catalogue refuses, with the code and HTTP status the API and pages answer it with."""

from __future__ import annotations

from storefront.errors import DomainError


class CatalogError(DomainError):
    """A request the catalogue cannot serve; ``fields`` maps input fields to messages."""

    code = "invalid_input"
    status = 422


class CatalogNotFound(CatalogError):
    """No such quote (or customer) for this requester in this store."""

    code = "not_found"
    status = 404


class NameTaken(CatalogError):
    code = "name_taken"
    status = 409


class PricesUnavailable(CatalogError):
    """The price book cannot price the selection now (not synced yet, or too old)."""

    code = "prices_unavailable"
    status = 503
