"""Shared fixtures: app, database isolation, builders, a live server and a real browser.

The database is migrated once per session with Alembic (the same migrations `make run`
applies), then every test starts from empty tables. Set ``STOREFRONT_TEST_DATABASE_URL`` (or
``STOREFRONT_DATABASE_URL``) to run the suite on PostgreSQL.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import exists, literal, select, text, union_all
from werkzeug.serving import make_server

from storefront import create_app
from storefront.cloud.sandbox.testing import serve_in_thread
from storefront.extensions import db as _db

pytest_plugins = [
    "tests.builders",
    "tests.browser",
    "tests.demo_app",
    "tests.catalog.fixtures",
    "tests.shop",
    "tests.staff",
    "tests.resellers",
]

# Property tests judge results, not speed: on a busy 2-core machine (CI beside other work) a draw
# can stall for seconds, which says nothing about the code under test.
hypothesis_settings.register_profile(
    "storefront", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("storefront")


# --- the longest tests start first -----------------------------------------------------------

# Files holding a test of 7 s or more (measured with --durations on SQLite, 2026-12-07, at
# load 12: README, "Tests"), longest first; then the browser tests (3-50 s each); then the rest
# in their usual order. With pytest-xdist handing out one test at a time (`--maxschedchunk 1`,
# .ci/run) the workers start on the long ones and finish on short ones together, instead of
# one worker running a long test alone at the end (the source checks in tests/test_*.py, last
# in the usual order, were). Without xdist the order only changes which tests run first.
LONGEST_FIRST = (
    "tests/api/test_schemathesis.py",
    "tests/test_first_run.py",
    "tests/catalog/test_sync_faults.py",
    "tests/test_api_fuzz.py",
    "tests/billing/test_job_leases.py",
    "tests/test_i18n_catalogues.py",
    "tests/billing/test_order_state_machine.py",
    "tests/billing/test_provisioning_faults.py",
    "tests/payments/test_after_payment.py",
    "tests/accounts/test_throttling.py",
    "tests/backoffice/test_association_partner_center.py",
    "tests/test_operations.py",
    "tests/test_local_imports.py",
    "tests/test_code_shape.py",
    "tests/backoffice/test_id_paths.py",
    "tests/accounts/test_registration_migration.py",
    "tests/catalog/test_sync_batches.py",
    "tests/billing/test_properties.py",
    "tests/test_app.py",
    "tests/test_transactions.py",
    "tests/test_jobs.py",
    "tests/renewals/test_pay_per_use.py",
    "tests/cloud/test_renewals.py",
)


def _start_rank(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0]
    if path in LONGEST_FIRST:
        return LONGEST_FIRST.index(path)
    if path.startswith("tests/e2e/") or "browser" in path:
        return len(LONGEST_FIRST)
    return len(LONGEST_FIRST) + 1


# Files that never read the test database: they build their own SQLite app (the fuzz and
# schemathesis demo app), run `make run` in a process of its own, or read the source. They are
# the same on either backend, so CI runs them in its SQLite pass only (the PostgreSQL pass adds
# `-m "not backend_independent"`, .ci/run); `make test` runs them wherever it runs.
BACKEND_INDEPENDENT = (
    "tests/test_first_run.py",
    "tests/api/test_schemathesis.py",
    "tests/test_api_fuzz.py",
    "tests/test_i18n_catalogues.py",
    "tests/test_local_imports.py",
    "tests/test_code_shape.py",
    "tests/test_no_framework_internals.py",
    "tests/test_area_dependencies.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_start_rank)  # stable: each file keeps its own order
    for item in items:
        if item.nodeid.split("::", 1)[0] in BACKEND_INDEPENDENT:
            item.add_marker("backend_independent")


# --- no traffic leaves this machine ---------------------------------------------------------

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address: Any) -> bool:
    if isinstance(address, str | bytes):  # unix socket
        return True
    host = str(address[0])
    return host in ("localhost", "::1") or host.startswith("127.")


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if not _is_local(address):
        raise RuntimeError(f"test tried to reach a non-loopback address: {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> Any:
    if not _is_local(address):
        raise RuntimeError(f"test tried to reach a non-loopback address: {address!r}")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)


# --- settings and app ----------------------------------------------------------------------


def _database_url(tmp_root: Path) -> str:
    env = os.environ
    url = env.get("STOREFRONT_TEST_DATABASE_URL") or env.get("STOREFRONT_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_root / 'test.db'}"
    worker = env.get("PYTEST_XDIST_WORKER")
    return _worker_database(url, worker) if worker else url


def _worker_database(url: str, worker: str) -> str:
    """Under pytest-xdist each worker gets a database of its own beside the configured one
    (``test`` -> ``test_gw0``), created on first use: workers empty tables between tests."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    if base.get_backend_name() != "postgresql":
        return url
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            # A test's commit need not wait for the disk (the database is thrown away): every
            # new connection to it starts with synchronous_commit off. The app never relies on
            # the setting (only the quote writer sets it, on its own connections).
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


