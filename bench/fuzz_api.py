"""API fuzz: every ``/api/v1`` endpoint, hostile input, no 5xx (issue #14, "Done when").

    .venv/bin/python bench/fuzz_api.py [--cases 10000] [--seed 14] [--limits]

Builds the app in-process the way the tests do (a throw-away SQLite database migrated with
Alembic, the embedded provider sandbox on a loopback port, the demo store and catalogue seeded),
adds a linked, verified customer who owns a quote, a paid order and its resources, a second
customer, a store owner and a support agent, each with a bearer token. Then it walks
``app.url_map``: every rule under ``/api/v1`` (a new endpoint is fuzzed without editing this
file) and each of its methods gets ``--cases`` / endpoints Hypothesis examples (``--seed``
makes a run reproducible). A case is drawn from:

- path ids: 0, -1, 2^63-1, 2^63, 2^64, a hundred digits, non-numeric, unicode digits, real ids;
- bodies: JSON objects keyed by the field names the API modules read (harvested from the source),
  with values of every JSON type (huge and non-finite numbers, deep nesting, unicode, nulls, long
  strings), mutated valid bodies, JSON that is not an object, malformed and binary bytes, deeply
  nested arrays, form posts and wrong or lying content types;
- query strings (cursor, limit, q, … and the names the code reads) with edge values;
- no token, a customer's, another customer's, the owner's, a support agent's, or garbage;
- sometimes an ``Idempotency-Key`` (fixed, random, empty, too long) and an ``Accept-Language``.

Prints the cases run per endpoint, the status-code histogram, every distinct 5xx (endpoint,
status, where it was raised and the smallest request that caused it) and the total time; exits
1 if any answer was a 5xx. Flask-Limiter's limits are off unless ``--limits`` (a 429 hides the
code behind it); the per-account sign-in lock-out stays on.
"""

from __future__ import annotations

import argparse
import logging
import math
import re
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402

from bench.fuzz_cases import (  # noqa: E402
    API_PREFIX,
    PASSWORD,
    World,
    cases,
    harvest_fields,
)

# --- the app and its objects --------------------------------------------------------------


