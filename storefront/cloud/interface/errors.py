"""What a provider call raises: unreachable (retryable), throttled, rejected, misconfigured."""

from __future__ import annotations


class CloudError(Exception):
    """Base of every error raised by a cloud provider."""


class CloudConfigError(CloudError):
    """Settings are missing or inconsistent; raised at start-up, never retried."""


class UpstreamUnavailable(CloudError):
    """The provider could not be reached or failed (refused, timeout, 5xx): retryable."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class UpstreamThrottled(UpstreamUnavailable):
    """The provider refused the call for its per-second quota (HTTP 429, or the documented
    "too frequent" code): nothing was done, so even a non-idempotent call may be sent again."""


class UpstreamRejected(CloudError):
    """The provider answered and refused the request (4xx) with its own error code."""

    def __init__(self, code: str, message: str, *, status: int) -> None:
        super().__init__(f"{code}: {message} (HTTP {status})")
        self.code = code
        self.message = message
        self.status = status
