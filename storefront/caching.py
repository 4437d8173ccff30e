"""Per-process caches, all through one helper: what a cache keeps is what the database has
*committed*, it stays within a size, and one store's entries never push out another's.

Two kinds, both declared once at import time with the tables their values are read from:

- :class:`Cache`: many entries (per store, per host, per page fragment), least recently used
  dropped first once their total size passes the cache's limit, each kept for at most its
  time to live (other processes' changes show within that).
- :class:`Kept`: one large value per app (the catalogue copy, :mod:`storefront.catalog.snapshot`),
  built on first use, then refreshed *off the request path*: a request that finds it older than
  its time to live starts a background refresh and is answered from the copy it has; with a
  ``shared`` file the refresh is another process's work, the background thread only waits for
  it and swaps the file's copy in.

How a write reaches them (ORM flushes and bulk statements on a session are both seen):

- while a transaction has written one of a cache's tables, that session reads past the shared
  entries (it sees its own writes in a private copy that nobody else reads);
- on commit, the entries the writes concern are dropped (a row with a ``store_id``: that store's
  entries; a bulk statement: every entry) and the session's private copies are published;
  a :class:`Kept` value is rebuilt by the committing thread (the writer pays, not a reader);
- on rollback, nothing is dropped and nothing is published: the shared entries never saw the
  rolled-back rows.

An entry loaded while another thread commits a change is not kept (its generation is checked
again before it is stored), so a load that raced a commit cannot outlive it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import ORMExecuteState, Session

from storefront.extensions import db

log = logging.getLogger(__name__)
V = TypeVar("V")
Scope = Hashable | None  # a store id; None: every entry

_DIRTY = "caching.dirty"  # session.info: {cache name: {scope, ...}} written, not yet committed
_PRIVATE = "caching.private"  # session.info: {(cache name, key): (scope, value)}
_REGISTRY: dict[str, Cache[Any] | Kept[Any]] = {}
_BY_TABLE: dict[str, list[Cache[Any] | Kept[Any]]] = {}


def _scope_of_row(obj: object) -> Scope:
    return getattr(obj, "store_id", None)


def _declare(cache: Cache[Any] | Kept[Any], tables: Iterable[str]) -> None:
    if cache.name in _REGISTRY:
        raise ValueError(f"cache {cache.name!r} declared twice")
    _REGISTRY[cache.name] = cache
    for table in tables:
        _BY_TABLE.setdefault(table, []).append(cache)


def _app_states() -> dict[str, Any]:
    states: dict[str, Any] = current_app.extensions.setdefault("caching", {})
    return states


def open_session() -> Session | None:
    """The current scope's session if it has one, without starting one: a request that has not
    touched the database yet has none, and so nothing of it can be dirty."""
    registry = db.session.registry
    return registry() if registry.has() else None


def _seconds(setting: str) -> float:
    return float(current_app.config.get(setting, 30))


# --------------------------------------------------------------------------- many entries


@dataclass(slots=True)
class _Entry:
    value: Any
    size: int
    scope: Scope
    loaded_at: float


@dataclass
class _CacheState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    items: OrderedDict[Hashable, _Entry] = field(default_factory=OrderedDict)
    total: int = 0
    every: int = 0  # bumped when every entry is dropped
    scopes: dict[Scope, int] = field(default_factory=dict)  # bumped per dropped scope


class Cache(Generic[V]):
    """Entries keyed by any hashable, read through :meth:`get`.

    ``tables``: what the values are read from (a write to one of them drops entries on commit);
    ``scope_of``: which entries a written row concerns (default its ``store_id``; ``None``: all);
    ``limit``: the largest total size (a number, or a function of the app's settings);
    ``size``: an entry's size (default 1: the limit counts entries);
    ``seconds``: the config key of the entries' time to live (None: kept until pushed out,
    for values whose key says all they depend on, e.g. the versions they were made from);
    ``keep``: which values are kept (default all).
    """

    def __init__(
        self,
        name: str,
        *,
        tables: Iterable[str],
        limit: int | Callable[[Any], int],
        size: Callable[[V], int] | None = None,
        seconds: str | None = "STORE_CACHE_SECONDS",
        scope_of: Callable[[object], Scope] = _scope_of_row,
        keep: Callable[[V], bool] | None = None,
    ) -> None:
        self.name = name
        self.keep = keep
        self.limit = limit
        self.size = size
        self.seconds = seconds
        self.scope_of = scope_of
        _declare(self, tables)

    def _state(self) -> _CacheState:
        states = _app_states()
        state = states.get(self.name)
        if state is None:
            state = states.setdefault(self.name, _CacheState())
        assert isinstance(state, _CacheState)
        return state

    def _limit(self) -> int:
        if callable(self.limit):
            return int(self.limit(current_app.config["SETTINGS"]))
        return self.limit

    def get(self, key: Hashable, load: Callable[[], V], *, scope: Scope = None) -> V:
        """The entry for ``key``, loaded (and kept) with ``load()`` when missing or too old."""
        session = open_session()
        dirty = session.info.get(_DIRTY, {}).get(self.name) if session is not None else None
        if session is not None and dirty and (None in dirty or scope in dirty):
            private = session.info.setdefault(_PRIVATE, {})
            found = private.get((self.name, key))
            if found is None:
                found = private[(self.name, key)] = (scope, load())
            value: V = found[1]
            return value
        state = self._state()
        oldest = time.monotonic() - _seconds(self.seconds) if self.seconds else float("-inf")
        with state.lock:
            entry = state.items.get(key)
            if entry is not None and entry.loaded_at > oldest:
                state.items.move_to_end(key)
                kept: V = entry.value
                return kept
            generation = (state.every, state.scopes.get(scope, 0))
        value = load()
        self._put(state, key, value, scope, generation)
        return value

    def _put(
        self, state: _CacheState, key: Hashable, value: V, scope: Scope, generation: Any
    ) -> None:
        if self.keep is not None and not self.keep(value):
            return
        size = self.size(value) if self.size is not None else 1
        limit = self._limit()
        now = time.monotonic()
        with state.lock:
            if generation != (state.every, state.scopes.get(scope, 0)) or size > limit:
                return  # a commit dropped this scope while it loaded; or it can never fit
            old = state.items.pop(key, None)
            if old is not None:
                state.total -= old.size
            state.items[key] = _Entry(value, size, scope, now)
            state.total += size
            while state.total > limit:
                _key, dropped = state.items.popitem(last=False)
                state.total -= dropped.size

    def drop(self, scopes: Iterable[Scope] = (None,)) -> None:
        """Forget this app's entries of ``scopes`` (``None``: all of them)."""
        state = self._state()
        wanted = set(scopes)
        with state.lock:
            if None in wanted:
                state.every += 1
                state.items.clear()
                state.total = 0
                return
            for scope in wanted:
                state.scopes[scope] = state.scopes.get(scope, 0) + 1
            for key in [k for k, e in state.items.items() if e.scope in wanted]:
                state.total -= state.items.pop(key).size

    def committed(self, scopes: set[Scope], private: dict[Hashable, tuple[Scope, Any]]) -> None:
        self.drop(scopes)
        state = self._state()
        for key, (scope, value) in private.items():
            self._put(state, key, value, scope, (state.every, state.scopes.get(scope, 0)))

    def stats(self) -> tuple[int, int]:
        """(entries, total size) in this app's cache."""
        state = self._state()
        return len(state.items), state.total