# The provider quotas of the session sandbox and of the apps' client budget, against the
# documented ones (STOREFRONT_SANDBOX_QUOTA_SCALE, STOREFRONT_CLOUD_QUOTA_SCALE): the synced
# catalogue and the demo seed (about 230 calls each) and the order tests no longer wait for the
# next second. tests/cloud/test_throttling.py checks the documented quotas.
QUOTA_SCALE = 100


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Any]:
    """The provider sandbox, served over HTTP on a free loopback port for the whole session.

    A scripted timeout (``fail_once``) answers the gateway's 504 after ``hang_s``: 0.5 s here,
    not the sandbox's 30 s, which held the caller until its own 10 s timeout on every try
    (the same retry and give-up decisions: both are ``UpstreamUnavailable``). Tests of the
    client's own timeout use ``extra_sandbox`` with a hang longer than the timeout they set.

    The account's quotas are raised ``QUOTA_SCALE``-fold here and in the apps' budget
    (``base_config``) together; the cloud tests (``tests/cloud``, their own ``sandbox``) keep
    the documented quotas.
    """
    from storefront.cloud.sandbox.testing import start_sandbox_thread

    running = start_sandbox_thread(hang_s=0.5, quota_scale=QUOTA_SCALE)
    yield running
    running.stop()


@pytest.fixture(scope="session")
def base_config(tmp_path_factory: pytest.TempPathFactory, sandbox: Any) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("storefront")
    return {
        "STOREFRONT_ENV": "testing",
        "STOREFRONT_SECRET_KEY": "test-secret-key-that-is-long-enough-for-prod",
        "STOREFRONT_DATABASE_URL": _database_url(root),
        "STOREFRONT_INSTANCE_PATH": str(root / "instance"),
        "STOREFRONT_MAIL_BACKEND": "file",
        "STOREFRONT_MAIL_DIR": str(root / "mail"),
        "STOREFRONT_CLOUD": "sandbox",
        "STOREFRONT_SANDBOX_URL": sandbox.url,
        "STOREFRONT_CLOUD_QUOTA_SCALE": str(QUOTA_SCALE),
        # a failed provider call is tried again after 10 ms (doubling), not 200, as in the cloud
        # tests (tests/cloud/conftest.py, settings_for): the same tries and outcomes, without
        # the waits (a provisioning-faults test spent 5 of its 11 s asleep)
        "STOREFRONT_CLOUD_BACKOFF_S": "0.01",
        "STOREFRONT_ADMIN_EMAIL": "",
        "STOREFRONT_ADMIN_PASSWORD": "",
        "STOREFRONT_REDIS_URL": "",
        # the test client's default base URL: links in mails etc. are built on this setting
        "STOREFRONT_PUBLIC_URL": "http://localhost",
        "RATELIMIT_ENABLED": True,
    }


def dispose(app: Flask) -> None:
    """Close the app's database connections (each app has its own engine and pool)."""
    with app.app_context():
        _db.session.remove()
        for engine in _db.engines.values():
            engine.dispose()


@pytest.fixture(scope="session")
def make_app(base_config: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
    """Build an app with extra settings on top of the test defaults (disposed at the end)."""
    apps: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        application = create_app({**base_config, **overrides})
        apps.append(application)
        return application

    yield factory
    for application in apps:
        dispose(application)


@pytest.fixture(scope="session")
def _migrated(make_app: Callable[..., Flask]) -> None:
    """Drop whatever is there and apply every Alembic migration once."""
    from flask_migrate import upgrade

    app = make_app()
    with app.app_context():
        _db.drop_all()
        with _db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(directory=app.extensions["migrate"].directory)
    dispose(app)


def _empty_tables() -> None:
    from storefront.stores.services import forget_cached_stores

    forget_cached_stores()
    engine = _db.engine
    tables = list(reversed(_db.metadata.sorted_tables))  # children before parents
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            _empty_postgresql(conn, tables)
        else:
            for table in tables:
                conn.execute(table.delete())


# PostgreSQL: TRUNCATE of every table (63) cost 50-300 ms a test (new files for each table,
# catalog updates), the biggest part of the PostgreSQL run. Most tests write a handful of
# tables: one query finds them, DELETE empties them (children first), and the sequences a
# test drew from restart, so ids start at 1 as after TRUNCATE ... RESTART IDENTITY: in one
# statement, with setval (``ALTER SEQUENCE ... RESTART`` per sequence, a round trip and a
# catalogue change each, cost more).
_RESTART_USED_SEQUENCES = text(
    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false)"
    " FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL"
)


