"""Flask extensions, created unbound here and bound to the app in :func:`create_app`."""

from __future__ import annotations

import os
import threading
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
        # Its teardown likewise makes a request context of its own just to reset it.
        teardowns = app.teardown_request_funcs.setdefault(None, [])
        release = getattr(self, "_Limiter__release_context", None)
        for i, hook in enumerate(teardowns):
            if release is not None and hook == release:
                teardowns[i] = partial(_release_if_checked, release)

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


def _release_if_checked(
    release: Callable[[BaseException | None], None], exc: BaseException | None = None
) -> None:
    """Flask-Limiter's teardown, only when this request looked at a limit."""
    if hasattr(request_ctx, "_limiter_request_context"):
        release(exc)


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


def _sqlite_file(engine: Any) -> str | None:
    """The SQLite file behind ``engine`` (None: another database, or SQLite in memory)."""
    url = engine.url
    path: str = (url.database or "") if url.get_backend_name() == "sqlite" else ""
    usable = fcntl is not None and path not in ("", ":memory:") and not path.startswith("file:")
    return os.path.abspath(path) if usable else None


class _Writer(threading.local):
    """This thread's own connection to a SQLite file for :func:`raw_write`, and the file's
    write gate. Taken out of the engine's pool once (``detach``) and kept: the hot path then
    skips the pool's checkout and return, and writes through a connection whose page cache is
    warm. Only for SQLite files, where a connection never goes stale; other databases use the
    pool (with its pre-ping)."""

    engine: Any = None
    pid = 0
    connection: Any = None
    gate: tuple[threading.Lock, int] | None = None


_writer = _Writer()
_inherited: list[Any] = []  # a forked child's copies of its parent's connections: never closed


def _sqlite_writer(engine: Any) -> _Writer | None:
    writer = _writer
    if writer.engine is engine and writer.pid == os.getpid():
        return writer if writer.gate is not None else None
    if writer.pid not in (0, os.getpid()):
        _inherited.append(writer.connection)  # closing it here could drop the parent's locks
    path = _sqlite_file(engine)
    writer.engine, writer.pid, writer.connection, writer.gate = engine, os.getpid(), None, None
    if path is not None:
        connection = engine.raw_connection()
        connection.detach()  # ours now; the pool opens another in its place when it needs one
        writer.connection, writer.gate = connection, _gate_for(path)
        return writer
    return None


@contextmanager
def raw_write() -> Iterator[Any]:
    """The cursor of a DBAPI connection for one short write transaction of pre-rendered
    statements, committed on leaving (rolled back on an error); outside the request's ORM
    session (nothing it holds is flushed or expired).

    On a SQLite file the connection is this thread's own (see :class:`_Writer`) and the
    transaction queues behind a kernel lock first: SQLite admits one writer at a time and makes
    the others poll, sleeping 1, 2, 5, 10… ms between tries; under concurrent writes from
    several workers most of the time goes to those sleeps. Writers at this gate instead wait
    on a thread lock and an ``flock`` and start the moment the previous one has committed
    (writers elsewhere still work: SQLite's busy timeout applies to them). Other databases:
    a pooled connection, no gate.

    For hot paths whose statements are rendered once per dialect (see
    :class:`storefront.catalog.services._RawInsert`): it skips the session's unit of work,
    transaction bookkeeping and per-statement execution context.
    """
    engine = db.engine
    writer = _sqlite_writer(engine)
    if writer is None:
        pooled = engine.raw_connection()
        try:
            cursor = pooled.cursor()
            try:
                yield cursor
                pooled.commit()
            except BaseException:
                pooled.rollback()
                raise
            finally:
                cursor.close()
        finally:
            pooled.close()  # back to the pool
        return
    assert writer.gate is not None
    connection = writer.connection.dbapi_connection
    lock, fd = writer.gate
    cursor = connection.cursor()
    try:
        with lock:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield cursor
                connection.commit()
            except BaseException:
                connection.rollback()
                raise
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        cursor.close()


def install_sqlite_pragmas() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)
