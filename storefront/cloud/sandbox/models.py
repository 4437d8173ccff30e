"""Sandbox state: SQLAlchemy 2.0 models on the sandbox's own metadata and engine."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import ForeignKey, Numeric, String, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Metadata of the sandbox only; never shared with the storefront's database."""


class Account(Base):
    """Any provider account: partners (incl. distributor/reseller), customers, others."""

    __tablename__ = "sandbox_account"

    domain_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    name_key: Mapped[str] = mapped_column(String(64), unique=True)  # lower-cased name
    kind: Mapped[str] = mapped_column(String(16))  # partner|distributor|reseller|customer|user
    mobile: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(256), unique=True)
    country_code: Mapped[str | None] = mapped_column(String(8))
    realname: Mapped[str | None] = mapped_column(String(128))
    verified_status: Mapped[int] = mapped_column(default=-1)
    customer_type: Mapped[int] = mapped_column(default=-1)
    is_frozen: Mapped[int] = mapped_column(default=0)
    label: Mapped[str | None] = mapped_column(String(64))
    # Partner side: the partner a customer is associated with / the distributor of a reseller.
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("sandbox_account.domain_id"))
    association: Mapped[str | None] = mapped_column(String(16))  # associating|associated
    association_type: Mapped[str | None] = mapped_column(String(2))
    associated_at: Mapped[datetime | None]
    xaccount_id: Mapped[str | None] = mapped_column(String(64))
    xaccount_type: Mapped[str | None] = mapped_column(String(64))
    # Partner accounts: discount granted on ratings (0.9 = pays 90 % of official price).
    discount_rate: Mapped[Decimal] = mapped_column(Numeric(6, 4), default=Decimal("1"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AccessKey(Base):
    __tablename__ = "sandbox_access_key"

    ak: Mapped[str] = mapped_column(String(64), primary_key=True)
    sk: Mapped[str] = mapped_column(String(128))
    domain_id: Mapped[str] = mapped_column(ForeignKey("sandbox_account.domain_id"))


class RealnameCase(Base):
    """A real-name submission of a customer account and its (simulated) review."""

    __tablename__ = "sandbox_realname_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[str] = mapped_column(ForeignKey("sandbox_account.domain_id"), index=True)
    # individual (bank card) | individual-doc (identity document) | enterprise | change
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(32))
    legal_person: Mapped[str | None] = mapped_column(String(120))
    files: Mapped[str | None] = mapped_column(String(2000))
    result: Mapped[int] = mapped_column(default=0)  # 0 reviewing, 1 rejected, 2 passed
    opinion: Mapped[str | None] = mapped_column(String(500))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class SandboxDatabase:
    """Engine and sessions of the sandbox's own database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = _engine(url)
        Base.metadata.create_all(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite (one shared connection when in memory) is used one request at a time.
        self._lock = threading.RLock() if self.engine.dialect.name == "sqlite" else None

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._lock or nullcontext(), self._sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database in (None, "", ":memory:"):
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine
