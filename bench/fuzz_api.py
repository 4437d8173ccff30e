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
import json
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
from urllib.parse import quote, urlencode

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402

PASSWORD = "fuzz horse battery 9"  # noqa: S105 (a throw-away database)
API_PREFIX = "/api/v1"
SOURCES = ("storefront/api/*.py", "storefront/catalog/services.py")
FIELD_PATTERNS = (
    r"""\.get\(\s*["']([A-Za-z_]\w*)["']""",
    r"""\[\s*["']([a-z_]\w*)["']\s*\]""",
    r"""\btext\(\s*data,\s*["']([a-z_]\w*)["']""",
    r"""_(?:bool|date)_arg\(\s*["']([a-z_]\w*)["']""",
)
EDGE_INTS = [0, -1, 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30, 10**4000]
EDGE_FLOATS = [0.5, -0.0, 1e308, -1e308, 1e-320, math.inf, -math.inf, math.nan]
EDGE_TEXT = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "00",
    "1.5",
    "1e3",
    "1e999",
    "-1e999",
    "NaN",
    "Infinity",
    "²",
    "١٢",
    "１２",
    "٣",
    "0x10",
    "9" * 19,
    "9" * 100,
    "a" * 10_000,
    "\x00",
    "\ud800",
    "null",
    "true",
    "' OR 1=1 --",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "%s%n",
    "é" * 300,
    "😀",
    "cn-north-4",
    "monthly",
    "on_demand",
    "yearly",
    "ecs",
    "s6.large.2.linux",
    "CNY",
    "10.00",
    "-10.00",
    "0.001",
    "1e2",
    "99999999999999999999.99",
    "customer@example.com",
    "ACCOUNT",
    "pending",
    "approved",
    "individual",
    "enterprise",
    "CN",
    "+8613800000000",
    "2026-01-01",
    "2026-13-45",
    "9999-12-31",
]
PATH_IDS = [
    "0",
    "-1",
    "1",
    "2",
    str(2**63 - 1),
    str(2**63),
    str(2**64),
    "9" * 100,
    "abc",
    "1.5",
    "1e3",
    "０",
    "²",
    "١",
    " 1",
    "1 ",
    "%",
    "0x1",
    "",
    "..",
    "null",
]
NUMBERISH = [  # for cursor, limit and the like: what str.isdigit() takes and int() does not
    *["²", "¹²", "１", "١٢", "٣", "0", "-1", "101", "1e3", " 1", "1 ", "+1", "1_0", "1.0"],
    *["9" * 18, "9" * 19, "9" * 100, "9" * 5000, str(2**63), "", "%", "abc", "true"],
]
DEEP = [10, 100, 1_000, 5_000, 50_000]


# --- the app and its objects --------------------------------------------------------------


@dataclass
class World:
    """What the fuzz knows about the app it attacks: real ids and tokens."""

    ids: dict[str, list[str]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    bodies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def bodies_for(self, path: str) -> list[dict[str, Any]]:
        """The valid bodies of this URL (of any URL if it has none): mutated, they get past
        the first checks to the code behind them."""
        return [b for end, b in self.bodies if path.endswith(end)] or [b for _, b in self.bodies]

    def token_for(self, path: str) -> str:
        return "owner" if "/admin/" in path else "customer"


def build_app(root: Path, sandbox_url: str, limits: bool = False) -> Flask:
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


# --- what a case is made of ---------------------------------------------------------------


def harvest_fields(root: Path = ROOT) -> list[str]:
    """Every field name the API code reads from a body or a query string."""
    names: set[str] = set()
    for pattern in SOURCES:
        for path in sorted(root.glob(pattern)):
            source = path.read_text(encoding="utf-8")
            for regex in FIELD_PATTERNS:
                names.update(re.findall(regex, source))
    return sorted(names - {"Authorization", "User-Agent", "Idempotency-Key"})


def json_values(names: list[str]) -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(EDGE_INTS),
        st.integers(),
        st.sampled_from(EDGE_FLOATS),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(EDGE_TEXT),
        st.text(max_size=40),
    )
    keys = st.sampled_from(names) | st.text(max_size=10)
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=12,
    )


@st.composite
def json_object(draw: Any, names: list[str], bodies: list[dict[str, Any]]) -> dict[str, Any]:
    values = json_values(names)
    if draw(st.booleans()):  # a valid body with a few fields changed, dropped or added
        body = dict(draw(st.sampled_from(bodies)))
        for _ in range(draw(st.integers(0, 3))):
            key = draw(st.sampled_from(sorted(body) or names))
            if draw(st.booleans()):
                body[key] = draw(values)
            else:
                body.pop(key, None)
        return body
    return draw(st.dictionaries(st.sampled_from(names), values, max_size=8))


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=draw_ascii(value)).encode("utf-8", "surrogatepass")


