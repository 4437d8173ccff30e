"""One request budget per provider API, shared by every storefront process.

The provider throttles per source IP, per API and per parent account, per second
(../shared/PROVIDER.md, "Throttling"; request throttling page fci_00001): over the quota it
answers HTTP 429. The client takes a slot from this budget before every call, so the web
processes, the worker and the syncs together stay under the quota instead of being refused.
The budget lives in Redis when ``STOREFRONT_REDIS_URL`` is set (every process shares it) and in
this process's memory otherwise, through the ``limits`` library's public API.
"""

from __future__ import annotations

import threading
import time
from typing import Final

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

# Calls per second, by the SDK method name the client uses as its operation name. Where the
# provider documents a range (on-demand ratings 10-20/s) the lower bound is used.
DEFAULT_PER_SECOND: Final = 10
PER_SECOND: Final[dict[str, int]] = {
    "check_user_identity": 5,
    "list_on_demand_resource_ratings": 10,
    "list_rate_on_period_detail": 30,  # subscribe-rate
    "list_renew_rate_on_period": 10,  # renew-rate
    "list_customer_orders": 20,
}


class QuotaBudget:
    """``acquire(api)`` waits (at most ``max_wait_s``) for a slot of ``api``'s per-second quota.

    A moving window: never more than the quota in any one second, so whichever way the
    provider cuts its windows, a budget-keeping client is not refused for its own calls."""

    def __init__(
        self, storage_uri: str = "memory://", *, share: float = 1.0, scale: float = 1.0
    ) -> None:
        # ``share`` < 1 keeps headroom for callers outside the storefront (the partner's tools);
        # ``scale`` is the account's quotas against the documented ones
        # (``STOREFRONT_CLOUD_QUOTA_SCALE``: the provider raised or lowered them).
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._share = share * scale
        self._items: dict[str, RateLimitItemPerSecond] = {}
        self._lock = threading.Lock()

    def _item(self, api: str) -> RateLimitItemPerSecond:
        with self._lock:
            item = self._items.get(api)
            if item is None:
                quota = max(1, int(PER_SECOND.get(api, DEFAULT_PER_SECOND) * self._share))
                item = self._items[api] = RateLimitItemPerSecond(quota, 1, "provider")
            return item

    def acquire(self, api: str, *, max_wait_s: float = 30.0) -> float:
        """Take one slot; returns how long it waited. Past ``max_wait_s`` it goes ahead anyway
        (the provider's 429 and the retry policy are the last word)."""
        item = self._item(api)
        started = time.monotonic()
        while not self._limiter.hit(item, api):
            waited = time.monotonic() - started
            if waited >= max_wait_s:
                break
            reset = self._limiter.get_window_stats(item, api).reset_time
            time.sleep(min(max(reset - time.time(), 0.01), 1.0, max_wait_s - waited))
        return time.monotonic() - started


_budgets: dict[tuple[str, float], QuotaBudget] = {}
_budgets_lock = threading.Lock()


def budget_for(storage_uri: str | None, scale: float = 1.0) -> QuotaBudget:
    """The process's budget for a storage and quota scale (one per pair, so every client with
    the same settings shares it)."""
    uri = storage_uri or "memory://"
    with _budgets_lock:
        found = _budgets.get((uri, scale))
        if found is None:
            # 90 %: headroom for the network's skew between our window and the provider's, and
            # for the partner's own tools on the same account.
            found = _budgets[(uri, scale)] = QuotaBudget(uri, share=0.9, scale=scale)
        return found
