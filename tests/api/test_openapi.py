"""The OpenAPI document (``GET /api/v1/openapi.json``) describes exactly the API's routes."""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from flask.testing import FlaskClient

from storefront.api.openapi_doc import METHODS, PREFIX, build_document, rule_path

IGNORED = {"head", "options"}


def routes_in_code(app: Flask) -> set[str]:
    return {
        f"{method} {rule_path(rule.rule)}"
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX + "/")
        for method in (m.lower() for m in rule.methods or ())
        if method not in IGNORED
    }


def routes_in_document(doc: dict[str, Any]) -> set[str]:
    return {
        f"{method} {PREFIX}{path.replace('{', '<').replace('}', '>')}"
        for path, item in doc["paths"].items()
        for method in METHODS
        if method in item
    }


def difference_report(app: Flask, doc: dict[str, Any]) -> str:
    code, documented = routes_in_code(app), routes_in_document(doc)
    lines = []
    for route in sorted(code - documented):
        method, path = route.split(" ", 1)
        short = path.removeprefix(PREFIX).replace("<", "{").replace(">", "}")
        endpoint = next(
            r.endpoint
            for r in app.url_map.iter_rules()
            if rule_path(r.rule) == path and method.upper() in (r.methods or ())
        )
        module = app.view_functions[endpoint].__module__.rsplit(".", 1)[-1]
        lines.append(
            f"undocumented: {method.upper()} {path} ({endpoint}): add to "
            f"storefront/api/openapi/{module}.yaml:\n  {short}:\n    {method}:\n"
            f"      summary: …\n      auth: customer|staff|none|optional\n"
            f"      answers: {{200: SchemaName}}"
        )
    for route in sorted(documented - code):
        lines.append(f"documented but no such route: {route.upper()}: remove it from the YAML")
    return "\n".join(lines)


def test_every_api_route_is_documented_and_nothing_else(app: Flask) -> None:
    doc = build_document(app)
    assert len(routes_in_code(app)) > 30
    report = difference_report(app, doc)
    assert not report, "The OpenAPI document and the URL map differ:\n" + report


def test_the_report_names_a_missing_route_and_a_stale_one(app: Flask) -> None:
    doc = build_document(app)
    doc["paths"]["/gone"] = {"get": {}}
    del doc["paths"]["/me"]["get"]
    report = difference_report(app, doc)
    assert "undocumented: GET /api/v1/me (api.me)" in report
    assert "storefront/api/openapi/accounts.yaml:\n  /me:\n    get:" in report
    assert "documented but no such route: GET /API/V1/GONE" in report


def test_the_document_is_valid_openapi_3_1_with_the_error_shape(api_client: FlaskClient) -> None:
    answer = api_client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    doc = answer.get_json()
    assert doc["openapi"] == "3.1.0"
    schema = schemathesis.openapi.from_dict(doc)
    operations = list(schema.get_all_operations())
    assert operations and all(op.ok() for op in operations)
    error = doc["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "fields"]
    order = doc["paths"]["/orders/{order_id}"]
    assert order["parameters"][0]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 2**63 - 1,
    }
    assert order["get"]["security"] == [{"customer": []}]
    assert order["get"]["responses"]["default"] == {"$ref": "#/components/responses/Error"}
    funds = doc["paths"]["/admin/customers/{customer_id}/funds"]["post"]
    assert {"$ref": "#/components/parameters/IdempotencyKey"} in funds["parameters"]
    assert funds["x-permission"] == "funds.manage"


def test_the_reference_page_lists_every_operation(api_client: FlaskClient) -> None:
    page = api_client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    doc = api_client.get("/api/v1/openapi.json").get_json()
    for path in doc["paths"]:
        assert f"{PREFIX}{path}" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assert "Add (positive) or take back (negative) funds" in html


def test_the_reference_page_in_chinese(api_client: FlaskClient) -> None:
    page = api_client.get("/api/docs", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200
    assert "请求体" in page.get_data(as_text=True)
