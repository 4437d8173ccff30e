"""The house rules a newcomer relies on, checked on the source (issue #15).

- no module over 500 lines and no function over 80, outside migrations;
- the store filter is lifted (``all_stores=True``, ``across_stores``, ``all_stores()``) only in
  CLI commands and background jobs; elsewhere :func:`storefront.stores.tenancy.in_store`;
- one clock (:func:`storefront.clock.utcnow`) and one ``INSERT … ON CONFLICT`` helper
  (:mod:`storefront.sql`): no copies.

``CROSS_STORE_EXCEPTIONS`` names the one place outside commands and jobs that needs every
store's rows, with the reason; an entry that no longer applies fails the test too.
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

# The one statement outside commands and jobs that reads every store's rows, and why.
CROSS_STORE_EXCEPTIONS = {
    "billing/topup.py": "a gateway's notification for a store without its own domain arrives on "
    "the public URL: the top-up's reference is looked up in every store",
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
    assert sorted(size_offenders()) == [], "over the size limits; split along the sections"


def test_store_filter_is_lifted_only_in_commands_and_jobs() -> None:
    found = [
        f"{name}:{number}: {line.strip()}"
        for name, text in sources()
        if not CROSS_STORE_FILES.search(name) and name.split("/")[0] != "cloud"
        for number, line in enumerate(text.splitlines(), 1)
        if CROSS_STORE.search(line)
    ]
    files = {line.split(":")[0] for line in found}
    assert [f for f in found if f.split(":")[0] not in CROSS_STORE_EXCEPTIONS] == [], (
        "use tenancy.in_store(stmt, store_id) outside CLI commands and jobs"
    )
    assert sorted(set(CROSS_STORE_EXCEPTIONS) - files) == [], "no longer needed: remove it"


def test_one_clock_and_one_insert_ignore() -> None:
    found = [
        f"{name}:{number}: {line.strip()}"
        for name, text in sources()
        if name not in {"clock.py", "sql.py"} and not name.startswith("cloud/sandbox/")
        for number, line in enumerate(text.splitlines(), 1)
        if re.search(r"def _?utcnow\b|datetime\.utcnow\(|on_conflict_do_nothing\(", line)
    ]
    assert found == [], "call storefront.clock.utcnow and storefront.sql.insert_ignore"


def nested_commands() -> list[str]:
    """Click commands defined inside another function (e.g. inside ``register``), where a
    reader of the module cannot find them and a test cannot import them."""
    found = []
    for name, text in sources():
        for outer in ast.walk(ast.parse(text)):
            if not isinstance(outer, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(outer):
                if inner is outer or not isinstance(inner, ast.FunctionDef):
                    continue
                if any("command" in ast.unparse(d) for d in inner.decorator_list):
                    found.append(f"{name}:{inner.lineno}: {inner.name}")
    return found


def test_cli_commands_are_defined_at_module_level() -> None:
    assert nested_commands() == [], "define commands at module level; register() adds them"
