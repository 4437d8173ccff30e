"""Admin customer search at 1,000,000 customers on PostgreSQL: p50/p95 of typical searches.

    STOREFRONT_BENCH_PG=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/admin_search.py [--customers 1000000] [--runs 30] [--reuse] \
        [--database storefront_bench_search]

It (re)creates its own database (``--database``) on that server, applies the real
migrations (``--reuse`` keeps a seeded database and only migrates it), seeds the customers
with one ``INSERT … SELECT generate_series`` (then ``VACUUM ANALYZE``, as autovacuum would)
and times the service the API calls
(``backoffice.customer_search.search_customers``). Target: p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "storefront_bench_search"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    parser.add_argument("--database", default=DB_NAME, help="the benchmark's own database name")
    args = parser.parse_args()
    server = make_url(
        os.environ.get(
            "STOREFRONT_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        )
    )
    if server.host not in ("127.0.0.1", "localhost", None):
        sys.exit("the benchmark only talks to a local PostgreSQL")
    db_name = args.database
    if not db_name.replace("_", "").isalnum():
        sys.exit("--database: letters, digits and underscores only")
    url = server.set(database=db_name)
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": db_name})
        if exists and not args.reuse:
            conn.execute(text(f'DROP DATABASE "{db_name}" WITH (FORCE)'))
            exists = None
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{db_name}"'))
    admin.dispose()

    from flask_migrate import upgrade

    from storefront import create_app
    from storefront.extensions import db

    app = create_app(
        {
            "STOREFRONT_ENV": "testing",
            "STOREFRONT_DATABASE_URL": url.render_as_string(hide_password=False),
            "STOREFRONT_ADMIN_EMAIL": "",
            "STOREFRONT_ADMIN_PASSWORD": "",
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        seeded = db.session.scalar(text("SELECT count(*) FROM customers"))
        if not seeded:
            t0 = time.perf_counter()
            db.session.execute(
                text(
                    "INSERT INTO stores (slug, name, is_default, primary_color, secondary_color,"
                    " currency, default_locale, realname_review_local)"
                    " VALUES ('default', 'Bench', true, '#c7000b', '#1f2937', 'CNY', 'en', false)"
                )
            )
            db.session.execute(
                text(
                    """
                    INSERT INTO staff (store_id, email, password_hash, name, role, is_active,
                                       session_version, totp_enabled)
                    SELECT id, 'owner@bench.test', 'x', 'Owner', 'owner', true, 0, false
                    FROM stores WHERE slug = 'default'
                    """
                )
            )
            db.session.execute(
                text(
                    """
                    INSERT INTO customers (store_id, email, password_hash, name, phone, country,
                        status, realname_status, provider_link, provider_customer_id,
                        session_version, totp_enabled, created_at)
                    SELECT s.id,
                           'user' || g || '@'
                               || (ARRAY['example.com','mail.cn','corp.test'])[1 + g % 3],
                           'x',
                           (ARRAY['li','wang','zhang','liu','chen','yang','zhao','huang'])
                               [1 + g % 8]
                               || '-' || md5(g::text)::varchar(8),
                           '+86138' || lpad((g::bigint * 7919 % 100000000)::text, 8, '0'),
                           'CN',
                           CASE WHEN g % 97 = 0 THEN 'frozen' ELSE 'active' END,
                           (ARRAY['unverified','pending','verified','rejected'])[1 + g % 4],
                           'linked', md5('p' || g::text),
                           0, false,
                           now() - (g || ' seconds')::interval
                    FROM generate_series(1, :n) AS g, stores s WHERE s.slug = 'default'
                    """
                ),
                {"n": args.customers},
            )
            db.session.commit()
            print(f"seeded {args.customers:,} customers in {time.perf_counter() - t0:.1f} s")
        # What autovacuum does to a table that took a million rows (this machine's server runs
        # with autovacuum off): the visibility map, hint bits, the GIN indexes' pending lists
        # merged, fresh statistics. Without it every search reads the GIN pending lists.
        with db.engine.connect() as conn:
            vacuumed = conn.scalar(
                text("SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = 'customers'")
            )
        if vacuumed is None:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE customers"))

        from storefront.accounts.models import Staff
        from storefront.backoffice.customer_search import CustomerQuery, search_customers
        from storefront.stores.models import Store
        from storefront.stores.tenancy import store_context

        store = db.session.scalar(db.select(Store).where(Store.slug == "default"))
        assert store is not None
        with store_context(store):
            staff = db.session.scalar(db.select(Staff))
            first_page, cursor = search_customers(staff, CustomerQuery(limit=25))
            cases = {
                "newest page (no q)": CustomerQuery(limit=25),
                "next page (cursor)": CustomerQuery(limit=25, cursor=cursor),
                "email substring 'user12345'": CustomerQuery(q="user12345"),
                "exact email": CustomerQuery(q="user777778@mail.cn"),
                "name substring 'zhang-4f'": CustomerQuery(q="zhang-4f"),
                "phone substring '13800012'": CustomerQuery(q="13800012"),
                "provider account id": CustomerQuery(q=first_page[3].provider_customer_id or ""),
                "common domain 'example.com'": CustomerQuery(q="example.com"),
                "frozen filter": CustomerQuery(frozen=True),
                "pending real-name + q 'wang-'": CustomerQuery(q="wang-", realname="pending"),
                "pending real-name + q 'li-' (empty)": CustomerQuery(q="li-", realname="pending"),
            }
            timings: list[float] = []
            worst = 0.0
            print(f"{'search':36} {'p50 ms':>8} {'p95 ms':>8} {'rows':>5}")
            for label, params in cases.items():
                samples = []
                for _ in range(args.runs):
                    t0 = time.perf_counter()
                    rows, _ = search_customers(staff, params)
                    samples.append((time.perf_counter() - t0) * 1000)
                    db.session.rollback()
                samples.sort()
                timings += samples
                p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
                worst = max(worst, p95)
                print(f"{label:36} {statistics.median(samples):8.2f} {p95:8.2f} {len(rows):5}")
            timings.sort()
            p50 = statistics.median(timings)
            p95 = timings[int(len(timings) * 0.95)]
            print(f"{'ALL':36} {p50:8.2f} {p95:8.2f}")
            print(
                f"{'PASS' if worst < 50 else 'MISS'}  p95 < 50 ms for every search type"
                f" (worst {worst:.1f} ms, all {p95:.1f} ms); load average {os.getloadavg()[0]:.1f}"
            )
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