# --------------------------------------------------------------------------- one kept value


@dataclass
class _KeptState:
    lock: threading.Lock = field(default_factory=threading.Lock)
    value: Any = None
    loaded_at: float = 0.0
    refreshing: threading.Thread | None = None
    refreshes: int = 0  # completed refreshes (tests and the bench watch it)


class Shared(Protocol[V]):
    """A copy kept in a file that another process builds (see
    :mod:`storefront.catalog.copy_builder`), as one app uses it."""

    def any(self) -> V | None: ...  # the file's copy, whatever its age

    def fresh(self, held: V | None, since: float) -> V | None: ...  # if checked since

    def build(self, since: float) -> None: ...  # another process checks; this one waits

    def publish(self, value: V, checked_at: float) -> None: ...  # built here: for the others


class Kept(Generic[V]):
    """One value per app: ``build(conn)`` makes it, ``refresh(conn, old, written)`` brings
    ``old`` up to date (returning ``old`` itself when nothing changed), both on their own
    connection; ``written`` names the tables this process committed writes to (reread them in
    full), empty for the periodic refresh (other processes' writes: it may compare versions).

    ``shared`` (called in the app's context): the value's file when it is built by another
    process (None: this process refreshes its own in a background thread). Then the first use
    reads the file and refreshes what changed since; a due refresh swaps in the file's newer
    copy, or has the builder check the database and waits for it in a background thread."""

    def __init__(
        self,
        name: str,
        *,
        tables: Iterable[str],
        build: Callable[[Connection], V],
        refresh: Callable[[Connection, V, frozenset[str]], V],
        seconds: str,
        shared: Callable[[], Shared[V] | None] | None = None,
    ) -> None:
        self.name = name
        self.build = build
        self.refresh = refresh
        self.seconds = seconds
        self.shared = shared or (lambda: None)
        self.pin = f"kept_{name}"
        _declare(self, tables)

    def _state(self) -> _KeptState:
        states = _app_states()
        state = states.get(self.name)
        if state is None:
            state = states.setdefault(self.name, _KeptState())
        assert isinstance(state, _KeptState)
        return state

    def get(self) -> V:
        """The value; a request keeps the one it first read (its pages and prices agree)."""
        pinned = g.get(self.pin) if has_request_context() else None
        if pinned is not None:
            return pinned
        session = open_session()
        if session is not None and session.info.get(_DIRTY, {}).get(self.name):
            private = session.info.setdefault(_PRIVATE, {})
            found = private.get((self.name, None))
            if found is None:
                found = private[(self.name, None)] = (None, self.build(session.connection()))
            value: V = found[1]
            return value
        state = self._state()
        value = state.value
        if value is None:
            with state.lock:
                if state.value is None:  # the first use in this app: nothing to serve yet
                    state.value = self._first(self.shared())
                    state.loaded_at = time.monotonic()
                value = state.value
        elif time.monotonic() - state.loaded_at >= _seconds(self.seconds):
            self._refresh_in_background(state)  # this request goes on with ``value``
        if has_request_context():
            setattr(g, self.pin, value)
        return value

    def _first(self, shared: Shared[V] | None) -> V:
        started = time.time()
        loaded = shared.any() if shared is not None else None
        with db.engine.connect() as conn:
            value = self.build(conn) if loaded is None else self.refresh(conn, loaded, frozenset())
        if shared is not None and value is not loaded:
            shared.publish(value, started)
        return value

    def _refresh_in_background(self, state: _KeptState) -> None:
        engine = db.engine
        shared = self.shared()
        seconds = _seconds(self.seconds)
        with state.lock:
            if state.refreshing is not None:
                return
            thread = threading.Thread(
                target=self._refresh, args=(state, engine, shared, seconds), daemon=True,
                name=f"refresh {self.name}",
            )  # fmt: skip
            state.refreshing = thread
        thread.start()

    def _refresh(
        self, state: _KeptState, engine: Engine, shared: Shared[V] | None, seconds: float
    ) -> None:
        try:
            if shared is None:
                with engine.connect() as conn:
                    fresh = self.refresh(conn, state.value, frozenset())
            else:  # another process builds: this thread only waits for it and reads its file
                requested = time.time()
                found = shared.fresh(state.value, requested - seconds)
                if found is None:
                    shared.build(requested)
                    found = shared.fresh(state.value, requested)
                if found is None:
                    raise RuntimeError(f"no usable copy of {self.name} after its builder ran")
                fresh = found
            state.value = fresh
            state.refreshes += 1
        except Exception:  # the copy in hand stays in use; tried again after its time to live
            log.exception("refreshing %s failed", self.name)
        finally:
            state.loaded_at = time.monotonic()  # a failed refresh is tried again then, too
            state.refreshing = None

    def rebuild_now(self, written: Iterable[str] = ()) -> None:
        """Bring this app's value up to date in this thread (after this process committed
        writes to the tables ``written``), and hand it to the other processes."""
        state = self._state()
        if has_request_context():
            g.pop(self.pin, None)
        if state.value is None:
            return
        started = time.time()
        with db.engine.connect() as conn:
            fresh = self.refresh(conn, state.value, frozenset(written))
        state.value = fresh
        state.refreshes += 1
        state.loaded_at = time.monotonic()
        shared = self.shared()
        if shared is not None:
            shared.publish(fresh, started)

    def wait(self, timeout: float = 30.0) -> int:
        """Wait for a background refresh under way; the number of refreshes done so far."""
        state = self._state()
        thread = state.refreshing
        if thread is not None:
            thread.join(timeout)
        return state.refreshes

    def committed(self, scopes: set[Scope], private: dict[Hashable, tuple[Scope, Any]]) -> None:
        self.rebuild_now(str(table) for table in scopes)


