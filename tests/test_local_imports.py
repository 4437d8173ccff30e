"""Imports at the top, and no import cycles (issue #15).

A function-local import hides a dependency from the reader and usually a cycle. The few left
are listed in ``LAZY`` with the reason: a heavy optional library a process rarely needs
(import time and RSS measured at load average 7.7: the eight Huawei service SDKs
~3.2 s and ~63 MB together, WeasyPrint ~2.1 s and ~32 MB, the Huawei SDK core ~700 modules); or
another lane's module. ``if TYPE_CHECKING:`` blocks are not imports at run time.
An entry that no longer matches fails the test too.
"""

from __future__ import annotations

import ast
from fnmatch import fnmatch
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "storefront"

# (file pattern, imported module prefix): why it is imported where it is used
LAZY = {
    ("cloud/huawei/*.py", "huaweicloudsdk"): "a service SDK, heavy; a process uses few",
    ("cloud/__init__.py", "storefront.cloud.huawei"): "the Huawei SDK core, heavy",
    ("__init__.py", "storefront.app"): "create_app on first use: importing one module of the "
    "package (the sandbox: 62 MB, not 144 MB) does not load every area",
    ("statements/exports.py", "weasyprint"): "heavy; only a PDF statement needs it",
    ("qr.py", "qrcode"): "loads Pillow (~120 ms); only the two-factor enrolment and the QR "
    "payment pages draw a code",
    ("cloud/obs.py", "obs"): "the OBS SDK (~150 ms to import); only a real-name submission "
    "with attachments needs it",
    ("cloud/sandbox/console_auth.py", "storefront.cloud.sandbox.console_sp"): "pysaml2 (the "
    "sandbox's SP): a sandbox, one in each test process, rarely sees a console sign-in",
    ("console_bridge/views.py", "storefront.console_bridge.idp"): "pysaml2 loads its XML "
    "schemas at import (~0.5 s a process); only a console sign-in or the IdP metadata needs it",
    ("catalog/price_sync.py", "storefront.catalog.sync"): "another lane's module: sync imports "
    "price_sync at the top; the constants it takes back belong in a module of their own",
}


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found.update(id(inner) for inner in ast.walk(node))
    return found


def _module_of(node: ast.Import | ast.ImportFrom) -> str:
    if isinstance(node, ast.ImportFrom):
        return ("." * node.level) + (node.module or "")
    return node.names[0].name


def local_imports() -> list[tuple[str, int, str]]:
    """``(file, line, module)`` of every import inside a function, outside TYPE_CHECKING."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        name = path.relative_to(PACKAGE).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_nodes(tree)
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skip:
                    found.append((name, node.lineno, _module_of(node)))
    return sorted(set(found))


def _allowed(name: str, module: str) -> tuple[str, str] | None:
    return next(
        (key for key in LAZY if fnmatch(name, key[0]) and module.startswith(key[1])), None
    )


def test_imports_are_at_the_top() -> None:
    found = local_imports()
    assert [f"{n}:{line}: {m}" for n, line, m in found if _allowed(n, m) is None] == [], (
        "import at the module's top; a cycle is broken by moving what both need, not by "
        "importing inside a function"
    )
    used = {_allowed(n, m) for n, _, m in found}
    assert sorted(set(LAZY) - used) == [], "no longer imported lazily: remove it"


def module_imports() -> dict[str, set[str]]:
    """Each module's run-time imports of other storefront modules, at the module's top."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" not in path.parts:
            dotted = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
            modules[dotted.removesuffix(".__init__")] = path
    graph: dict[str, set[str]] = {}
    for dotted, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets: set[str] = set()
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    targets.add(full if full in modules else node.module)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
        graph[dotted] = {t for t in targets if t in modules and t != dotted}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    assert cycles(module_imports()) == []


def test_the_checks_see_a_local_import_and_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert any(m == "storefront.cloud.huawei" for _, _, m in local_imports())
