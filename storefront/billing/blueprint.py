"""The billing area's one page blueprint, ``billing``, shared by the wallet and orders pages.

``wallet_views`` and ``order_views`` both attach routes to :data:`bp`; :func:`register_once`
imports every route module first (Flask refuses routes added to a blueprint after its first
registration) and registers the blueprint on an app only if it is not registered yet, so either
part may call it, in any order, any number of times.
"""

from __future__ import annotations

import importlib
import importlib.util

from flask import Blueprint, Flask

bp = Blueprint("billing", __name__)

ROUTE_MODULES = (
    "storefront.billing.wallet_views",
    "storefront.billing.staff_money_views",
    "storefront.billing.order_views",
    "storefront.billing.topup_views",
)


def register_once(app: Flask) -> None:
    for name in ROUTE_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
    if app.blueprints.get(bp.name) is not bp:
        app.register_blueprint(bp)
