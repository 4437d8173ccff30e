"""Per-route request rates: ``@rate_limited(...)`` on the few views that need one (sign-in,
reset, verification, two-factor and SMS-code routes), counted with the ``limits`` library.

Only a decorated view does any work: nothing runs on the app's other requests (no request
hooks; the limits are checked when the view is called, and the answer's headers are set with
:func:`flask.after_this_request`). Flask-Limiter did the same checks, but registers three hooks
on every request of the app, with no public switch to skip them for views without limits
(≈ 50 µs of each request's CPU, ≈ 5 % of a quote).

What a client sees is what Flask-Limiter answered, with its settings (Flask config keys):

* limits in its notation (``"10 per minute;50 per hour"``), a fixed window per limit, counted per
  view and per ``key_func()`` (the address, the address and the email…) in the storage at
  ``RATELIMIT_STORAGE_URI`` (Redis when ``STOREFRONT_REDIS_URL`` is set, shared by every app
  server; memory otherwise) under ``RATELIMIT_KEY_PREFIX``; ``RATELIMIT_ENABLED`` false turns
  the limits off (the load benchmarks);
* a spent limit answers ``429 too_many_attempts`` (the 429 page in a browser) before the view runs;
* every answer of a limited view carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
  ``X-RateLimit-Reset`` (of the breached limit, else the one with the shortest window) and
  ``Retry-After``;
* ``deduct_when(response)``: the request counts only when the answer says so (a code was sent),
  but a spent limit still refuses;
* ``methods``: the limit applies to those methods only (a page's GET is free, its POST counted);
* the counter store unreachable (Redis down): logged, and the request goes through
  (``RATELIMIT_SWALLOW_ERRORS``), never a 500 on sign-in.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, Response, after_this_request, current_app, request
from flask_babel import gettext as _
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

F = TypeVar("F", bound=Callable[..., Any])
EXTENSION = "storefront.ratelimit"
RULES = "storefront_rate_limits"  # attribute on a limited view: its rules, in decoration order
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rule:
    """One ``@rate_limited`` line: its limits, whom it counts, when, and its counters' scope."""

    limits: Callable[[], str]
    key_func: Callable[[], str]
    deduct_when: Callable[[Response], bool] | None
    methods: frozenset[str] | None
    scope: str

    def applies(self, method: str) -> bool:
        return self.methods is None or method in self.methods


@dataclass
class _Count:
    """One limit of one rule, as this request found it."""

    rule: Rule
    item: RateLimitItem
    key: tuple[str, ...]
    allowed: bool


class RouteLimiter:
    """The app's counters (``app.extensions[EXTENSION]``, see :func:`init_app`)."""

    def __init__(self, storage: Storage, *, prefix: str, enabled: bool, swallow: bool) -> None:
        self.storage = storage
        self.window = FixedWindowRateLimiter(storage)
        self.prefix = prefix
        self.enabled = enabled
        self.swallow = swallow

    def count(self, rules: Iterable[Rule]) -> list[_Count]:
        """Count this request against each limit (``deduct_when`` rules: only look), stopping
        at the first limit it breaches (the last of the list)."""
        counts = []
        for rule in rules:
            key = (self.prefix, rule.scope, rule.key_func())
            for item in _parsed(rule.limits()):
                look = self.window.test if rule.deduct_when else self.window.hit
                counts.append(_Count(rule, item, key, look(item, *key)))
                if not counts[-1].allowed:
                    return counts
        return counts

    def finish(self, counts: list[_Count], response: Response) -> Response:
        """After the view: count the ``deduct_when`` limits its answer asks for, then say
        where the caller stands."""
        if not counts:
            return response
        breached = not counts[-1].allowed
        if not breached:
            for count in counts:
                if count.rule.deduct_when is not None and count.rule.deduct_when(response):
                    self.window.hit(count.item, *count.key)
        shown = counts[-1] if breached else min(counts, key=lambda c: c.item.get_expiry())
        stats = self.window.get_window_stats(shown.item, *shown.key)
        reset = int(stats.reset_time)
        response.headers["X-RateLimit-Limit"] = str(shown.item.amount)
        response.headers["X-RateLimit-Remaining"] = str(stats.remaining)
        response.headers["X-RateLimit-Reset"] = str(reset)
        given = response.headers.get("Retry-After", "")  # a throttle's wait (seconds) is kept
        retry = max(reset - int(time.time()), int(given) if given.isdigit() else 0)
        response.headers["Retry-After"] = str(retry)
        return response


@functools.lru_cache(maxsize=64)
def _parsed(limits: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limits))


def remote_address() -> str:
    """The caller's address as the WSGI server (or ``ProxyFix``, see ``stores.proxy``) gives it."""
    return request.remote_addr or "127.0.0.1"


def init_app(app: Flask) -> None:
    config = app.config
    storage = storage_from_string(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    assert isinstance(storage, Storage)  # a synchronous storage for these URLs
    app.extensions[EXTENSION] = RouteLimiter(
        storage,
        prefix=str(config.get("RATELIMIT_KEY_PREFIX", "")),
        enabled=bool(config.get("RATELIMIT_ENABLED", True)),
        swallow=bool(config.get("RATELIMIT_SWALLOW_ERRORS", False)),
    )


def limiter(app: Flask | None = None) -> RouteLimiter:
    found = (app or current_app).extensions[EXTENSION]
    assert isinstance(found, RouteLimiter)
    return found


def rate_limited(
    limits: Callable[[], str],
    *,
    key_func: Callable[[], str],
    deduct_when: Callable[[Response], bool] | None = None,
    methods: Iterable[str] | None = None,
) -> Callable[[F], F]:
    """Limit the decorated view (stack several: each counts on its own). ``limits()`` gives the
    limits when a request comes (a config key's value, see ``accounts.limits.limit``)."""

    def decorate(view: F) -> F:
        rules: list[Rule] | None = getattr(view, RULES, None)
        if rules is None:  # the first (innermost) decorator wraps; the others add their rules
            rules = []
            view = _limited(view, rules)
        name = f"{view.__module__}.{view.__qualname__}"
        rules.append(
            Rule(
                limits,
                key_func,
                deduct_when,
                frozenset(m.upper() for m in methods) if methods else None,
                f"{name}#{len(rules)}",
            )
        )
        return view

    return decorate


def _limited(view: F, rules: list[Rule]) -> F:
    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        found = limiter()
        wanted = [rule for rule in rules if rule.applies(request.method)]
        if not found.enabled or not wanted:
            return view(*args, **kwargs)
        try:
            counts = found.count(wanted)
        except found.storage.base_exceptions as exc:
            if not found.swallow:
                raise
            log.warning("rate limits skipped, counter store unavailable: %s", exc)
            return view(*args, **kwargs)

        @after_this_request
        def finish(response: Response) -> Response:
            try:
                return found.finish(counts, response)
            except found.storage.base_exceptions as exc:
                if not found.swallow:
                    raise
                log.warning("rate limit headers skipped, counter store unavailable: %s", exc)
                return response

        if counts and not counts[-1].allowed:
            raise TooManyRequests(_("Too many attempts. Please wait a while and try again."))
        return view(*args, **kwargs)

    setattr(checked, RULES, rules)
    return checked  # type: ignore[return-value]
