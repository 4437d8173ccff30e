"""The house rules a newcomer relies on, checked on the source (issue #15).

- no module over 500 lines and no function over 80, outside migrations;
- the store filter is lifted (``all_stores=True``, ``across_stores``, ``all_stores()``) only in
  CLI commands and background jobs; elsewhere :func:`storefront.stores.tenancy.in_store`;
- one clock (:func:`storefront.clock.utcnow`) and one ``INSERT … ON CONFLICT`` helper
  (:mod:`storefront.sql`): no copies.

``SHRINKING`` lists what is still being split: an entry that no longer offends fails the test
too, so the list only ever gets shorter.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "storefront"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80

# Where lifting the store filter is the point: commands and jobs that act for every store.
CROSS_STORE_FILES = re.compile(
    r"(^|/)(cli|jobs|worker|housekeeping|reconcile)\.py$|^stores/tenancy\.py$"
)
CROSS_STORE = re.compile(r"all_stores=True|\bacross_stores\(|\ball_stores\(\)")

# Modules and functions still over the limits (path, or "path:function").
SHRINKING: set[str] = {
    "accounts/services.py",
    "accounts/views.py",
    "console_bridge/services.py:redeem_link",
}

# Files that still lift the store filter, or keep their own clock or INSERT … ON CONFLICT.
CROSS_STORE_SHRINKING: set[str] = {
    "accounts/bootstrap.py",
    "billing/topup.py",
    "mail.py",
    "stores/urls.py",
    "uploads.py",
}
CLOCK_SHRINKING: set[str] = {
    "console_bridge/services.py",
}


def sources() -> list[tuple[str, str]]:
    return [
        (path.relative_to(PACKAGE).as_posix(), path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.parts
    ]


def size_offenders() -> set[str]:
    found = set()
    for name, text in sources():
        if text.count("\n") > MAX_MODULE_LINES:
            found.add(name)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                    found.add(f"{name}:{node.name}")
    return found


def test_modules_and_functions_stay_small() -> None:
    found = size_offenders()
    assert sorted(found - SHRINKING) == [], "over the size limits; split along the sections"
    assert sorted(SHRINKING - found) == [], "split already: remove from SHRINKING"


def test_store_filter_is_lifted_only_in_commands_and_jobs() -> None:
    found = [
        f"{name}:{number}: {line.strip()}"
        for name, text in sources()
        if not CROSS_STORE_FILES.search(name) and name.split("/")[0] != "cloud"
        for number, line in enumerate(text.splitlines(), 1)
        if CROSS_STORE.search(line)
    ]
    files = {line.split(":")[0] for line in found}
    assert [f for f in found if f.split(":")[0] not in CROSS_STORE_SHRINKING] == [], (
        "use tenancy.in_store(stmt, store_id) outside CLI commands and jobs"
    )
    assert sorted(CROSS_STORE_SHRINKING - files) == [], "done: remove from CROSS_STORE_SHRINKING"


def test_one_clock_and_one_insert_ignore() -> None:
    found = [
        f"{name}:{number}: {line.strip()}"
        for name, text in sources()
        if name not in {"clock.py", "sql.py"} and not name.startswith("cloud/sandbox/")
        for number, line in enumerate(text.splitlines(), 1)
        if re.search(r"def _?utcnow\b|datetime\.utcnow\(|on_conflict_do_nothing\(", line)
    ]
    files = {line.split(":")[0] for line in found}
    assert [f for f in found if f.split(":")[0] not in CLOCK_SHRINKING] == [], (
        "call storefront.clock.utcnow and storefront.sql.insert_ignore"
    )
    assert sorted(CLOCK_SHRINKING - files) == [], "done: remove from CLOCK_SHRINKING"
