"""Flask extensions, created unbound here and bound to the app in :func:`create_app`."""

from __future__ import annotations

import select
import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import flask_login
from flask import current_app
from flask_babel import Babel
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.pool import Pool
from sqlalchemy.types import TypeDecorator

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


# Flask-Login as it comes (per-route request rates: storefront.ratelimit)
login_manager = flask_login.LoginManager()


def cloud_provider() -> CloudProvider:
    """The app's provider client (the Huawei Cloud SDK client; in sandbox mode, pointed at it)."""
    provider: CloudProvider = current_app.extensions["storefront.cloud"]
    return provider


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """SQLite: write-ahead log (readers never wait for a writer; cheap commits) and foreign keys."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def install_sqlite_pragmas() -> None:
    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)


def _server_gone(dbapi_connection: Any, connection_record: Any, connection_proxy: Any) -> None:
    """Pool checkout: refuse a pooled PostgreSQL connection whose server side has gone (the
    server restarted, or the backend was terminated), so the pool replaces it with a new one
    before the request uses it (SQLAlchemy's ``DisconnectionError`` contract).

    Without a round trip: an idle connection has nothing to read, while a server that ends a
    backend sends its farewell and closes the socket, which makes it readable. Instead of
    ``pool_pre_ping`` (a ``SELECT 1`` on every checkout, i.e. every request). A connection
    that breaks without a word (a network cut) still fails its first statement, and
    SQLAlchemy then invalidates the pool's older connections as usual.
    """
    fileno = getattr(dbapi_connection, "fileno", None)
    if fileno is None:  # SQLite: no server
        return
    if getattr(dbapi_connection, "closed", False) or getattr(dbapi_connection, "broken", False):
        raise DisconnectionError("the connection is closed")
    poller = select.poll()  # not select.select: it refuses descriptors above 1023
    poller.register(fileno(), select.POLLIN)
    if poller.poll(0):  # unsolicited bytes from an idle server: it is saying goodbye
        raise DisconnectionError("the server closed the connection")


def install_pool_checks() -> None:
    """Check every pooled connection on checkout (idempotent; see :func:`_server_gone`)."""
    if not event.contains(Pool, "checkout", _server_gone):
        event.listen(Pool, "checkout", _server_gone)
