"""The contract's error body `{"error": {"code", "message", "fields"}}`: see storefront.errors."""

from storefront.errors import ApiError, DomainError, error_body, error_response

__all__ = ["ApiError", "DomainError", "error_body", "error_response"]
