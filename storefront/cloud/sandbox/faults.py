"""Latency and fault injection for every provider call the sandbox answers."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from storefront.cloud.sandbox.wire import ApiError

MODES = ("mixed", "error", "hang", "lose")


@dataclass(slots=True)
class FaultSettings:
    latency_ms: int = 0
    fault_rate: float = 0.0
    # mixed: half 5xx, half hang; error: 5xx only; hang: hang only; lose: the call is carried
    # out, then its answer is lost (a 504 in its place: "applied, but the caller never knew")
    mode: str = "mixed"
    hang_s: float = 30.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultInjector:
    """Thread-safe; changed at runtime through ``POST /_sandbox/faults``."""

    def __init__(self, settings: FaultSettings, seed: int | None = None) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._released = threading.Event()
        self._once: list[tuple[str, str, str]] = []
        self._hung: Counter[str] = Counter()  # calls held (a hang, a scripted timeout) per API

    @property
    def settings(self) -> FaultSettings:
        with self._lock:
            return FaultSettings(**self._settings.as_dict())

    def update(self, **changes: Any) -> FaultSettings:
        with self._lock:
            new = FaultSettings(**{**self._settings.as_dict(), **changes})
            validate(new)
            self._settings = new
            return FaultSettings(**new.as_dict())

    def fail_once(self, method: str, path: str, when: str) -> None:
        """The next ``method`` call to ``path`` fails with a gateway timeout: ``before`` the
        service sees it, or ``after`` the service applied it (the caller never hears the answer).
        """
        if when not in ("before", "after"):
            raise ValueError("when must be before or after")
        with self._lock:
            self._once.append((method.upper(), path, when))

    def take_once(self, method: str, path: str, when: str) -> bool:
        """Consume a :meth:`fail_once` entry; True if there was one. An entry whose path ends
        in ``*`` matches every path that starts with the rest."""
        with self._lock:
            for entry in self._once:
                m, p, w = entry
                if (
                    m == method.upper()
                    and w == when
                    and (p == path or (p.endswith("*") and path.startswith(p[:-1])))
                ):
                    self._once.remove(entry)
                    return True
            return False

    def hung(self) -> dict[str, int]:
        """Calls this sandbox held on purpose (a hang, a scripted timeout), per API: counted
        when the hold starts, so a client that gave up early is counted too."""
        with self._lock:
            return dict(self._hung)

    def _hold(self, api: str, seconds: float) -> ApiError:
        with self._lock:
            self._hung[api] += 1
        self._released.wait(seconds)
        return ApiError(504, "APIGW.0201", "Request timed out in the backend (sandbox fault).")

    def release(self) -> None:
        """Wake every hanging request (used when the sandbox stops)."""
        self._released.set()

    def before_call(self, api: str) -> bool:
        """Sleep the latency, then maybe fail: raise 500 or hang past the client's timeout.

        True when the call should be carried out and its answer then lost (mode ``lose``)."""
        with self._lock:
            s = self._settings
            roll, pick = self._rng.random(), self._rng.random()
        if s.latency_ms:
            time.sleep(s.latency_ms / 1000)
        if roll >= s.fault_rate:
            return False
        if s.mode == "lose":
            return True
        if s.mode == "hang" or (s.mode == "mixed" and pick < 0.5):
            raise self._hold(api, s.hang_s)
        raise ApiError(500, "CBC.0999", "Other errors. (sandbox fault injection)")

    def timeout(self, api: str) -> ApiError:
        """What a scripted timeout answers (after ``hang_s``, like a hang)."""
        return self._hold(api, self.settings.hang_s)


def validate(s: FaultSettings) -> None:
    if not 0 <= s.fault_rate <= 1:
        raise ValueError("fault_rate must be between 0 and 1")
    if s.latency_ms < 0 or s.hang_s < 0:
        raise ValueError("latency_ms and hang_s must not be negative")
    if s.mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
