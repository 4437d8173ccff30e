"""`make bench`: quote API and catalogue page throughput against a bare Flask hello-world.

Everything runs on 127.0.0.1 in one go: the provider sandbox (in a thread), the storefront
migrated and seeded from it, then the same gunicorn command and worker count serving, in
turn, the hello-world app and the storefront. Prints req/s for each and the ratios
(targets on SQLite: quote >= 0.45x hello, catalogue >= 0.35x), then the quote p50 latency while
the sandbox adds 400 ms to every provider call (target < 60 ms: quotes never call it). The pair
(hello, storefront) runs ``--rounds`` times, each ratio against its own round's hello, and the
checks use the median ratio: the machine's speed drifts between runs.

The same rounds then run on PostgreSQL (``--pg-url``, default the machine's
``postgresql+psycopg://postgres@127.0.0.1:5432/storefront_bench``, recreated for the run; skipped
when no server answers), printed beside SQLite's (target: quote >= 0.4x hello, issue #23);
``--no-sqlite`` runs PostgreSQL's rounds only.

    python bench/run_all.py [--seconds 5] [--workers 2] [--threads 8] [--rounds 3] [--pg-url URL]
        [--no-sqlite]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import loadgen  # noqa: E402

QUOTE = {
    "region": "cn-north-4",
    "billing_mode": "monthly",
    "period": 1,
    "items": [
        {"product": "ecs", "spec": "s6.large.2.linux", "quantity": 2},
        {"product": "evs", "spec": "SSD", "quantity": 1, "size_gb": 100},
        {"product": "eip", "spec": "5_bgp", "quantity": 1, "bandwidth_mbit": 10},
    ],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(port: int, path: str = "/healthz", timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answered on port {port}")


def gunicorn(app: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable, "-m", "gunicorn", app,
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--log-level", "warning", "--chdir", str(ROOT),
    ]  # fmt: skip
    return subprocess.Popen(cmd, env=env)


def workers_cpu(proc: subprocess.Popen[bytes]) -> float:
    """CPU seconds (user + system) used so far by the gunicorn master's worker processes."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for child in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split():
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def measured(
    proc: subprocess.Popen[bytes], cpu: dict[str, float], name: str, run: Any
) -> loadgen.Result:
    """Run ``run()`` and note the workers' CPU time per request it served (in µs)."""
    before = workers_cpu(proc)
    result: loadgen.Result = run()
    served = result.requests + result.errors
    cpu[name] = (workers_cpu(proc) - before) / served * 1e6 if served else 0.0
    return result


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def fresh_postgres(url: str) -> bool:
    """Drop and create the database ``url`` names; False when no server answers."""
    import psycopg
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = target.set(drivername="postgresql", database="postgres").render_as_string(False)
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{target.database}"')
    except psycopg.OperationalError:
        return False
    return True


