"""Which area may import which, checked on the source (issue #15, like test_code_shape).

Billing sits below the areas that act on money moving: it tells them through its signals
(:mod:`storefront.billing.events`), which ``webhooks`` and ``notifications`` subscribe to when
they register. An import of theirs in billing would bring the cycle back.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "storefront"

# area: the areas above it that it must not import
BELOW = {"billing": ("notifications", "webhooks")}


def imported_modules(tree: ast.AST) -> set[str]:
    """Every module a file imports, at the top or inside a function, and every dotted
    ``storefront.…`` name it hands to ``importlib`` as a string."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith("storefront.")
            and " " not in node.value
        ):
            found.add(node.value)
    return found


def upward_imports(area: str, above: tuple[str, ...]) -> list[str]:
    offenders = []
    for path in sorted((PACKAGE / area).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for module in sorted(imported_modules(tree)):
            if any(
                module == f"storefront.{a}" or module.startswith(f"storefront.{a}.") for a in above
            ):
                offenders.append(f"{path.relative_to(PACKAGE).as_posix()}: {module}")
    return offenders


def test_billing_imports_nothing_from_the_areas_that_subscribe_to_it() -> None:
    for area, above in BELOW.items():
        assert upward_imports(area, above) == [], f"{area} must not import {', '.join(above)}"


def test_the_check_sees_a_function_local_import() -> None:
    tree = ast.parse("def f():\n    from storefront.webhooks import emit\n    emit()\n")
    assert "storefront.webhooks.emit" in imported_modules(tree)
    tree = ast.parse("from storefront import webhooks\n")
    assert "storefront.webhooks" in imported_modules(tree)