def build_app(
    root: Path, sandbox_url: str, limits: bool = False, quota_scale: float = 1.0
) -> Flask:
    """A migrated app with the demo data seeded from the sandbox at ``sandbox_url``
    (``quota_scale``: that sandbox's quotas against the documented ones)."""
    from flask_migrate import upgrade

    from storefront import create_app
    from storefront.cli import seed_demo_data

    app = create_app(
        {
            "STOREFRONT_ENV": "testing",
            "STOREFRONT_SECRET_KEY": "fuzz-secret-key-that-is-long-enough-for-prod",
            "STOREFRONT_DATABASE_URL": f"sqlite:///{root / 'fuzz.db'}",
            "STOREFRONT_INSTANCE_PATH": str(root / "instance"),
            "STOREFRONT_MAIL_BACKEND": "file",
            "STOREFRONT_MAIL_DIR": str(root / "mail"),
            "STOREFRONT_CLOUD": "sandbox",
            "STOREFRONT_SANDBOX_URL": sandbox_url,
            "STOREFRONT_CLOUD_QUOTA_SCALE": str(quota_scale),
            "STOREFRONT_ADMIN_EMAIL": "",
            "STOREFRONT_ADMIN_PASSWORD": "",
            "STOREFRONT_REDIS_URL": "",
            "RATELIMIT_ENABLED": limits,
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        seed_demo_data()
    return app


def _people(app: Flask) -> dict[str, Any]:
    """Two customers (the first linked and verified at the provider), an owner, a support agent."""
    import uuid

    from storefront.accounts.models import (
        Customer,
        CustomerStatus,
        ProviderLink,
        RealnameStatus,
        Staff,
        StaffRole,
    )
    from storefront.accounts.passwords import hash_password
    from storefront.accounts.services import issue_token
    from storefront.extensions import cloud_provider, db
    from storefront.stores.services import ensure_default_store

    store = ensure_default_store()
    hashed = hash_password(PASSWORD)
    made = cloud_provider().create_sub_customer(
        xaccount_id=uuid.uuid4().hex, account_name=f"fuzz{uuid.uuid4().hex[:10]}"
    )
    people: dict[str, Any] = {
        "customer": Customer(
            store_id=store.id,
            email="buyer@fuzz.test",
            name="Buyer",
            password_hash=hashed,
            status=CustomerStatus.ACTIVE,
            realname_status=RealnameStatus.VERIFIED,
            provider_customer_id=made.customer_id,
            provider_link=ProviderLink.LINKED,
        ),
        "other": Customer(
            store_id=store.id,
            email="other@fuzz.test",
            name="Other",
            password_hash=hashed,
            status=CustomerStatus.ACTIVE,
        ),
        "owner": Staff(
            store_id=store.id,
            email="owner@fuzz.test",
            name="Owner",
            password_hash=hashed,
            role=StaffRole.OWNER,
        ),
        "support": Staff(
            store_id=store.id,
            email="support@fuzz.test",
            name="Support",
            password_hash=hashed,
            role=StaffRole.SUPPORT,
        ),
    }
    db.session.add_all(people.values())
    db.session.commit()
    return {name: (who, issue_token(who, name="fuzz")[0]) for name, who in people.items()}


def _pending_funding(customer: Any, owner: Any) -> None:
    """A funding above the dual-control threshold, waiting for a second approver."""
    from decimal import Decimal

    from storefront.billing import funding
    from storefront.billing.remittance import billing_settings
    from storefront.extensions import db

    billing_settings(customer.store_id).second_approval_threshold = Decimal("100.00")
    db.session.commit()
    funding.fund_customer(customer, "500.00", "fuzz: waits for a second approver", owner)


def prepare(app: Flask) -> World:
    """Users and tokens, a quote, a paid order provisioned by the worker, its resources."""
    from sqlalchemy import select

    from storefront.billing import services as billing
    from storefront.billing import worker
    from storefront.billing.funding_models import StaffFunding
    from storefront.billing.models import Resource
    from storefront.extensions import db

    world = World()
    with app.app_context():
        people = _people(app)
        world.tokens = {name: raw for name, (_, raw) in people.items()}
        buyer, owner = people["customer"][0], people["owner"][0]
        billing.fund(buyer, "100000.00", "fuzz", owner)
        _pending_funding(buyer, owner)
        world.ids["customer"] = [str(buyer.id), str(people["other"][0].id)]
    client = app.test_client()
    auth = {"Authorization": f"Bearer {world.tokens['customer']}"}
    quote_body = {
        "region": "cn-north-4",
        "billing_mode": "monthly",
        "period": 1,
        "items": [
            {"product": "ecs", "spec": "s6.large.2.linux", "quantity": 1},
            {"product": "evs", "spec": "SSD", "quantity": 1, "size_gb": 100},
        ],
    }
    quoted = client.post(f"{API_PREFIX}/quotes", json=quote_body, headers=auth)
    assert quoted.status_code == 201, quoted.get_json()
    quote_id = quoted.get_json()["id"]
    ordered = client.post(f"{API_PREFIX}/orders", json={"quote_id": quote_id}, headers=auth)
    assert ordered.status_code == 201, ordered.get_json()
    second = client.post(f"{API_PREFIX}/quotes", json=quote_body, headers=auth).get_json()["id"]
    with app.app_context():
        worker.run_pending()
        world.ids["resource"] = [str(r) for r in db.session.scalars(select(Resource.id))]
        world.ids["funding"] = [str(f) for f in db.session.scalars(select(StaffFunding.id))]
    world.ids["order"] = [str(ordered.get_json()["id"])]
    world.ids["quote"] = [quote_id, second]
    world.bodies = [  # (the end of the URLs it suits, a valid body)
        ("/quotes", quote_body),
        ("/orders", {"quote_id": second}),
        ("/orders", {"quote_id": second, "voucher_code": "WELCOME"}),
        ("/funds", {"amount": "10.00", "note": "fuzz"}),
        ("/token", {"email": "buyer@fuzz.test", "password": PASSWORD}),
        ("/freeze", {"reason": "fuzz", "mode": "ACCOUNT"}),
        ("/reject", {"reason": "fuzz"}),
        ("/realname", {"type": "individual", "name": "张三", "id_number": "110101199003070000"}),
        (
            "/customers",
            {
                "email": "new@fuzz.test",
                "password": PASSWORD,
                "name": "New",
                "country": "CN",
                "accept_terms": True,
                "consent_personal_info": True,
            },
        ),
        ("/verification-code", {"phone": "+8613800000000"}),
        ("/verify-email", {"token": "x"}),
    ]
    return world


# --- running and reporting ----------------------------------------------------------------


class _LastError(logging.Handler):
    """Keeps the traceback the app logged for its last unhandled error."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.last = "".join(traceback.format_exception(*record.exc_info))


@dataclass
class Report:
    per_endpoint: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.per_endpoint.values())


def api_targets(app: Flask) -> list[tuple[Any, str]]:
    """Every (rule, method) under /api/v1, in a stable order."""
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    return [
        (rule, method)
        for rule in rules
        if rule.rule.startswith(API_PREFIX)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]


def _signature(status: int, trace: str | None) -> str:
    if not trace:
        return f"{status} (no traceback)"
    frames = re.findall(r'File "([^"]+)", line (\d+)', trace)
    ours = [f"{Path(f).name}:{n}" for f, n in frames if "/storefront/" in f] or ["?"]
    return f"{status} {trace.strip().splitlines()[-1][:160]} at {ours[-1]}"


def send(client: Any, case: dict[str, Any], catcher: _LastError) -> tuple[int, str | None]:
    catcher.last = None
    try:
        answer = client.open(
            case["path"],
            method=case["method"],
            query_string=case["query"],
            headers=case["headers"],
            data=case["body"],
        )
    except Exception:  # propagated out of the app: as bad as a 500
        return 500, traceback.format_exc()
    status = answer.status_code
    answer.close()
    return status, catcher.last if status >= 500 else None


def _size(case: dict[str, Any]) -> int:
    return (
        len(case["path"])
        + len(case["query"])
        + len(case["body"] or b"")
        + len(str(case["headers"]))
    )


def _record(
    report: Report, label: str, case: dict[str, Any], status: int, trace: str | None
) -> None:
    report.per_endpoint[label] += 1
    report.statuses[status] += 1
    if status >= 500:
        key = f"{label} {_signature(status, trace)}"
        known = report.failures.get(key)
        if known is None or _size(case) < _size(known[1]):
            report.failures[key] = (trace or "", case)


def _fuzz_target(
    client: Any, catcher: _LastError, report: Report, strategy: Any, label: str
) -> Any:
    """A Hypothesis test that sends each drawn case and records its answer (it never fails:
    every case is counted, every 5xx kept with the smallest request that caused it)."""

    @given(case=strategy)
    def fuzz_one(case: dict[str, Any]) -> None:
        status, trace = send(client, case, catcher)
        _record(report, label, case, status, trace)

    return fuzz_one


def run_fuzz(app: Flask, world: World, cases_total: int, seed_value: int = 14) -> Report:
    names = harvest_fields()
    targets = api_targets(app)
    per_target = max(1, math.ceil(cases_total / len(targets)))
    report = Report()
    catcher = _LastError()
    logger = logging.getLogger("storefront")
    for name in ("storefront", "storefront.errors"):  # alembic's fileConfig disabled them
        logging.getLogger(name).disabled = False
    logger.setLevel(logging.ERROR)
    logger.propagate = False  # the report shows the tracebacks; keep the console quiet
    logger.addHandler(catcher)
    client = app.test_client()
    started = time.perf_counter()
    try:
        for index, (rule, method) in enumerate(targets):
            test = _fuzz_target(
                client, catcher, report, cases(rule, method, names, world), f"{method} {rule.rule}"
            )
            test = settings(
                max_examples=per_target,
                database=None,
                deadline=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )(test)
            seed(seed_value * 1000 + index)(test)()
    finally:
        logger.removeHandler(catcher)
    report.seconds = time.perf_counter() - started
    return report


def _show(case: dict[str, Any]) -> str:
    body = case["body"]
    shown = body if body is None or len(body) <= 300 else body[:300] + b"..."
    query = f"?{case['query']}" if case["query"] else ""
    return f"{case['method']} {case['path']}{query} headers={case['headers']} body={shown!r}"


def print_report(report: Report) -> None:
    print(f"{'cases':>7}  endpoint")
    for label, count in sorted(report.per_endpoint.items()):
        print(f"{count:>7}  {label}")
    print(
        f"{report.total:>7}  total in {report.seconds:.1f} s "
        f"({report.total / max(report.seconds, 1e-9):.0f} cases/s)"
    )
    histogram = ", ".join(f"{s}: {n}" for s, n in sorted(report.statuses.items()))
    print(f"status codes: {histogram}")
    five = sum(n for s, n in report.statuses.items() if s >= 500)
    print(f"5xx answers: {five} ({len(report.failures)} distinct)")
    for key, (trace, case) in sorted(report.failures.items()):
        print(f"\n--- {key}\n    {_show(case)}")
        print("    " + "\n    ".join(trace.strip().splitlines()[-6:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="total, over all endpoints")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--limits", action="store_true", help="keep Flask-Limiter's limits on")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # the app logs every 5xx; the report shows them

    from storefront.cloud.sandbox.testing import start_sandbox_thread

    sandbox = start_sandbox_thread()
    try:
        app = build_app(Path(tempfile.mkdtemp(prefix="sf-fuzz-")), sandbox.url, args.limits)
        world = prepare(app)
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the sandbox's access log
        report = run_fuzz(app, world, args.cases, args.seed)
    finally:
        sandbox.stop()
    print_report(report)
    sys.exit(1 if report.failures else 0)


if __name__ == "__main__":
    main()