def seeded_storefront(
    sandbox_url: str, prefix: str, database_url: str | None = None
) -> dict[str, str]:
    """Settings of a new storefront (SQLite in a temporary folder, or ``database_url``),
    initialised and seeded with the demo store and the catalogue from the sandbox."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    settings = {
        "FLASK_APP": "storefront",
        "STOREFRONT_ENV": "development",
        "STOREFRONT_SECRET_KEY": "bench-secret-key-that-is-long-enough-xx",
        "STOREFRONT_INSTANCE_PATH": str(tmp),
        "STOREFRONT_DATABASE_URL": database_url or f"sqlite:///{tmp / 'bench.db'}",
        "STOREFRONT_SANDBOX_URL": sandbox_url,
        "STOREFRONT_MAIL_BACKEND": "console",
    }
    env = {**os.environ, **settings}
    for cmd in ("init", "seed-demo"):
        done = subprocess.run([sys.executable, "-m", "flask", "storefront", cmd], env=env,
                              cwd=ROOT, capture_output=True, text=True)  # fmt: skip
        if done.returncode:
            sys.exit(f"flask storefront {cmd} failed:\n{done.stderr[-3000:]}")
    return settings


def one_round(
    args: argparse.Namespace, env: dict[str, str], sandbox: Any, slow: bool
) -> tuple[dict[str, loadgen.Result], dict[str, float]]:
    """Hello-world, then the storefront (quote, catalogue and, with ``slow``, quotes while the
    provider answers 400 ms late), each under the same gunicorn command."""
    body = json.dumps(QUOTE).encode()
    json_headers = {"Content-Type": "application/json"}
    results: dict[str, loadgen.Result] = {}
    cpu: dict[str, float] = {}  # gunicorn workers' CPU µs per request

    port = free_port()
    proc = gunicorn("hello:app", port, args.workers, env)
    try:
        wait_up(port, "/")
        loadgen.run(port, "GET", "/", threads=2, seconds=1)  # warm-up
        results["hello"] = measured(
            proc, cpu, "hello",
            lambda: loadgen.run(port, "GET", "/", threads=args.threads, seconds=args.seconds),
        )  # fmt: skip
    finally:
        stop(proc)

    port = free_port()
    proc = gunicorn("storefront:create_app()", port, args.workers, env)
    try:
        wait_up(port)
        page = "/products/ecs?region=cn-north-4"
        loadgen.run(port, "GET", page, threads=2, seconds=1)
        loadgen.run(
            port, "POST", "/api/v1/quotes", body, json_headers, threads=2, seconds=1, expect=201
        )
        results["quote"] = measured(proc, cpu, "quote", lambda: loadgen.run(
            port, "POST", "/api/v1/quotes", body, json_headers,
            threads=args.threads, seconds=args.seconds, expect=201,
        ))  # fmt: skip
        results["catalogue"] = measured(proc, cpu, "catalogue", lambda: loadgen.run(
            port, "GET", page, threads=args.threads, seconds=args.seconds
        ))  # fmt: skip
        if slow:
            sandbox.set_faults(latency_ms=400)
            results["quote_slow_provider"] = loadgen.run(
                port, "POST", "/api/v1/quotes", body, json_headers,
                threads=1, seconds=args.seconds, max_requests=300, expect=201,
            )  # fmt: skip
            sandbox.set_faults(latency_ms=0)
    finally:
        stop(proc)
    return results, cpu


def report(rounds: list[tuple[dict[str, loadgen.Result], dict[str, float]]]) -> dict[str, float]:
    """Print each round's table; return the median ratio to hello per run."""
    header = f"{'run':<22}{'req/s':>10}{'errors':>8}{'p50 ms':>9}{'p99 ms':>9}{'vs hello':>10}"
    ratios: dict[str, list[float]] = {}
    for i, (results, cpu) in enumerate(rounds, 1):
        print(f"round {i}/{len(rounds)}")
        print(header + f"{'worker CPU/req':>16}")
        hello = results["hello"].rps
        for name, r in results.items():
            ratio = r.rps / hello if hello else 0
            ratios.setdefault(name, []).append(ratio)
            worker = f"{cpu[name]:>13.0f} us" if name in cpu else ""
            print(
                f"{name:<22}{r.rps:>10.1f}{r.errors:>8}{r.p50:>9.1f}"
                f"{r.percentile(0.99):>9.1f}{ratio:>9.2f}x{worker}"
            )
    return {name: statistics.median(values) for name, values in ratios.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--rounds", type=int, default=3, help="hello + storefront pairs; checks use the median"
    )
    parser.add_argument(
        "--pg-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/storefront_bench",
        help="PostgreSQL database to recreate and run the same rounds on ('' to skip)",
    )
    parser.add_argument(
        "--no-sqlite", action="store_true", help="PostgreSQL only (its checks only)"
    )
    args = parser.parse_args()

    from storefront.cloud.sandbox.testing import start_sandbox_thread

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the sandbox's access log

    sandbox = start_sandbox_thread()
    print(f"gunicorn --workers {args.workers}; load: {args.threads} threads x {args.seconds}s")
    medians: dict[str, dict[str, float]] = {}
    all_rounds = []
    backends: list[tuple[str, str | None]] = [] if args.no_sqlite else [("SQLite", None)]
    if args.pg_url and fresh_postgres(args.pg_url):
        backends.append(("PostgreSQL", args.pg_url))
    for backend, url in backends:
        env = {**os.environ, **seeded_storefront(sandbox.url, "storefront-bench-", url)}
        env["PYTHONPATH"] = f"{ROOT}:{ROOT / 'bench'}"
        print(f"== {backend}")
        rounds = [
            one_round(args, env, sandbox, slow=i == args.rounds - 1) for i in range(args.rounds)
        ]
        medians[backend] = report(rounds)
        all_rounds.extend(rounds)
    sandbox.stop()

    for backend, median in medians.items():
        print(f"median over rounds, {backend}: " + ", ".join(
            f"{name} {median[name]:.2f}x" for name in ("quote", "catalogue")
        ))  # fmt: skip
    if not all_rounds:
        sys.exit("no backend ran (--no-sqlite without a PostgreSQL server?)")
    last = all_rounds[args.rounds - 1][0]
    checks: dict[str, bool] = {}
    if "SQLite" in medians:
        checks["quote >= 0.45x hello (median, SQLite)"] = medians["SQLite"]["quote"] >= 0.45
        checks["catalogue >= 0.35x hello (median, SQLite)"] = medians["SQLite"]["catalogue"] >= 0.35
    if "PostgreSQL" in medians:  # issue #23
        checks["quote >= 0.40x hello (median, PostgreSQL)"] = medians["PostgreSQL"]["quote"] >= 0.4
    checks["quote p50 < 60 ms with 400 ms provider latency"] = last["quote_slow_provider"].p50 < 60
    checks["no errors"] = all(
        r.errors == 0 for results, _cpu in all_rounds for r in results.values()
    )
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'MISS'}  {name}")
    if os.environ.get("STOREFRONT_BENCH_PG_URL"):  # orders/s on PostgreSQL (bench/orders.py)
        env = {**os.environ, "STOREFRONT_DATABASE_URL": os.environ["STOREFRONT_BENCH_PG_URL"]}
        subprocess.run([sys.executable, str(ROOT / "bench" / "orders.py")], env=env, check=False)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
