"""The billing area's pages: the wallet side and the orders side register separately."""

from __future__ import annotations

import importlib
import importlib.util

from flask import Flask

PARTS = ("wallet_views", "order_views", "dashboard_views")


def register(app: Flask) -> None:
    for part in PARTS:
        name = f"{__package__}.{part}"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).register(app)
