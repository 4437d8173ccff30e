"""The price sync at the provider's real size: calls per API, seconds, rows; then a no-op re-sync.

Starts the sandbox with the real catalogue (``--catalogue-scale real``: 30 regions x 400 ECS
flavours, Linux and Windows, plus disks, EIPs, bandwidth and the VPC) as its own process, makes
a fresh storefront database (SQLite in a temporary directory, or with ``--database postgresql``
the PostgreSQL database ``sync_bench``), adds the sandbox's 30 regions to the catalogue's
region table, and runs ``sync-catalog`` and ``sync-prices`` as the CLI does. Provider calls
are counted by the sandbox (``GET /_sandbox/calls``: every call its gateway saw, and those it
refused over the quota). Then the same two syncs again: nothing is stale, so nothing is asked.

    .venv/bin/python bench/sync_scale.py [--database sqlite|postgresql] [--port 5120]

The machine is shared: the load average is printed, and hello-world requests/s in the same run
(Flask test client) as the machine's speed at the time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/sync_bench"
BEFORE = {"calls": 11_700, "seconds": 663.0, "noop_s": 62.0}  # issue #23, the old sync
NOOP_GOAL_S = 5.0
RATING_APIS = {
    "/v2/bills/ratings/on-demand-resources": "on-demand ratings",
    "/v2/bills/ratings/period-resources/subscribe-rate": "prepaid ratings",
    "/v2/products/resource-specs-query": "resource specs (catalogue)",
}


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())


def _start_sandbox(port: int, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "storefront.cloud.sandbox", "--port", str(port),
            "--database", f"sqlite:///{workdir / 'sandbox.db'}", "--catalogue-scale", "real",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "sandbox.log", "wb"),  # noqa: SIM115 - closed with the process
    )
    for _ in range(200):
        try:
            _get(url + "/_sandbox/health")
            return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"the sandbox did not start on {url} (see {workdir / 'sandbox.log'})")


def _database(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'storefront.db'}"
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_URL.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS sync_bench WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE sync_bench"))
    engine.dispose()
    return PG_URL


def _hello_rps(n: int = 2000) -> float:
    from bench.hello import app as hello

    client = hello.test_client()
    started = time.perf_counter()
    for _ in range(n):
        client.get("/")
    return n / (time.perf_counter() - started)


def _calls(url: str) -> tuple[dict[str, int], dict[str, int]]:
    answer = _get(url + "/_sandbox/calls")
    return answer["calls"], answer["throttled"]


def _diff(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0)}


def _sync(app: Any, url: str) -> dict[str, Any]:
    """``sync-catalog`` then ``sync-prices`` as the CLI runs them; calls, seconds, stats."""
    from storefront.catalog import price_sync, sync
    from storefront.clock import utcnow
    from storefront.extensions import cloud_provider, db

    calls0, throttled0 = _calls(url)
    with app.app_context():
        started = time.perf_counter()
        units = sync.catalogue_units(db.session)
        db.session.commit()
        sync.sync_catalog(db.session, cloud_provider(), now=utcnow(), units=units)
        catalogue_s = time.perf_counter() - started
        stats = price_sync.Stats()
        now = utcnow()
        todo = sync.price_units(db.session, now=now, stats=stats)
        sync.sync_prices(db.session, cloud_provider(), now=now, units=todo, stats=stats)
        total_s = time.perf_counter() - started
    calls1, throttled1 = _calls(url)
    return {
        "catalogue_s": catalogue_s,
        "seconds": total_s,
        "calls": _diff(calls1, calls0),
        "throttled": _diff(throttled1, throttled0),
        "stats": stats,
        "plan": todo,
    }


def _rows(app: Any) -> dict[str, int]:
    from sqlalchemy import func, select

    from storefront.catalog.models import PriceBookEntry, Spec, SpecRegion, TermPrice
    from storefront.extensions import db

    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Spec, SpecRegion, PriceBookEntry, TermPrice)
        }


def _add_regions(app: Any) -> int:
    """The sandbox's 30 regions in the catalogue's region table (the partner sells in all)."""
    from storefront.catalog import sync
    from storefront.catalog.models import Region
    from storefront.cloud.sandbox import prices
    from storefront.extensions import db

    _products, regions = prices.build("real")
    with app.app_context():
        sync.ensure_base(db.session)
        for sort, (code, (name, _factor)) in enumerate(regions.items()):
            if db.session.get(Region, code) is None:
                db.session.add(Region(code=code, name=name, name_zh=name, sort=sort))
        db.session.commit()
    return len(regions)


def _report(label: str, run: dict[str, Any]) -> int:
    """Print a run's calls per API; returns the rating calls."""
    total = sum(run["calls"].values())
    print(f"  {label}: {total:,} provider calls in {run['seconds']:.1f} s "
          f"(catalogue {run['catalogue_s']:.1f} s)")
    for api, name in RATING_APIS.items():
        n = run["calls"].get(api, 0)
        refused = run["throttled"].get(api, 0)
        note = f" ({refused} refused over quota)" if refused else ""
        print(f"    {name:28} {n:6,} calls{note}")
    others = {k: v for k, v in run["calls"].items() if k not in RATING_APIS}
    if others:
        print(f"    other calls: {others}")
    return sum(run["calls"].get(api, 0) for api in list(RATING_APIS)[:2])


