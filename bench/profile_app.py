"""Where a benchmarked request spends its time, without gunicorn or the network.

Seeds a storefront the way ``run_all.py`` does, then calls the WSGI app directly with the
headers ``loadgen.py`` sends, and prints the mean time per request (and, with ``--profile``,
the top of a cProfile listing).

    python bench/profile_app.py [--requests 2000] [--profile] [--only quote|catalogue|hello]
        [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/storefront_profile] [--show-sql]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run_all import QUOTE, fresh_postgres, seeded_storefront  # noqa: E402

WSGI = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def environ(method: str, path: str, body: bytes = b"", ctype: str | None = None) -> dict[str, Any]:
    path, _, query = path.partition("?")
    env: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_ACCEPT_ENCODING": "identity",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if body or method == "POST":
        env["CONTENT_LENGTH"] = str(len(body))
    if ctype:
        env["CONTENT_TYPE"] = ctype
    return env


def call(app: WSGI, method: str, path: str, body: bytes = b"", ctype: str | None = None) -> str:
    status: list[str] = []

    def start_response(s: str, headers: list[tuple[str, str]], exc: Any = None) -> None:
        status.append(s)

    result = app(environ(method, path, body, ctype), start_response)
    b"".join(result)
    close = getattr(result, "close", None)
    if close is not None:
        close()
    return status[0]


def measure(name: str, fn: Callable[[], str], expect: str, n: int, profile: bool) -> None:
    for _ in range(50):
        got = fn()
        assert got.startswith(expect), (name, got)
    prof = cProfile.Profile() if profile else None
    start, wall = time.process_time(), time.perf_counter()
    if prof:
        prof.enable()
    for _ in range(n):
        fn()
    if prof:
        prof.disable()
    elapsed, wall = time.process_time() - start, time.perf_counter() - wall
    print(
        f"{name:<12}{elapsed / n * 1e6:>9.0f} us CPU/request  ({n / elapsed:.0f}/s in-process),"
        f" {wall / n * 1e6:.0f} us wall (database waits included)"
    )
    if prof:
        out = io.StringIO()
        stats = pstats.Stats(prof, stream=out).sort_stats("cumulative")
        stats.print_stats(os.environ.get("PROFILE_FILTER", ""), 60)
        if os.environ.get("PROFILE_CALLERS"):  # who calls the functions matching this pattern
            stats.print_callers(os.environ["PROFILE_CALLERS"])
        print(out.getvalue())
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(30)
        print(out.getvalue())


def show_sql(app: Any, name: str, fn: Callable[[], str]) -> None:
    """Print the statements (and COMMITs) one request sends, after a warm-up request."""
    from sqlalchemy import event

    from storefront.catalog.quote_store import WRITER
    from storefront.extensions import db

    with app.app_context():
        engine, writer = db.engine, db.engines.get(WRITER)
    fn()
    sent: list[str] = []

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        sent.append(" ".join(sql.split())[:150])

    def commit(conn: Any) -> None:
        sent.append("COMMIT")

    def checkout(dbapi_conn: Any, record: Any, proxy: Any) -> None:
        sent.append("(pool checkout)")

    def writer_checkout(dbapi_conn: Any, record: Any, proxy: Any) -> None:
        # the quote writer runs its one INSERT on the DBAPI cursor: no statement events
        sent.append("(quote writer checkout: one autocommit INSERT INTO catalog_quotes)")

    listeners = [
        (engine, "before_cursor_execute", statement),
        (engine, "commit", commit),
        (engine.pool, "checkout", checkout),
    ]
    if writer is not None:
        listeners.append((writer.pool, "checkout", writer_checkout))
    for target, name_, listener in listeners:
        event.listen(target, name_, listener)
    try:
        fn()
    finally:
        for target, name_, listener in listeners:
            event.remove(target, name_, listener)
    print(f"{name}: {len(sent)} statements/events", *sent, sep="\n  ")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--only", choices=["quote", "catalogue", "hello", "healthz"])
    parser.add_argument(
        "--pg-url", default="", help="a PostgreSQL database to recreate and use instead of SQLite"
    )
    parser.add_argument(
        "--show-sql", action="store_true", help="print the statements of one request of each"
    )
    args = parser.parse_args()

    from storefront.cloud.sandbox.testing import start_sandbox_thread

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the sandbox's access log

    sandbox = start_sandbox_thread()
    if args.pg_url and not fresh_postgres(args.pg_url):
        sys.exit(f"no PostgreSQL server answers for {args.pg_url}")
    os.environ.update(seeded_storefront(sandbox.url, "storefront-profile-", args.pg_url or None))

    import hello

    from storefront import create_app

    app = create_app()
    body = json.dumps(QUOTE).encode()
    runs: dict[str, tuple[Callable[[], str], str]] = {
        "hello": (lambda: call(hello.app, "GET", "/"), "200"),
        "quote": (lambda: call(app, "POST", "/api/v1/quotes", body, "application/json"), "201"),
        "catalogue": (lambda: call(app, "GET", "/products/ecs?region=cn-north-4"), "200"),
        # the storefront's fixed cost per request: a route that does nothing of its own
        "healthz": (lambda: call(app, "GET", "/healthz"), "200"),
    }
    try:
        for name, (fn, expect) in runs.items():
            if args.only in (None, name):
                if args.show_sql:
                    show_sql(app, name, fn)
                measure(name, fn, expect, args.requests, args.profile)
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
