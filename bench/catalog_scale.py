"""The catalogue at the provider's real size and with 1,000 stores (issue #23), on PostgreSQL,
beside a bare Flask hello-world in the same run (same gunicorn command and worker count).

One command prints, each with its goal:

- gunicorn worker RSS with the small catalogue (the sandbox's) and at real size
  (goal: <= 250 MB);
- the catalogue page's req/s, small and real, each as a ratio to hello-world measured just
  before it (goal: real within 10 % of small);
- the stall: the longest request while every worker refreshes its catalogue copy, forced by
  another process re-stamping the whole price book and term prices every few seconds with
  ``STOREFRONT_CATALOG_CACHE_SECONDS=1`` (goal: no request over 100 ms; the same load without
  refreshes is printed beside it);
- the catalogue page with 1,000 stores, requests spread over their hosts, each store with its
  own price rule, vs one store, and the worker RSS then (goal: >= 0.8x, RSS <= 250 MB).

The real-size catalogue is written straight into the database in the shape a sync writes
(``--regions`` regions, the sandbox's ECS flavours copied ``--copies`` times: 30 regions and 42
copies give 946 ECS specs per region, 86,000 price-book rows and 287,000 term prices).

    python bench/catalog_scale.py [--pg-url URL] [--seconds 5] [--workers 2] [--threads 8]
        [--regions 30] [--copies 42] [--stores 1000] [--port 5110] [--rounds 3]
        [--only stall] [--compare]

The small and the real-size catalogue live in two databases (``URL`` and ``URL_real``, both
recreated), so each round measures hello, small and real one after the other and the checks
use the medians (the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import loadgen  # noqa: E402
from run_all import (  # noqa: E402
    fresh_postgres,
    gunicorn,
    seeded_storefront,
    stop,
    wait_up,
    workers_cpu,
)

PAGE = "/products/ecs?region=cn-north-4"
TEMPLATE_REGION = "cn-north-4"
MB = 1024 * 1024

SEED_REAL = [
    # regions: the sandbox's, then copies of the first up to --regions
    """INSERT INTO catalog_regions (code, name, name_zh, sort, synced_at)
       SELECT 'xx-scale-' || g, 'Scale region ' || g, '规模区域 ' || g, 100 + g, now()
       FROM generate_series(1, %(extra_regions)s) g""",
    # ECS specs: each of the sandbox's flavours copied --copies times
    """INSERT INTO catalog_specs (product_code, code, name, name_zh, service_type, resource_type,
           family, family_zh, os, vcpus, memory_gib, size_unit, min_size, max_size,
           bandwidth_resource_type, bandwidth_spec, sort, synced_at)
       SELECT product_code, 'x' || g || '.' || code, name || ' x' || g, name_zh || ' x' || g,
           service_type, resource_type, family, family_zh, os, vcpus, memory_gib, size_unit,
           min_size, max_size, bandwidth_resource_type, bandwidth_spec, sort + 100 * g, now()
       FROM catalog_specs, generate_series(1, %(copies)s) g WHERE product_code = 'ecs'""",
    # every spec in every region
    """INSERT INTO catalog_spec_regions (spec_id, region_code, on_demand, period, synced_at)
       SELECT s.id, r.code, true, true, now() FROM catalog_specs s CROSS JOIN catalog_regions r
       ON CONFLICT DO NOTHING""",
]
COPY_PRICES = """
    WITH src AS (SELECT * FROM {table} WHERE region_code = %(template)s),
    variants AS (
        SELECT src.*, src.provider_spec AS new_spec, 1.0 AS m FROM src
        UNION ALL
        SELECT src.*, 'x' || g || '.' || src.provider_spec, 1 + g / 100.0
        FROM src, generate_series(1, %(copies)s) g
        WHERE src.resource_type = 'hws.resource.type.vm'
    )
    INSERT INTO {table} (region_code, service_type, resource_type, provider_spec, {extra}
        period_unit, size_from, official, cost, currency, fetched_at)
    SELECT r.code, v.service_type, v.resource_type, v.new_spec, {extra_v} v.period_unit,
        v.size_from, round(v.official * v.m, 10), round(v.cost * v.m, 10), v.currency, now()
    FROM variants v CROSS JOIN catalog_regions r
    ON CONFLICT DO NOTHING"""
RESTAMP = [
    "UPDATE catalog_price_book SET fetched_at = now()",
    "UPDATE catalog_term_prices SET fetched_at = now()",
]


def connect(url: str) -> Any:
    import psycopg
    from sqlalchemy.engine import make_url

    plain = make_url(url).set(drivername="postgresql").render_as_string(False)
    return psycopg.connect(plain, autocommit=True)


def copy_database(url: str, suffix: str) -> str:
    """A copy of the database ``url`` names (``CREATE DATABASE ... TEMPLATE``), recreated."""
    from sqlalchemy.engine import make_url

    source = make_url(url)
    target = source.set(database=f"{source.database}{suffix}")
    with connect(source.set(database="postgres").render_as_string(False)) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{target.database}" TEMPLATE "{source.database}"')
    return target.render_as_string(False)


def seed_real(url: str, regions: int, copies: int) -> dict[str, int]:
    with connect(url) as conn:
        have = conn.execute("SELECT count(*) FROM catalog_regions").fetchone()[0]
        params = {"extra_regions": max(0, regions - have), "copies": copies}
        for sql in SEED_REAL:
            conn.execute(sql, params)
        book = COPY_PRICES.format(table="catalog_price_book", extra="billing_mode,",
                                  extra_v="v.billing_mode,")  # fmt: skip
        terms = COPY_PRICES.format(table="catalog_term_prices", extra="period_num,",
                                   extra_v="v.period_num,")  # fmt: skip
        for sql in (book, terms):
            conn.execute(sql, {"template": TEMPLATE_REGION, "copies": copies})
        conn.execute("ANALYZE")
        counts = {}
        for table in ("catalog_regions", "catalog_specs", "catalog_price_book",
                      "catalog_term_prices"):  # fmt: skip
            counts[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
    return counts


def seed_stores(url: str, stores: int) -> list[str]:
    """``stores`` - 1 more stores like the default one, each with a host and a markup rule."""
    with connect(url) as conn:
        conn.execute(
            """INSERT INTO stores (slug, name, is_default, primary_color, secondary_color,
                   currency, default_locale, realname_review_local)
               SELECT 'bench-' || g, 'Bench store ' || g, false, '#c7000b', '#1f2937', 'CNY',
                   'en', false
               FROM generate_series(1, %(n)s) g""",
            {"n": stores - 1},
        )
        conn.execute(
            """INSERT INTO store_domains (store_id, host, is_primary)
               SELECT id, slug || '.bench.test', true FROM stores WHERE slug LIKE 'bench-%'"""
        )
        conn.execute(
            """INSERT INTO catalog_price_rules (store_id, kind, adjustment, value,
                   allow_below_cost, created_at)
               SELECT id, 'markup', 'percent', 5 + id % 20, false, now()
               FROM stores WHERE slug LIKE 'bench-%'"""
        )
    return ["127.0.0.1"] + [f"bench-{n}.bench.test" for n in range(1, stores)]


def worker_rss(proc: subprocess.Popen[bytes], field: str = "VmRSS", where: str = "status") -> float:
    """The largest resident set of the gunicorn master's workers, in MB (``Pss`` from
    ``smaps_rollup``: pages shared with other processes counted by share)."""
    largest = 0
    for child in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split():
        try:
            status = Path(f"/proc/{child}/{where}").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith(f"{field}:"):
                largest = max(largest, int(line.split()[1]) * 1024)
    return largest / MB


class Run:
    def __init__(self, args: argparse.Namespace, env: dict[str, str]) -> None:
        self.args, self.env = args, env

    def hello(self) -> float:
        proc = gunicorn("hello:app", self.args.port, self.args.workers, self.env)
        try:
            wait_up(self.args.port, "/")
            loadgen.run(self.args.port, "GET", "/", threads=2, seconds=1)
            return self.load("/").rps
        finally:
            stop(proc)

    def load(self, path: str, seconds: float | None = None, **kw: Any) -> loadgen.Result:
        return loadgen.run(
            self.args.port, "GET", path, threads=self.args.threads,
            seconds=seconds or self.args.seconds, **kw,
        )  # fmt: skip

    def storefront(self, **settings: str) -> subprocess.Popen[bytes]:
        env = {**self.env, **settings}
        proc = gunicorn("storefront:create_app()", self.args.port, self.args.workers, env)
        wait_up(self.args.port)
        return proc


def page_round(run: Run, envs: dict[str, dict[str, str]], out: dict[str, Any]) -> None:
    """Hello, then the catalogue page on each database (warmed: each worker has its copy)."""
    hello = run.hello()
    line = f"hello {hello:7.1f} req/s"
    for label, env in envs.items():  # each line in the order measured
        proc = run.storefront(**env)
        try:
            loadgen.run(run.args.port, "GET", PAGE, threads=run.args.workers * 2, seconds=2)
            page = run.load(PAGE)
            out.setdefault(f"{label}_rss", []).append(worker_rss(proc))
            out.setdefault(f"{label}_ratio", []).append(page.rps / hello)
            out.setdefault("results", []).append(page)
            line += (f"; {label} page {page.rps:7.1f} req/s ({page.rps / hello:.2f}x, p99 "
                     f"{page.percentile(0.99):.0f} ms, worker RSS {out[f'{label}_rss'][-1]:.0f}"
                     " MB)")  # fmt: skip
        finally:
            stop(proc)
    print(line)


def stall_phase(run: Run, url: str, out: dict[str, Any], shared: bool = True) -> None:
    """The page under load while another process re-stamps the price book every few seconds
    (the copy's builder process, or with ``shared`` false each worker in a thread of its own,
    then refreshes the copy), after the same load without it."""
    with connect(url) as conn:  # an earlier phase's re-stamps left dead rows: not this one's
        conn.execute("VACUUM ANALYZE catalog_price_book, catalog_term_prices")
    proc = run.storefront(
        STOREFRONT_DATABASE_URL=url, STOREFRONT_CATALOG_CACHE_SECONDS="1",
        STOREFRONT_CATALOG_COPY_SHARED="true" if shared else "false",
    )  # fmt: skip
    try:
        loadgen.run(run.args.port, "GET", PAGE, threads=run.args.workers * 2, seconds=3)
        cpu = workers_cpu(proc)
        quiet = run.load(PAGE, seconds=run.args.seconds * 2)
        quiet_cpu, cpu = workers_cpu(proc) - cpu, workers_cpu(proc)
        done = threading.Event()
        stamps: list[float] = []

        def restamp() -> None:
            with connect(url) as conn:
                while not done.is_set():
                    started = time.perf_counter()
                    for sql in RESTAMP:
                        conn.execute(sql)
                    stamps.append(time.perf_counter() - started)
                    done.wait(3.0)

        writer = threading.Thread(target=restamp)
        writer.start()
        try:
            busy = run.load(PAGE, seconds=run.args.seconds * 4)
            busy_cpu = workers_cpu(proc) - cpu
        finally:
            done.set()
            writer.join()
        out["stall_max"] = max(busy.latencies_ms)
        out["quiet_max"] = max(quiet.latencies_ms)
        out["stall_over_100"] = sum(1 for x in busy.latencies_ms if x > 100)
        out.setdefault("results", []).extend([quiet, busy])
        rows = out["book_rows"] + out["term_rows"]
        stamps = stamps or [float("nan")]
        label = "stall" if shared else "stall, each worker refreshing in a thread"
        print(f" {label}: {len(stamps)} re-stamps of {rows:,} rows"
              f" (each {min(stamps):.1f}-{max(stamps):.1f} s); page {busy.rps:.1f} req/s,"
              f" p99 {busy.percentile(0.99):.1f} ms, p99.9 {busy.percentile(0.999):.1f} ms,"
              f" max {out['stall_max']:.1f} ms ({out['stall_over_100']} over 100 ms);"
              f" without: {quiet.rps:.1f} req/s, p99.9 {quiet.percentile(0.999):.1f} ms,"
              f" max {out['quiet_max']:.1f} ms"
              f" ({sum(1 for x in quiet.latencies_ms if x > 100)} over 100 ms);"
              f" worker RSS {worker_rss(proc):.0f} MB"
              f" (PSS {worker_rss(proc, 'Pss', 'smaps_rollup'):.0f} MB);"
              f" the workers' CPU per request"
              f" {busy_cpu / max(len(busy.latencies_ms), 1) * 1000:.2f} ms with refreshes,"
              f" {quiet_cpu / max(len(quiet.latencies_ms), 1) * 1000:.2f} ms without")  # fmt: skip
    finally:
        stop(proc)


def refresh_cost(url: str) -> None:
    """The CPU a worker spends on one refresh of the real-size copy: building it itself (each
    worker, before; or without ``STOREFRONT_CATALOG_COPY_SHARED``), against swapping in the
    builder's file (reading its header, mapping it, unpickling the small rest), each the
    median of 3 in this process."""
    import tempfile

    from sqlalchemy import create_engine

    from storefront.catalog import copy_file, snapshot

    engine = create_engine(url)
    built, read = [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "catalog.copy"
        for _ in range(3):
            started = time.process_time()
            with engine.connect() as conn:
                copy = snapshot.build_copy(conn)
            built.append(time.process_time() - started)
            copy_file.write(path, copy, copy.version, time.time())
            started = time.process_time()
            copy_file.read(path)
            read.append(time.process_time() - started)
        size = path.stat().st_size
    engine.dispose()
    print(f"  a worker's CPU per refresh at real size: building the copy itself"
          f" {statistics.median(built) * 1000:.0f} ms; swapping in the builder's file"
          f" ({size / MB:.1f} MB) {statistics.median(read) * 1000:.1f} ms")  # fmt: skip


def stores_phase(run: Run, url: str, hosts: list[str], out: dict[str, Any]) -> None:
    proc = run.storefront(STOREFRONT_DATABASE_URL=url)
    try:
        # warm: every store's host once per worker (each worker keeps its own copies)
        loadgen.run(run.args.port, "GET", PAGE, threads=run.args.threads,
                    seconds=120, max_requests=len(hosts) * run.args.workers * 3,
                    hosts=hosts)  # fmt: skip
        one = run.load(PAGE)
        many = run.load(PAGE, hosts=hosts)
        out["stores_ratio"] = many.rps / one.rps
        out["stores_rss"] = worker_rss(proc)
        out.setdefault("results", []).extend([one, many])
        print(f"stores: one store {one.rps:.1f} req/s, {len(hosts):,} stores {many.rps:.1f} "
              f"req/s ({out['stores_ratio']:.2f}x), errors {many.errors}, "
              f"worker RSS {out['stores_rss']:.0f} MB")  # fmt: skip
    finally:
        stop(proc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/catcopy_bench"
    )
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--regions", type=int, default=30)
    parser.add_argument("--copies", type=int, default=42)
    parser.add_argument("--stores", type=int, default=1000)
    parser.add_argument("--port", type=int, default=5110)
    parser.add_argument("--rounds", type=int, default=3, help="hello, small, real; medians")
    parser.add_argument("--only", choices=("all", "stall"), default="all",
                        help="stall: seed, then only the stall phase")  # fmt: skip
    parser.add_argument("--compare", action="store_true",
                        help="the stall also with each worker refreshing its own copy")  # fmt: skip
    args = parser.parse_args()
    if not fresh_postgres(args.pg_url):
        print(f"no PostgreSQL server answers at {args.pg_url}")
        return 2

    from storefront.cloud.sandbox.testing import start_sandbox_thread

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the sandbox's access log

    sandbox = start_sandbox_thread()
    try:
        settings = seeded_storefront(sandbox.url, "catalog-scale-", args.pg_url)
    finally:
        sandbox.stop()  # from here on nothing asks the provider
    env = {**os.environ, **settings, "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}"}
    run = Run(args, env)
    load_before = os.getloadavg()
    print(f"gunicorn --workers {args.workers}; load: {args.threads} threads x {args.seconds}s; "
          f"PostgreSQL; load average {load_before[0]:.2f} {load_before[1]:.2f}")  # fmt: skip
    out: dict[str, Any] = {}
    started = time.perf_counter()
    real_url = copy_database(args.pg_url, "_real")
    counts = seed_real(real_url, args.regions, args.copies)
    out["book_rows"], out["term_rows"] = counts["catalog_price_book"], counts["catalog_term_prices"]
    print(f"real size: {counts['catalog_regions']} regions, {counts['catalog_specs']:,} specs, "
          f"{out['book_rows']:,} price-book rows, {out['term_rows']:,} term prices "
          f"(written in {time.perf_counter() - started:.0f} s)")  # fmt: skip
    envs = {"small": {}, "real": {"STOREFRONT_DATABASE_URL": real_url}}
    for i in range(args.rounds if args.only == "all" else 0):  # small first, then real first
        page_round(run, dict(reversed(envs.items())) if i % 2 else envs, out)
    if args.compare:  # the old way first, in the same run (its figures are not checked)
        stall_phase(run, real_url, {**out, "results": []}, shared=False)
    refresh_cost(real_url)
    stall_phase(run, real_url, out)
    if args.only == "all":
        stores_phase(run, real_url, seed_stores(real_url, args.stores), out)
    load_after = os.getloadavg()
    print(f"load average after: {load_after[0]:.2f} {load_after[1]:.2f}")
    return checks(args, out)


def checks(args: argparse.Namespace, out: dict[str, Any]) -> int:
    if args.only == "stall":
        ok = out["stall_max"] <= 100 and all(r.errors == 0 for r in out["results"])
        print(f"{'PASS' if ok else 'MISS'}  longest request during refreshes "
              f"{out['stall_max']:.0f} ms <= 100 ms, no errors")  # fmt: skip
        return 0 if ok else 1
    small, real = statistics.median(out["small_ratio"]), statistics.median(out["real_ratio"])
    real_rss, small_rss = max(out["real_rss"]), max(out["small_rss"])
    checks = {
        f"worker RSS at real size {real_rss:.0f} MB <= 250 MB (small {small_rss:.0f} MB)": real_rss
        <= 250,
        f"catalogue page real {real:.2f}x vs small {small:.2f}x of hello (medians of "
        f"{args.rounds} rounds): {real / small:.2f} >= 0.90": real / small >= 0.9,
        f"longest request during refreshes {out['stall_max']:.0f} ms <= 100 ms": out["stall_max"]
        <= 100,
        f"{args.stores:,} stores {out['stores_ratio']:.2f}x of one store >= 0.80, "
        f"worker RSS {out['stores_rss']:.0f} MB <= 250 MB": out["stores_ratio"] >= 0.8
        and out["stores_rss"] <= 250,
        "no errors": all(r.errors == 0 for r in out.get("results", [])),
    }
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'MISS'}  {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