def _quota_floor(calls: dict[str, int]) -> tuple[float, float]:
    """Seconds the client's quota budget needs for the catalogue's and the ratings' calls
    (the two rating APIs' budgets run side by side)."""
    from storefront.cloud.quota import DEFAULT_PER_SECOND, PER_SECOND

    def per_s(api: str) -> float:
        return int(PER_SECOND.get(api, DEFAULT_PER_SECOND) * 0.9)

    paths = list(RATING_APIS)
    catalogue = calls.get(paths[2], 0) / per_s("list_resource_specs")
    ratings = max(
        calls.get(paths[0], 0) / per_s("list_on_demand_resource_ratings"),
        calls.get(paths[1], 0) / per_s("list_rate_on_period_detail"),
    )
    return catalogue, ratings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--port", type=int, default=5120)
    parser.add_argument("--keep", help="keep the databases in this directory (for a profile)")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from storefront import create_app

    load0 = os.getloadavg()
    hello = _hello_rps()
    with tempfile.TemporaryDirectory(prefix="sync_scale_") as tmp:
        workdir = Path(args.keep or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        proc, url = _start_sandbox(args.port, workdir)
        try:
            app = create_app({
                "STOREFRONT_ENV": "testing",
                "STOREFRONT_DATABASE_URL": _database(args.database, workdir),
                "STOREFRONT_INSTANCE_PATH": str(workdir / "instance"),
                "STOREFRONT_SANDBOX_URL": url,
                "STOREFRONT_REDIS_URL": "",
                "STOREFRONT_MAIL_BACKEND": "console",
                "RATELIMIT_ENABLED": False,
            })  # fmt: skip
            with app.app_context():
                upgrade(directory=app.extensions["migrate"].directory)
            regions = _add_regions(app)
            full = _sync(app, url)
            rows = _rows(app)
            noop = _sync(app, url)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    load1 = os.getloadavg()

    plan = full["plan"]
    items = {True: 0, False: 0}
    for batch in plan:
        items[batch.on_demand] += batch.items
    least = sum(math.ceil(n / 100) for n in items.values())
    stats = full["stats"]
    print(f"Price sync at real size ({args.database}): {regions} regions, "
          f"{rows['catalog_specs']:,} specs")
    print(f"  load average {load0[0]:.2f} at the start, {load1[0]:.2f} at the end; "
          f"hello-world {hello:,.0f} req/s (test client) in the same run")
    rating = _report("full sync", full)
    print(f"    rating calls {rating:,} for {sum(items.values()):,} items: the documented 100 "
          f"items per call allow no fewer than {least:,} (goal: few; was {BEFORE['calls']:,} "
          f"calls, {BEFORE['seconds']:.0f} s)")
    print(f"    rows: price book {rows['catalog_price_book']:,}, term prices "
          f"{rows['catalog_term_prices']:,}; series rated {stats.series:,}")
    floor = _quota_floor(full["calls"])
    print(f"    seconds: catalogue {full['catalogue_s']:.0f} s, prices "
          f"{full['seconds'] - full['catalogue_s']:.0f} s; the per-API quotas (x 0.9, one "
          f"process) allow no less than {floor[0]:.0f} s and {floor[1]:.0f} s")
    refused = sum(full["throttled"].values()) + sum(noop["throttled"].values())
    print(f"    within the per-API quotas: {refused} calls refused (goal 0)")
    noop_rating = _report("no-op re-sync", noop)
    ok = noop["seconds"] <= NOOP_GOAL_S and noop_rating == 0
    print(f"    {noop_rating} rating calls, {noop['seconds']:.2f} s (goal 0 calls, "
          f"<= {NOOP_GOAL_S:.0f} s; was {BEFORE['noop_s']:.0f} s): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