# --------------------------------------------------------------------------- session events


def _mark(session: Session, table: str | None, scope_from: object | None) -> None:
    for cache in _BY_TABLE.get(table or "", ()):
        if isinstance(cache, Kept):
            scope: Scope = table  # a kept value rereads the tables written
        else:
            scope = cache.scope_of(scope_from) if scope_from is not None else None
        session.info.setdefault(_DIRTY, {}).setdefault(cache.name, set()).add(scope)
        private = session.info.get(_PRIVATE)
        if private:  # copies loaded before this write are out of date
            for key in [k for k in private if k[0] == cache.name]:
                del private[key]


def _after_flush(session: Session, flush_context: Any) -> None:
    for group in (session.new, session.dirty, session.deleted):
        for obj in group:
            _mark(session, getattr(obj, "__tablename__", None), obj)


def _after_bulk(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        _mark(state.session, getattr(table, "name", None), None)


def _after_commit(session: Session) -> None:
    dirty: dict[str, set[Scope]] = session.info.pop(_DIRTY, {})
    private = session.info.pop(_PRIVATE, {})
    if not dirty or not has_app_context():
        return
    for name, scopes in dirty.items():
        mine = {key: found for (owner, key), found in private.items() if owner == name}
        _REGISTRY[name].committed(scopes, mine)


def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit
        session.info.pop(_DIRTY, None)
        session.info.pop(_PRIVATE, None)


def install() -> None:
    """Watch every session's writes (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _after_bulk)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_transaction_end", _after_transaction_end)


def drop_all() -> None:
    """Forget every cache of this app (tests that write behind the ORM's back)."""
    _app_states().clear()
