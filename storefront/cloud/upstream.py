"""Calling the provider: SDK exceptions to our errors, bounded retries with backoff."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

import requests
from huaweicloudsdkcore.exceptions import exceptions as sdk_exc

from storefront.cloud.interface import (
    CloudError,
    UpstreamRejected,
    UpstreamThrottled,
    UpstreamUnavailable,
)
from storefront.cloud.quota import QuotaBudget

log = logging.getLogger(__name__)
T = TypeVar("T")

# The gateway's "over ratelimit" and BSS's "operation too frequent" (pay_orders' error table).
THROTTLED_CODES = frozenset({"APIG.0308", "CBC.99008040"})
_NOT_SENT_MARKERS = ("NewConnectionError", "Connection refused", "Failed to establish")


def translate(exc: BaseException) -> CloudError:
    """Map an SDK / transport exception to a :class:`CloudError`."""
    if isinstance(exc, CloudError):
        return exc
    if isinstance(exc, sdk_exc.ClientRequestException):
        if exc.status_code == 429 or exc.error_code in THROTTLED_CODES:
            return UpstreamThrottled(
                f"{exc.error_code}: {exc.error_msg} (HTTP {exc.status_code})",
                status=exc.status_code,
            )
        return UpstreamRejected(
            str(exc.error_code or exc.status_code), str(exc.error_msg or ""), status=exc.status_code
        )
    if isinstance(exc, sdk_exc.ServerResponseException):
        return UpstreamUnavailable(
            f"{exc.error_code}: {exc.error_msg} (HTTP {exc.status_code})", status=exc.status_code
        )
    if isinstance(exc, sdk_exc.ConnectionException | requests.ConnectionError):
        return UpstreamUnavailable(f"connection failed: {exc}")
    if isinstance(exc, sdk_exc.RequestTimeoutException | requests.Timeout):
        return UpstreamUnavailable(f"timed out: {exc}")
    if isinstance(exc, requests.RequestException):
        return UpstreamUnavailable(f"transport error: {exc}")
    if isinstance(exc, sdk_exc.SdkException):
        return CloudError(f"provider SDK error: {exc}")
    raise exc


def _never_sent(exc: BaseException) -> bool:
    """True when the request surely did not reach the provider (connection refused)."""
    text = f"{exc!r} {exc}"
    return any(marker in text for marker in _NOT_SENT_MARKERS)


def call_with_retries(
    fn: Callable[[], T],
    *,
    operation: str,
    retries: int,
    backoff_s: float,
    idempotent: bool = True,
    budget: QuotaBudget | None = None,
    api: str | None = None,
) -> T:
    """Run ``fn``; retry only on :class:`UpstreamUnavailable`, at most ``retries`` times.

    A non-idempotent call is retried only when the request was never sent, or was throttled
    (the provider did nothing). With a ``budget``, every try first takes a slot of ``api``'s
    per-second quota (default: ``operation``).
    """
    attempt = 0
    while True:
        try:
            if budget is not None:
                budget.acquire(api or operation)
            return fn()
        except Exception as exc:
            err = translate(exc)
            throttled = isinstance(err, UpstreamThrottled)
            retryable = isinstance(err, UpstreamUnavailable) and (
                idempotent or throttled or _never_sent(exc)
            )
            if not retryable or attempt >= retries:
                if err is exc:
                    raise
                raise err from exc
            delay = backoff_s * (2**attempt) * (0.5 + random.random() / 2)
            if throttled:  # quotas are per second: wait into the next window, with jitter
                delay = max(delay, 0.5 + random.random() / 2)
            # A throttled call is the quota doing its job (several processes without a shared
            # Redis budget, or the partner's own tools, can meet it): worth a note, not a warning.
            log.log(
                logging.INFO if throttled else logging.WARNING,
                "%s failed (%s); retry %d/%d in %.2fs",
                operation,
                err,
                attempt + 1,
                retries,
                delay,
            )
            time.sleep(delay)
            attempt += 1
