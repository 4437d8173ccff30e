"""What a running sandbox holds, reachable from any route as ``sandbox_state()``."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app, g

from storefront.cloud.sandbox import prices
from storefront.cloud.sandbox.faults import FaultInjector
from storefront.cloud.sandbox.lifecycle import Lifecycle
from storefront.cloud.sandbox.models import Account, SandboxDatabase
from storefront.cloud.sandbox.quotas import QuotaGate

EXTENSION_KEY = "storefront_sandbox"


@dataclass(slots=True)
class SandboxState:
    db: SandboxDatabase
    faults: FaultInjector
    association_delay_s: float = 0.0
    realname_review_delay_s: float = 0.0  # real-name reviews finish this long after submission
    max_skew_s: float = 900.0
    clock_offset_s: float = 0.0  # shifts the sandbox's clock (lifecycles, stale signatures)
    # False: signatures are judged by the real clock while the lifecycle clock is moved (days)
    signatures_follow_clock: bool = True
    quotas: QuotaGate = field(default_factory=QuotaGate)
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    # where the clock's offset is also written, for a storefront in development to follow
    clock_file: Path | None = None
    # provider calls per API (the route's path pattern), as the gateway saw them
    calls: Counter[str] = field(default_factory=Counter)
    throttled: Counter[str] = field(default_factory=Counter)  # of those, answered 429
    calls_lock: threading.Lock = field(default_factory=threading.Lock)

    # (service type, resource type, spec) -> the product at a changed price (ratings answer it)
    price_changes: dict[tuple[str, str, str], prices.Product] = field(default_factory=dict)

    def count_call(self, api: str, *, throttled: bool = False) -> None:
        with self.calls_lock:
            (self.throttled if throttled else self.calls)[api] += 1

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset_s)

    def signature_now(self) -> datetime:
        return self.now() if self.signatures_follow_clock else datetime.now(UTC)


def sandbox_state() -> SandboxState:
    state: SandboxState = current_app.extensions[EXTENSION_KEY]
    return state


def caller_id() -> str:
    """Account id of the AK that signed the current request."""
    value: str = g.sandbox_caller_id
    return value


def is_partner(account: Account) -> bool:
    return account.kind in ("partner", "distributor", "reseller")
