"""The provider's request throttling: per source IP, per API and per account, per second.

Documented on the request throttling page (fci_00001, ../shared/PROVIDER.md "Throttling"): most
partner APIs 10/s; check-identity 5/s; on-demand ratings 10-20/s (the sandbox holds the lower
bound); subscribe-rate 30/s; renew-rate 10/s; customer orders list 20/s. Over the quota the
gateway answers HTTP 429 with ``APIG.0308`` and does nothing. ``scale`` multiplies every quota
(``STOREFRONT_SANDBOX_QUOTA_SCALE``, default 1: the documented ones), like an account whose
quotas the provider raised.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Final

DEFAULT_PER_SECOND: Final = 10
PER_SECOND: Final[dict[str, int]] = {
    "/v2/partners/sub-customers/users/check-identity": 5,
    "/v2/bills/ratings/on-demand-resources": 10,
    "/v2/bills/ratings/period-resources/subscribe-rate": 30,
    "/v2/bills/ratings/period-resources/renew-rate": 10,
    "/v2/orders/customer-orders": 20,
}


class QuotaGate:
    """Counts calls per (source, API, account) in the current one-second window."""

    def __init__(self, *, enabled: bool = True, scale: float = 1.0) -> None:
        if scale <= 0:
            raise ValueError("the quota scale must be positive")
        self.enabled = enabled
        self.scale = scale
        self._lock = threading.Lock()
        self._window = 0
        self._counts: dict[tuple[str, str, str], int] = {}

    def limit(self, api: str) -> int:
        return max(1, int(PER_SECOND.get(api, DEFAULT_PER_SECOND) * self.scale))

    def admit(self, source: str, api: str, account: str, now: float | None = None) -> bool:
        """Count one call; False when it is over the quota (the caller answers 429)."""
        if not self.enabled:
            return True
        window = math.floor(time.time() if now is None else now)
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            key = (source, api, account)
            count = self._counts.get(key, 0) + 1
            self._counts[key] = count
            return count <= self.limit(api)
