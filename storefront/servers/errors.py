"""What the servers area refuses, with the code and HTTP status the API and pages answer."""

from __future__ import annotations

from storefront.errors import DomainError


class ServersError(DomainError):
    """Bad input for a server's parts; ``fields`` names the offending ones."""

    code = "invalid_input"
    status = 422


class NotFound(ServersError):
    code = "not_found"
    status = 404


class NotLinked(ServersError):
    """The customer's cloud account is not linked to this store (yet)."""

    code = "provider_link_missing"
    status = 409


class KeyPairExists(ServersError):
    code = "key_pair_exists"
    status = 409


class ProviderUnavailable(ServersError):
    """The provider could not be asked now (unreachable, throttled, misconfigured)."""

    code = "upstream_unavailable"
    status = 503


class ProviderRefused(ServersError):
    """The provider answered a read with a refusal we cannot act on."""

    code = "upstream_rejected"
    status = 502
