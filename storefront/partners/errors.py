"""What the partner rules refuse, with the code and HTTP status each refusal answers with."""

from __future__ import annotations

from typing import Any

from storefront.errors import DomainError


class PartnersError(DomainError):
    """A rule refused the request; ``field`` names the input when there is one.

    ``message`` may be a lazy translatable string: ``str(exc)`` renders it in the locale of the
    request that shows it (views flash it or put it next to its field). ``code`` is set per
    refusal where a caller tells them apart (``expired``, ``pending``, the provider's code)."""

    code = "invalid_input"
    status = 422

    def __init__(self, message: Any, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message, code=code, fields={field: message} if field else None)
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class PartnerNotFound(PartnersError):
    """No such reseller, invitation, remittance, file, opportunity or quote in this store."""

    code = "not_found"
    status = 404
