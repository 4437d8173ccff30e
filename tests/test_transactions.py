"""Services flush, the edge commits (issue #15; :mod:`storefront.transactions`).

The edge is a view, an API handler, a CLI command or the job runner. Anything else that must
commit before its unit of work ends calls :func:`storefront.transactions.commit_step` with its
reason. ``COMMIT_EXCEPTIONS`` names the few other places, each with why; an entry that no
longer commits fails the test too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "storefront"

# views (``views.py``, ``*_views.py``), API handlers, CLI commands, the job runner
EDGE = re.compile(r"(^|/|_)views\.py$|^api/|(^|/)cli\.py$|^billing/worker\.py$")

COMMIT_EXCEPTIONS = {
    "transactions.py": "commit_step itself",
    "app.py": "the app factory's start-up: the owner account is created once, committed",
    "billing/idempotency.py": "run_once is an idempotent request's unit of work: the result "
    "commits with its key (a concurrent request with the key waits on that commit)",
    "catalog/quote_store.py": "a quote commits without waiting for the disk (synchronous_commit "
    "off), and one its request says is its only write is committed at once by the quote writer "
    "(one autocommit INSERT): the quote store's documented exception",
    "catalog/price_sync.py": "the price sync's completion mark; another lane owns it",
}


def commits_outside_the_edge() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if "migrations" in path.parts or EDGE.search(name):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "commit"
                and not node.args
            ):
                found.append(f"{name}:{node.lineno}")
    return found


def test_services_flush_and_the_edge_commits() -> None:
    found = commits_outside_the_edge()
    files = {line.split(":")[0] for line in found}
    assert [f for f in found if f.split(":")[0] not in COMMIT_EXCEPTIONS] == [], (
        "a service flushes; the view, API handler, CLI command or job runner commits. A step "
        "that must be kept before its unit of work ends: transactions.commit_step(why)"
    )
    assert sorted(set(COMMIT_EXCEPTIONS) - files) == [], "no longer commits: remove it"


def test_every_commit_step_says_why() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "commit_step"
            ):
                why = node.args[0] if node.args else None
                assert isinstance(why, ast.Constant) and len(str(why.value)) > 10, (
                    f"{path.name}:{node.lineno}: commit_step needs its reason"
                )
