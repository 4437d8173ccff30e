"""The sandbox's wire-protocol routes: one module per provider area, each with a ``bp``
(and optionally an unsigned ``control_bp`` for tests). New modules are found automatically."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def modules() -> list[ModuleType]:
    return [
        importlib.import_module(f"{__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)
    ]
