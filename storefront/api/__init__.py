"""JSON API v1: thin views that parse, call the domain services and render."""

from __future__ import annotations

import importlib
import pkgutil

from flask import Blueprint, Flask, jsonify
from flask.typing import ResponseReturnValue

from storefront.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def healthz() -> ResponseReturnValue:
    """Liveness without touching the database or the upstream."""
    return jsonify(status="ok")


def register(app: Flask) -> None:
    # Importing the endpoint modules (every other module in this package) attaches their routes;
    # they import ``bp`` from here, so they are found by name, not imported at the top.
    endpoints = {
        module.name: importlib.import_module(f"{__name__}.{module.name}")
        for module in pkgutil.iter_modules(__path__)
        if module.name != "errors"
    }
    csrf.exempt(bp)  # bearer-token API: no cookies, so no CSRF
    app.register_blueprint(bp)
    app.add_url_rule("/healthz", "healthz", healthz)
    endpoints["openapi_doc"].register_docs(app)  # /api/docs: the rendered OpenAPI document
