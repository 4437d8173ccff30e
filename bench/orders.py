"""Paid orders per second: ``POST /api/v1/orders`` on PostgreSQL, the sandbox at 0 latency.

Creates a store's customers with funded wallets and one quote per order, then places
``--orders`` orders with 2 threads and as many again with 4 (``--threads 2,4``), calling
``billing.orders.place_order`` in this process (the number measures the order transaction —
quote check, order + lines, wallet lock and ledger debit, the provisioning job, the mail and
webhook rows, the idempotent answer — not an HTTP server). Prints the orders/s, the statements
per order and this process's CPU per order for each, checks the ledger and the goal (>= 150
paid orders/s with each thread count). ``--show-sql`` lists the statements of one order;
``--profile`` profiles one thread (use ``--threads 1``) and prints its Python calls per order.

    STOREFRONT_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/orders_bench \\
        python bench/orders.py [--orders 400] [--threads 2,4] [--show-sql] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GOAL = 150  # paid orders/s with 2 and with 4 threads (issue #23)


def main() -> float:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=400, help="per thread count")
    parser.add_argument(
        "--threads", default="2,4", help="thread counts, each run on its own orders"
    )
    parser.add_argument("--customers", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="cProfile the timed part")
    parser.add_argument(
        "--show-sql", action="store_true", help="print the statements of the first order placed"
    )
    args = parser.parse_args()
    thread_counts = [int(t) for t in args.threads.split(",")]

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
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the sandbox's access log
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
            for i in range(args.orders * len(thread_counts)):
                c = customers[i % len(customers)]
                quotes.append((c, catalog.create_quote(req, customer_id=c.id, session_key=None).id))
            db.session.commit()
            for c in customers:
                services.fund(c, "1000000.00", "bench", owner)
        for c in customers:
            db.session.refresh(c)
            db.session.expunge(c)

    from sqlalchemy import event

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

    rates = []
    for n, threads in enumerate(thread_counts):
        batch = quotes[n * args.orders : (n + 1) * args.orders]
        counter.update(statements=0, commits=0)
        rate = timed(app, args, batch, threads, counter, n * args.orders)
        rates.append(rate)
        if shown:
            print("first statements:", *shown, sep="\n  ")
            shown.clear()
    with app.app_context():
        ok = check_ledger().ok
    sandbox.stop()
    met = ok and all(r >= GOAL for r in rates)
    print(
        f"{'PASS' if met else 'MISS'}  paid orders/s >= {GOAL} with "
        + ", ".join(f"{t} threads: {r:.0f}" for t, r in zip(thread_counts, rates, strict=True))
        + f"; ledger-check {'OK' if ok else 'FAILED'}; load average {os.getloadavg()[0]:.1f}"
    )
    return min(rates)


def timed(
    app: Any, args: argparse.Namespace, batch: list[Any], threads: int,
    counter: dict[str, int], first: int,
) -> float:  # fmt: skip
    """Place the orders of ``batch`` from ``threads`` threads; print and return orders/s."""
    from storefront.billing import orders

    work = list(enumerate(batch, first))
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

    workers = [threading.Thread(target=run) for _ in range(threads)]
    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waits
    started, cpu_started = time.perf_counter(), time.process_time()
    if profiler:  # one thread, in this one: cProfile sees only its own thread
        profiler.enable()
        run()
        profiler.disable()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    elapsed = time.perf_counter() - started
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
        # a count, unlike times, does not grow with the machine's load
        print(f"profile: {stats.total_calls / max(len(batch), 1):,.0f} Python calls per order")
    placed = len(batch) - len(failures)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / max(len(batch), 1)
    if failures:
        print("first failure:", repr(failures[0]))
    rate = placed / elapsed
    print(
        f"orders: {placed} paid orders in {elapsed:.2f}s = {rate:.0f} orders/s"
        f" ({threads} threads), failures {len(failures)} (goal >= {GOAL}/s);"
        f" {counter['statements'] / len(batch):.1f} statements +"
        f" {counter['commits'] / len(batch):.1f} commit/rollback per order,"
        f" {cpu_ms:.1f} ms of this process's CPU per order"
    )
    return rate


if __name__ == "__main__":
    main()
