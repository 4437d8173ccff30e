"""Flask extensions, created unbound here and bound to the app in :func:`create_app`."""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import flask_limiter
import flask_login
from flask import Flask, current_app, request
from flask.globals import request_ctx
from flask.wrappers import Response
from flask_babel import Babel
from flask_limiter.util import get_qualified_name, get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import DateTime, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

try:
    import fcntl
except ImportError:  # pragma: no cover (not POSIX)
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from storefront.cloud.interface import CloudProvider

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone; we restore it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite server defaults come back as text
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


db = SQLAlchemy(model_class=Base)
# Models subclass ``Model``: Flask-SQLAlchemy's ``db.Model``, typed as our declarative base.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate(compare_type=True, render_as_batch=True)
csrf = CSRFProtect()
babel = Babel()


class LoginManager(flask_login.LoginManager):
    """Flask-Login, minus its remember-cookie bookkeeping on requests with an empty session.

    Its after-request hook only acts on session keys (``_remember``, ``_user_id``); looking
    for them in an empty session (every anonymous API call and first visit) finds nothing but
    marks the session read, which costs a ``Vary: Cookie`` header and time on each answer.
    """

    def _update_remember_cookie(self, response: Response) -> Response:
        # the session object itself: ``request_ctx.session`` would mark it read (Flask 3.1)
        held = getattr(request_ctx._get_current_object(), "_session", None)  # type: ignore[attr-defined]
        if not held:
            return response
        updated: Response = super()._update_remember_cookie(response)
        return updated


login_manager = LoginManager()


class Limiter(flask_limiter.Limiter):
    """Flask-Limiter, minus its per-request bookkeeping on routes that no limit can apply to.

    We set no default, application, blueprint or meta limits: only routes decorated with
    ``@limiter.limit`` are limited, so every other request (catalogue pages, quotes) skips
    the check instead of resolving an empty set of limits. Should any broader limit be
    configured, every request is checked again.
    """

    def init_app(self, app: Flask) -> None:
        super().init_app(app)
        # Flask-Limiter's after-request hook (limit headers, conditional deductions) runs on
        # every response; swap it for one that returns at once when no limit was looked at
        # in this request. Left as it is should the hook not be found (another version).
        hooks = app.after_request_funcs.setdefault(None, [])
        original = getattr(flask_limiter.Limiter, "_Limiter__inject_headers", None)
        for i, hook in enumerate(hooks):
            if isinstance(hook, partial) and hook.func is original and hook.args == (self,):
                hooks[i] = partial(_headers_if_checked, self, original)

    def _check_request_limit(
        self, callable_name: str | None = None, in_middleware: bool = True
    ) -> None:
        if in_middleware and callable_name is None and not self._may_limit():
            return
        super()._check_request_limit(callable_name, in_middleware)

    def _may_limit(self) -> bool:
        manager = self.limit_manager
        if (
            manager._application_limits
            or manager._default_limits
            or manager._blueprint_limits
            or self._meta_limits
        ):
            return True
        endpoint = request.endpoint or ""
        view = current_app.view_functions.get(endpoint)
        name = get_qualified_name(view) if view is not None else ""
        return (
            name in self._marked_for_limiting
            or name in manager._decorated_limits
            or manager.has_hints(endpoint)
        )


def _headers_if_checked(
    limiter: Limiter, inject: Callable[[Limiter, Response], Response], response: Response
) -> Response:
    """Flask-Limiter's own hook, only when this request looked at a limit (it keeps what it
    found on the request context; without that there are no headers or deductions to make)."""
    if not hasattr(request_ctx, "_limiter_request_context"):
        return response
    return inject(limiter, response)


limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def cloud_provider() -> CloudProvider:
    """The app's provider client (the Huawei Cloud SDK client; in sandbox mode, pointed at it)."""
    from flask import current_app

    provider: CloudProvider = current_app.extensions["storefront.cloud"]
    return provider


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: write-ahead log (readers never wait for a writer; cheap commits) and foreign keys."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


_gates: dict[tuple[int, str], tuple[threading.Lock, int]] = {}
_gates_lock = threading.Lock()


def _gate_for(path: str) -> tuple[threading.Lock, int]:
    key = (os.getpid(), path)  # per process: a forked worker opens its own lock file
    gate = _gates.get(key)
    if gate is None:
        with _gates_lock:
            gate = _gates.get(key)
            if gate is None:
                fd = os.open(f"{path}.write-gate", os.O_RDWR | os.O_CREAT, 0o600)
                gate = _gates[key] = (threading.Lock(), fd)
    return gate


def _gate_path(engine: Any) -> str | None:
    """The SQLite file behind ``engine`` whose writers queue at a gate (None: no gate)."""
    found = _gate_paths.get(engine)
    if found is None:
        url = engine.url
        path: str = (url.database or "") if url.get_backend_name() == "sqlite" else ""
        usable = fcntl is not None and path not in ("", ":memory:") and not path.startswith("file:")
        found = _gate_paths[engine] = os.path.abspath(path) if usable else ""
    return found or None


_gate_paths: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


@contextmanager
def _gate(engine: Any) -> Iterator[None]:
    path = _gate_path(engine)
    if path is None:
        yield
        return
    lock, fd = _gate_for(path)
    with lock:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def raw_write() -> Iterator[Any]:
    """The cursor of a pooled DBAPI connection for one short write transaction of
    pre-rendered statements, committed on leaving (rolled back on an error); outside the
    request's ORM session (nothing it holds is flushed or expired).

    On a SQLite file the transaction queues behind a kernel lock first: SQLite admits one
    writer at a time and makes the others poll, sleeping 1, 2, 5, 10… ms between tries; under
    concurrent writes from several workers most of the time goes to those sleeps. Writers at
    this gate instead wait on a thread lock and an ``flock`` and start the moment the previous
    one has committed (writers elsewhere still work: SQLite's busy timeout applies to them).

    For hot paths whose statements are rendered once per dialect (see
    :class:`storefront.catalog.services._RawInsert`): it skips the session's unit of work,
    transaction bookkeeping and per-statement execution context.
    """
    engine = db.engine
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            with _gate(engine):
                try:
                    yield cursor
                    connection.commit()
                except BaseException:
                    connection.rollback()
                    raise
        finally:
            cursor.close()
    finally:
        connection.close()  # back to the pool


def install_sqlite_pragmas() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)
