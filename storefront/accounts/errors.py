"""The account rules' errors: one :class:`AccountError` per refused operation, its contract code
naming what went wrong and :data:`STATUS` the HTTP status the API answers it with."""

from __future__ import annotations

from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l

from storefront.errors import DomainError

# The contract's status for each account error code; any other code answers 400.
STATUS = {
    "consent_required": 422,
    "invalid_input": 422,
    "email_taken": 409,
    "invalid_token": 400,
    "invalid_credentials": 401,
    "otp_required": 401,
    "invalid_otp": 401,
    "otp_enrolment_required": 403,
    "invalid_id_number": 422,
    "invalid_credit_code": 422,
    "realname_verified": 409,
    "realname_pending": 409,
    "provider_not_linked": 409,
    "realname_refused": 422,
    "upstream_unavailable": 503,
    "code_not_needed": 422,
    "too_many_codes": 429,
    "too_many_attempts": 429,
}
DEFAULT_STATUS = 400


class AccountError(DomainError):
    """A refused account operation: ``code`` is the contract's error code, the status follows
    from it (:data:`STATUS`). ``message`` and the ``fields`` messages may be lazy strings, kept
    lazy: they render where they are shown (a page, the API's body), in that request's locale,
    and a command can raise one without a request."""

    code: ClassVar[str] = "invalid_input"
    status: ClassVar[int] = DEFAULT_STATUS

    def __init__(self, code: str, message: Any, fields: dict[str, Any] | None = None) -> None:
        status = STATUS.get(code, DEFAULT_STATUS)
        super().__init__(message, code=code, status=status, fields=fields)

    def __str__(self) -> str:
        return str(self.message)


class TooManyAttempts(AccountError):
    """Throttled (see :mod:`storefront.accounts.limits`): the same answer whether or not the
    account exists. ``retry_after`` is in seconds, answered as ``Retry-After``."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "too_many_attempts", _l("Too many attempts. Please wait a while and try again.")
        )
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}
