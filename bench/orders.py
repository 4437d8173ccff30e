"""Paid orders per second: ``POST /api/v1/orders`` on PostgreSQL, the sandbox at 0 latency.

Creates a store's customers with funded wallets and one quote per order, then places orders
from ``--threads`` threads through the Flask test client (in-process WSGI: the number measures
the order transaction — quote check, order + lines, wallet lock and ledger debit, the
provisioning job — not an HTTP server). Prints the orders/s and checks the ledger.

    STOREFRONT_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        python bench/orders.py [--orders 400] [--threads 8]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> float:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="cProfile the timed part")
    parser.add_argument(
        "--show-sql", action="store_true", help="print the statements of the first order placed"
    )
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import text

    from storefront import create_app
    from storefront.accounts.models import (
        Customer,
        CustomerStatus,
        RealnameStatus,
        Staff,
        StaffRole,
    )
    from storefront.billing import services
    from storefront.billing.cli import check_ledger
    from storefront.catalog import services as catalog
    from storefront.catalog import sync
    from storefront.clock import utcnow
    from storefront.cloud.sandbox.testing import start_sandbox_thread
    from storefront.extensions import cloud_provider, db
    from storefront.stores.services import ensure_default_store
    from storefront.stores.tenancy import store_context

    url = os.environ.get(
        "STOREFRONT_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/orders_bench"
    )
    sandbox = start_sandbox_thread()
    app = create_app(
        {
            "STOREFRONT_ENV": "testing",
            "STOREFRONT_DATABASE_URL": url,
            "STOREFRONT_SANDBOX_URL": sandbox.url,
            "STOREFRONT_MAIL_BACKEND": "console",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(directory=app.extensions["migrate"].directory)
        store = ensure_default_store()
        db.session.commit()
        sync.sync_catalog(db.session, cloud_provider(), now=utcnow())
        sync.sync_prices(db.session, cloud_provider(), now=utcnow())
        owner = Staff(
            store_id=store.id,
            email="owner@bench",
            name="o",
            password_hash="!",  # noqa: S106 - never logs in
            role=StaffRole.OWNER,
        )
        db.session.add(owner)
        customers = []
        for i in range(args.customers):
            c = Customer(
                store_id=store.id,
                email=f"c{i}@bench",
                name=f"c{i}",
                password_hash="!",  # noqa: S106 - never logs in
                status=CustomerStatus.ACTIVE,
                realname_status=RealnameStatus.VERIFIED,
                provider_customer_id=uuid.uuid4().hex,
            )
            db.session.add(c)
            customers.append(c)
        db.session.commit()
        quotes: list[tuple[Customer, str]] = []
        with store_context(store):
            req = catalog.parse_quote_request(
                {
                    "region": "cn-north-4",
                    "billing_mode": "monthly",
                    "period": 1,
                    "items": [{"product": "ecs", "spec": "s6.large.2.linux", "quantity": 1}],
                }
            )
            for i in range(args.orders):
                c = customers[i % len(customers)]
                quotes.append((c, catalog.create_quote(req, customer_id=c.id, session_key=None).id))
            db.session.commit()
            for c in customers:
                services.fund(c, "1000000.00", "bench", owner)
        for c in customers:
            db.session.refresh(c)
            db.session.expunge(c)

    from sqlalchemy import event

    from storefront.billing import orders

    # Database round trips of the timed part: statements sent, plus COMMIT/ROLLBACK.
    counter = {"statements": 0, "commits": 0}
    counter_lock = threading.Lock()

    shown: list[str] = []

    def _count(key: str, statement: str = "") -> None:
        with counter_lock:
            counter[key] += 1
            if args.show_sql and counter["statements"] <= 40 and statement:
                shown.append(" ".join(statement.split())[:160])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda c, cur, st, *a: _count("statements", st))
    event.listen(engine, "commit", lambda *a, **k: _count("commits"))
    event.listen(engine, "rollback", lambda *a, **k: _count("commits"))

    work = list(enumerate(quotes))
    lock = threading.Lock()
    failures: list[BaseException] = []

    def run() -> None:
        while True:
            with lock:
                if not work:
                    return
                i, (customer, quote_id) = work.pop()
            with app.app_context():
                try:
                    orders.place_order(customer, quote_id, f"bench-{i}")
                except BaseException as exc:
                    failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(args.threads)]
    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waits
    started, cpu_started = time.perf_counter(), time.process_time()
    if profiler:  # one thread, in this one: cProfile sees only its own thread
        profiler.enable()
        run()
        profiler.disable()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / max(args.orders, 1)
    counted = dict(counter)
    if failures:
        print("first failure:", repr(failures[0]))
    if shown:
        print("first statements:", *shown, sep="\n  ")
    rate = (args.orders - len(failures)) / elapsed
    with app.app_context():
        ok = check_ledger().ok
    sandbox.stop()
    print(
        f"orders: {args.orders - len(failures)} paid orders in {elapsed:.2f}s = "
        f"{rate:.0f} orders/s ({args.threads} threads, {url.split(':')[0]}),"
        f" failures {len(failures)}, ledger-check {'OK' if ok else 'FAILED'} (target >= 100/s);"
        f" {counted['statements'] / args.orders:.1f} statements +"
        f" {counted['commits'] / args.orders:.1f} commit/rollback per order,"
        f" {cpu_ms:.1f} ms of this process's CPU per order"
    )
    return rate


if __name__ == "__main__":
    main()