def draw_ascii(value: Any) -> bool:
    return len(repr(value)) % 2 == 0  # both escaped and raw unicode, deterministically


@st.composite
def bodies(
    draw: Any, names: list[str], valid: list[dict[str, Any]]
) -> tuple[bytes | None, str | None]:
    """(the raw body, its Content-Type) of one case."""
    kind = draw(
        st.sampled_from(
            ["none", "object", "object", "object", "value", "raw", "deep", "form", "lying"]
        )
    )
    json_type = "application/json"
    if kind == "none":
        return None, draw(st.sampled_from([None, json_type]))
    if kind == "object":
        return _dumps(draw(json_object(names, valid))), json_type
    if kind == "value":
        return _dumps(draw(json_values(names))), json_type
    if kind == "deep":
        depth = draw(st.sampled_from(DEEP))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        return (opener * depth + "1" + closer * depth).encode(), json_type
    if kind == "form":
        form = draw(st.dictionaries(st.sampled_from(names), st.sampled_from(EDGE_TEXT), max_size=5))
        return urlencode(form, errors="surrogatepass").encode(), "application/x-www-form-urlencoded"
    raw = draw(
        st.binary(max_size=200)
        | st.sampled_from(
            [
                b"{",
                b'{"amount":',
                b"[1,",
                b"\xff\xfe{}",
                b"1" * 5000,
                b'"' * 3,
                b'{"a":1,"a":2}',
                b"\x00",
                b"{}" * 1000,
                b"NaN",
                b"-Infinity",
            ]
        )
    )
    content_type = draw(
        st.sampled_from(
            [
                json_type,
                "application/json; charset=utf-16",
                "text/plain",
                "multipart/form-data",
                "application/xml",
                "application/json; charset=latin-1",
                "",
            ]
        )
    )
    if kind == "lying":
        raw = _dumps(draw(json_object(names, valid)))
    return raw, content_type or None


def latin1_text(max_size: int) -> st.SearchStrategy[str]:
    return st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=max_size)


@st.composite
def headers(draw: Any, world: World, path: str) -> dict[str, str]:
    who = (
        world.token_for(path)
        if draw(st.booleans())
        else draw(
            st.sampled_from(
                [
                    None,
                    "customer",
                    "customer",
                    "other",
                    "owner",
                    "owner",
                    "support",
                    "garbage",
                    "scheme",
                ]
            )
        )
    )
    out: dict[str, str] = {}
    if who in world.tokens:
        out["Authorization"] = f"Bearer {world.tokens[who]}"
    elif who == "garbage":
        out["Authorization"] = "Bearer " + draw(latin1_text(80))
    elif who == "scheme":
        out["Authorization"] = draw(
            st.sampled_from(
                ["Basic Zm9vOmJhcg==", "Bearer", "bearer  ", "sf_x", "Bearer sf_" + "A" * 5000]
            )
        )
    if draw(st.integers(0, 3)) == 0:
        out["Idempotency-Key"] = draw(
            st.sampled_from(["k1", "k2", "", " ", "x" * 300]) | latin1_text(40)
        )
    if draw(st.integers(0, 5)) == 0:
        out["Accept-Language"] = draw(
            st.sampled_from(["zh-CN", "en", "xx", "*", ";q=x"]) | latin1_text(30)
        )
    return out


def path_for(rule: Any, draw: Any, world: World) -> str:
    """The rule's URL with each argument replaced by an edge value or a real id."""
    path = rule.rule
    for name in rule.arguments:
        kind = next((k for k in world.ids if name.startswith(k)), "")
        real = world.ids.get(kind, []) + world.ids.get("quote", [])
        segment = draw(st.sampled_from(PATH_IDS + real + real) | st.text(min_size=1, max_size=60))
        path = re.sub(
            rf"<(?:[^:<>]+:)?{name}>", quote(segment, safe="", errors="surrogatepass"), path
        )
    return path


@st.composite
def cases(draw: Any, rule: Any, method: str, names: list[str], world: World) -> dict[str, Any]:
    body, content_type = draw(bodies(names, world.bodies_for(rule.rule)))
    query = draw(
        st.dictionaries(
            st.sampled_from(["cursor", "limit", "q", "status", "region"]) | st.sampled_from(names),
            st.sampled_from(NUMBERISH) | st.sampled_from(EDGE_TEXT) | st.text(max_size=30),
            max_size=4,
        )
    )
    head = draw(headers(world, rule.rule))
    if content_type:
        head["Content-Type"] = content_type
    return {
        "method": method,
        "path": path_for(rule, draw, world),
        "query": urlencode(query, encoding="utf-8", errors="surrogatepass"),
        "headers": head,
        "body": body,
    }


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