_PROBES: dict[int, str] = {}  # the "which tables have rows" query, rendered once


def _empty_postgresql(conn: Any, tables: list[Any]) -> None:
    probe = _PROBES.get(len(tables))
    if probe is None:
        query = union_all(
            *(
                select(literal(i)).where(exists(select(1).select_from(t)))
                for i, t in enumerate(tables)
            )
        )
        probe = _PROBES[len(tables)] = str(
            query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        )
    filled = set(conn.exec_driver_sql(probe).scalars())
    for i, table in enumerate(tables):
        if i in filled:
            conn.execute(table.delete())
    conn.execute(_RESTART_USED_SEQUENCES)


class _SharedApp:
    """One app per test process and set of overrides (building one compiles every URL rule:
    60-250 ms; ``get(**overrides)``: the partner tests' distributor mode), with its config and
    extensions as built, so each test can start from exactly that.

    Building an app binds one process-wide thing to it, the clock's offset file
    (:func:`storefront.clock.follow_offset_file`): an app handed out again binds it back, so a
    test that built an app of its own (``make_app``) leaves nothing behind."""

    def __init__(self, make_app: Callable[..., Flask]) -> None:
        self.make_app = make_app
        self.apps: dict[tuple[tuple[str, Any], ...], tuple[Flask, dict[str, Any], frozenset[str]]]
        self.apps = {}

    def get(self, **overrides: Any) -> Flask:
        key = tuple(sorted(overrides.items()))
        kept = self.apps.get(key)
        if kept is None:
            application = self.make_app(**overrides)
            config, extensions = dict(application.config), frozenset(application.extensions)
            self.apps[key] = (application, config, extensions)
            return application
        self.reset(*kept)
        return kept[0]

    @staticmethod
    def reset(application: Flask, config: dict[str, Any], extensions: frozenset[str]) -> None:
        """Undo what a test did to the app: config changes, the caches and throttles the app
        builds on first use (kept in ``app.extensions``), the per-route rate counters; and
        bind the clock to its offset file again."""
        from storefront import clock, ratelimit

        application.config.clear()
        application.config.update(config)
        for name in set(application.extensions) - extensions:
            del application.extensions[name]
        ratelimit.limiter(application).storage.reset()
        clock.follow_offset_file(config["SETTINGS"].clock_offset_file)


@pytest.fixture(scope="session")
def _shared_app(make_app: Callable[..., Flask], _migrated: None) -> _SharedApp:
    return _SharedApp(make_app)


@pytest.fixture
def app(_shared_app: _SharedApp) -> Iterator[Flask]:
    """The app, as new: empty tables, config and caches as built (a test that must add routes
    or change settings before the first request builds its own with ``make_app``)."""
    application = _shared_app.get()
    with application.app_context():
        _empty_tables()
    yield application
    with application.app_context():
        _db.session.remove()


@pytest.fixture
def db(app: Flask) -> Iterator[Any]:
    with app.app_context():
        yield _db
        _db.session.rollback()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def mail_dir(base_config: dict[str, Any]) -> Path:
    path = Path(base_config["STOREFRONT_MAIL_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    for old in path.glob("*.eml"):
        old.unlink()
    return path


# --- a live server for the browser ---------------------------------------------------------


class LiveServer:
    def __init__(self, app: Flask) -> None:
        import dataclasses

        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        # links the app builds (mails, payment return URLs, SAML) point at this server
        settings = app.config["SETTINGS"]
        app.config["SETTINGS"] = dataclasses.replace(settings, public_url=self.url)
        self._thread: threading.Thread | None = None

    def start(self) -> LiveServer:
        self._thread = serve_in_thread(self._server)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    server = LiveServer(app).start()
    yield server
    server.stop()
