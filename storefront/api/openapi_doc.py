"""``GET /api/v1/openapi.json`` and ``/api/docs``: the API's OpenAPI 3.1 description.

The document is kept beside the code, one YAML file per API module under
``storefront/api/openapi/`` (``_base.yaml`` holds the frame and the shared schemas), written in
a compact form this module expands to plain OpenAPI once per process:

- ``auth: none|customer|staff|optional`` becomes ``security``;
- ``body:`` a schema (or a schema's name) becomes a required JSON ``requestBody``;
- ``query:`` ``name: schema`` pairs become query parameters;
- ``answers:`` ``status: schema | name | {list: schema | name} | null`` become ``responses``;
- ``idempotent: true`` adds the ``Idempotency-Key`` header; ``permission`` is noted;
- every operation gets the contract's error answer (``default``), an ``operationId`` (the Flask
  endpoint) and a tag (its file), and its path parameters typed from the URL map's converters.

Written by hand rather than generated from the views: the views parse bodies by hand, so what a
generator could see is only the routes; the test (``tests/api/test_openapi.py``) holds the two
together and names whatever route is missing on either side.
"""

from __future__ import annotations

import copy
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import Flask, current_app, jsonify, render_template
from flask.typing import ResponseReturnValue

from storefront.api import bp
from storefront.routing import MAX_ID

SPEC_DIR = Path(__file__).with_name("openapi")
PREFIX = "/api/v1"
METHODS = ("get", "put", "post", "delete", "patch")
SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "none": [],
    "customer": [{"customer": []}],
    "staff": [{"staff": []}],
}
COMPACT = ("auth", "body", "query", "answers", "idempotent", "permission")


def _ref(schema: Any) -> Any:
    """A schema, or the name of one in ``components.schemas``."""
    if isinstance(schema, str):
        return {"$ref": f"#/components/schemas/{schema}"}
    if isinstance(schema, dict) and "list" in schema:
        return {
            "type": "object",
            "required": ["items"],
            "properties": {
                "items": {"type": "array", "items": _ref(schema["list"])},
                "next_cursor": {"$ref": "#/components/schemas/NextCursor"},
            },
        }
    return schema


def _json(schema: Any) -> dict[str, Any]:
    return {"application/json": {"schema": _ref(schema)}}


def expand(operation: dict[str, Any]) -> dict[str, Any]:
    """One operation in the compact form, as plain OpenAPI."""
    op = {k: v for k, v in operation.items() if k not in COMPACT}
    auth = operation.get("auth", "none")
    if auth == "optional":
        op["security"] = [{}, {"customer": []}]
    else:
        op["security"] = SECURITY[auth]
    params = list(op.get("parameters", []))
    for name, schema in (operation.get("query") or {}).items():
        params.append({"name": name, "in": "query", "required": False, "schema": schema})
    if operation.get("idempotent"):
        params.append({"$ref": "#/components/parameters/IdempotencyKey"})
    if params:
        op["parameters"] = params
    if "body" in operation:
        op["requestBody"] = {"required": True, "content": _json(operation["body"])}
    if operation.get("permission"):
        note = f"Staff permission: `{operation['permission']}`."
        op["description"] = f"{op.get('description', '')}\n\n{note}".strip()
        op["x-permission"] = operation["permission"]
    responses = dict(op.get("responses", {}))
    for status, schema in (operation.get("answers") or {}).items():
        answer: dict[str, Any] = {"description": op.get("summary", "OK")}
        if schema is not None:
            answer["content"] = _json(schema)
        responses[str(status)] = answer
    responses.setdefault("default", {"$ref": "#/components/responses/Error"})
    op["responses"] = responses
    return op


@cache
def _sources() -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """``_base.yaml`` and the compact paths of every other file, by file name."""
    base = yaml.safe_load((SPEC_DIR / "_base.yaml").read_text(encoding="utf-8"))
    files = {}
    for path in sorted(SPEC_DIR.glob("*.yaml")):
        if path.name != "_base.yaml":
            files[path.stem] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return base, files


def flask_path(path: str) -> str:
    """``/orders/{order_id}`` → ``/api/v1/orders/<order_id>`` (converters aside)."""
    return PREFIX + re.sub(r"\{(\w+)\}", r"<\1>", path)


def rule_path(rule: str) -> str:
    """A Flask rule without converters: ``/api/v1/orders/<id:order_id>`` → ``…/<order_id>``."""
    return re.sub(r"<(?:[^:<>]+:)?(\w+)>", r"<\1>", rule)


def _converters(app: Flask) -> dict[tuple[str, str], str]:
    """``(rule without converters, parameter) → converter name`` for the API's rules."""
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX):
            for conv, _args, name in _parse(rule.rule):
                found[(rule_path(rule.rule), name)] = conv
    return found


def _parse(rule: str) -> list[tuple[str, str, str]]:
    return [
        (m.group(1) or "default", "", m.group(2))
        for m in re.finditer(r"<(?:([^:<>()]+)(?:\([^)]*\))?:)?(\w+)>", rule)
    ]


def _path_parameter(name: str, converter: str) -> dict[str, Any]:
    if converter == "id":
        schema: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    else:
        schema = {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _endpoints(app: Flask) -> dict[tuple[str, str], str]:
    return {
        (rule_path(rule.rule), method.lower()): rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX)
        for method in rule.methods or ()
    }


def build_document(app: Flask) -> dict[str, Any]:
    """The whole OpenAPI document (plain 3.1), from the YAML files and the URL map."""
    base, files = _sources()
    doc = copy.deepcopy(base)
    converters, endpoints = _converters(app), _endpoints(app)
    doc["tags"] = [{"name": tag} for tag in files]
    paths: dict[str, Any] = {}
    for tag, entries in files.items():
        for path, item in entries.items():
            out = paths.setdefault(path, {})
            names = re.findall(r"\{(\w+)\}", path)
            if names:
                out["parameters"] = [
                    _path_parameter(n, converters.get((flask_path(path), n), "default"))
                    for n in names
                ]
            for method, operation in item.items():
                op = expand(copy.deepcopy(operation))
                op.setdefault("tags", [tag])
                endpoint = endpoints.get((flask_path(path), method))
                op.setdefault("operationId", (endpoint or f"{method}_{path}").replace("api.", ""))
                out[method] = op
    doc["paths"] = dict(sorted(paths.items()))
    return doc


def document() -> dict[str, Any]:
    """The current app's document, built once per app."""
    cached: dict[str, Any] | None = current_app.extensions.get("openapi_document")
    if cached is None:
        cached = build_document(current_app)
        current_app.extensions["openapi_document"] = cached
    return cached


@bp.get("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    return jsonify(document())


def api_docs() -> ResponseReturnValue:
    """The rendered reference: a page built from the document itself (no script, no CDN)."""
    doc = document()
    operations: dict[str, list[dict[str, Any]]] = {}
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                op = item[method]
                operations.setdefault(op["tags"][0], []).append(
                    {
                        "method": method.upper(),
                        "path": PREFIX + path,
                        "op": op,
                        "params": item.get("parameters", []) + op.get("parameters", []),
                    }
                )
    return render_template("api/docs.html", doc=doc, operations=operations)


def register_docs(app: Flask) -> None:
    app.add_url_rule("/api/docs", "api_docs", api_docs)
