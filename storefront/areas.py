"""The product's areas and the optional hook modules each may provide.

An area ``X`` may have ``storefront/X/views.py`` with ``register(app)`` (blueprints, navigation),
``storefront/X/cli.py`` with ``register(group)`` (``flask storefront …`` commands) and
``storefront/X/seed.py`` with ``seed_demo()`` (demo data, idempotent) and
``storefront/X/jobs.py`` with ``register(jobs)`` (the background job kinds it enqueues and their
handlers, :class:`storefront.billing.worker.JobRegistry`). API endpoint modules live in
``storefront/api/`` and attach to its blueprint on import.

``housekeeping`` comes last: not a product area but work across them (the purges), which may
import any area and which no area imports.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

AREAS = (
    "stores",
    "accounts",
    "catalog",
    "billing",
    "console_bridge",
    "backoffice",
    "partners",
    "servers",
    "tickets",
    "payments",
    "notifications",
    "housekeeping",
)


def hooks(kind: str) -> list[ModuleType]:
    """Each area's ``storefront.<area>.<kind>`` module, in area order, where it exists."""
    found = []
    for area in AREAS:
        if importlib.util.find_spec(f"storefront.{area}") is None:
            continue  # the area has not landed yet
        name = f"storefront.{area}.{kind}"
        if importlib.util.find_spec(name) is not None:
            found.append(importlib.import_module(name))
    return found
