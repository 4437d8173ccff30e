"""schemathesis against the OpenAPI document over a live app (issue #22, "API description").

    .venv/bin/python bench/schemathesis_api.py [--cases 5000] [--seed 22] [--max-seconds 900]

Builds the app the way the API fuzz does (``bench/fuzz_api.py``: a throw-away SQLite database,
the embedded provider sandbox, the demo store, a linked customer with a paid order and its
resources, an owner, each with a bearer token), serves it over HTTP on a loopback port, loads
``/api/v1/openapi.json`` from it and, for every operation, sends Hypothesis cases schemathesis
draws from the document (data that fits it and data that does not), with the owner's token on
``/admin/`` operations and the customer's elsewhere. Each answer must not be a 5xx and must
conform to the document: a documented status, content type and body schema. Passes over the
operations repeat with new seeds until ``--cases`` answers were checked (or ``--max-seconds``
passed: that is a failure too). Prints cases and time per operation and every distinct failure;
exits 1 on any.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import math
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from flask import Flask  # noqa: E402
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

# Sign-in checks a password hash (Argon2, slow on purpose, also for an unknown email): a tenth
# of the cases of the other operations.
SLOW = {"/auth/token", "/admin/auth/token"}


@dataclass
class Report:
    cases: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)
    seconds_per: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.cases.values())


def checks() -> list[Any]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]


class LiveApp:
    """The app on a loopback port, served by threads (what a client out there talks to)."""

    def __init__(self, app: Flask) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(5)


def _strategy(operation: Any) -> Any:
    from schemathesis.generation.modes import GenerationMode

    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    with contextlib.suppress(Exception):  # nothing to negate (an operation without inputs)
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    return st.one_of(*strategies)


def run_operation(
    operation: Any,
    base: str,
    tokens: dict[str, str],
    examples: int,
    seed_value: int,
    report: Report,
) -> None:
    name = f"{operation.method.upper()} {operation.path}"
    who = "owner" if operation.path.startswith("/admin/") else "customer"
    headers = {"Authorization": f"Bearer {tokens[who]}"}
    session = requests.Session()
    found = checks()

    @seed(seed_value)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation))
    def one(case: Any) -> None:
        report.cases[name] += 1
        try:
            response = case.call(base_url=f"{base}/api/v1", session=session, headers=headers)
        except requests.RequestException as exc:
            report.failures.setdefault(f"{name} transport", f"{exc}\n{case.as_curl_command()}")
            return
        report.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=found, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # failed checks: the first case of each
            for failure in getattr(exc, "exceptions", None) or [exc]:
                title = getattr(failure, "title", type(failure).__name__)
                key = f"{name} {response.status_code} {title}"
                report.failures.setdefault(key, f"{failure}\n{case.as_curl_command(headers)}")

    started = time.monotonic()
    one()
    report.seconds_per[name] += time.monotonic() - started


def run(
    app: Flask,
    tokens: dict[str, str],
    cases: int,
    seed_value: int,
    max_s: float,
    only: str | None = None,
) -> Report:
    """``cases`` checked answers at least (``only``: the operations whose ``METHOD /path``
    starts so), within ``max_s`` seconds."""
    import schemathesis

    report = Report()
    live = LiveApp(app)
    # the payment emulators live in the app: the gateway adapters reach them at the public
    # URL, which must be where the app is served (else a top-up answers 502)
    app.config["SETTINGS"] = dataclasses.replace(app.config["SETTINGS"], public_url=live.url)
    started = time.monotonic()
    try:
        schema = schemathesis.openapi.from_url(f"{live.url}/api/v1/openapi.json")
        operations = [
            op
            for op in (r.ok() for r in schema.get_all_operations())
            if only is None or f"{op.method.upper()} {op.path}".startswith(only)
        ]
        weights = sum(0.1 if op.path in SLOW else 1.0 for op in operations)
        round_no = 0
        while report.total < cases and time.monotonic() - started < max_s:
            # each pass shares what is left (an operation with few distinct inputs, such as
            # GET /regions, gives fewer cases than asked: the next pass, with a new seed, fills in)
            per_op = max(10, math.ceil((cases - report.total) / weights))
            for operation in operations:
                if time.monotonic() - started >= max_s:
                    break
                examples = max(2, per_op // 10) if operation.path in SLOW else per_op
                run_operation(operation, live.url, tokens, examples, seed_value + round_no, report)
            round_no += 1
    finally:
        live.stop()
    report.seconds = time.monotonic() - started
    return report


def print_report(report: Report) -> None:
    for name, count in sorted(report.cases.items()):
        print(f"{count:6d} {report.seconds_per[name]:7.1f} s  {name}")
    print("statuses:", dict(sorted(report.statuses.items())))
    for key, detail in report.failures.items():
        print(f"\nFAILED {key}\n{detail}")
    print(
        f"\n{report.total} cases, {len(report.cases)} operations, {report.seconds:.1f} s, "
        f"{len(report.failures)} failures"
    )


def main() -> int:
    import logging

    from bench.fuzz_api import build_app, prepare
    from storefront.cloud.sandbox.testing import start_sandbox_thread

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--max-seconds", type=float, default=900)
    args = parser.parse_args()
    logging.disable(logging.ERROR)  # the refusals the cases provoke are expected
    sandbox = start_sandbox_thread()
    try:
        with tempfile.TemporaryDirectory() as root:
            app = build_app(Path(root), sandbox.url)
            world = prepare(app)
            report = run(app, world.tokens, args.cases, args.seed, args.max_seconds)
    finally:
        sandbox.stop()
    print_report(report)
    return 1 if report.failures or report.total < args.cases else 0


if __name__ == "__main__":
    sys.exit(main())
