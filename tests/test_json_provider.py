"""The app's JSON (``app.json``: orjson through Flask's public provider interface) reads and
writes what Flask's own provider does."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, jsonify
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup


@dataclasses.dataclass
class Point:
    x: int
    label: str


VALUE = {
    "z": [1, 2.5, None, True],
    "a": {"when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "price": Decimal("12.30")},
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "point": Point(1, "一"),
    "html": Markup("<b>x</b>"),
    "text": "华北-北京四",
}


def test_answers_read_like_flasks_own(app: Flask) -> None:
    with app.test_request_context("/"):
        ours = jsonify(VALUE)
        flasks = DefaultJSONProvider(app).response(VALUE)
        assert ours.mimetype == "application/json" and ours.status_code == 200
        assert json.loads(ours.get_data()) == json.loads(flasks.get_data())
        body = ours.get_data()
        assert "华北-北京四".encode() in body  # UTF-8, not \\u escapes
        assert body.index(b'"a"') < body.index(b'"z"')  # keys sorted, as Flask sorts them
        assert app.json.loads(app.json.dumps(VALUE)) == json.loads(flasks.get_data())


def test_jsonify_argument_forms(app: Flask) -> None:
    with app.test_request_context("/"):
        assert jsonify(1, 2).get_json() == [1, 2]
        assert jsonify(a=1).get_json() == {"a": 1}
        assert jsonify().get_json() is None
        assert jsonify([3]).get_json() == [3]


def test_what_orjson_refuses_goes_through_flask(app: Flask) -> None:
    huge: dict[str, Any] = {"n": 2**70}
    with app.test_request_context("/"):
        assert jsonify(huge).get_json() == huge
        assert json.loads(app.json.dumps(huge)) == huge
        assert app.json.dumps({"b": 1, "a": 2}, indent=2) == '{\n  "a": 2,\n  "b": 1\n}'


def test_a_debug_app_indents_for_people(app: Flask) -> None:
    app.debug = True
    try:
        with app.test_request_context("/"):
            assert jsonify({"a": 1}).get_data() == b'{\n  "a": 1\n}\n'
    finally:
        app.debug = False
