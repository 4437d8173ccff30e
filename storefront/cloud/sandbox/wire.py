"""The provider's wire conventions: JSON with exact decimals, and its error body."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from flask import Response, request

_DEC = "\x00DEC:"
_DEC_RE = re.compile(r'"\\u0000DEC:(-?[0-9.]+)"')


class ApiError(Exception):
    """An error answered as ``{"error_code": ..., "error_msg": ...}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message = status, code, message


def bad_request(message: str, code: str = "CBC.0100") -> ApiError:
    return ApiError(400, code, message)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{_DEC}{value:f}"
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(payload: Any) -> str:
    """JSON where ``Decimal`` values are written as exact JSON numbers."""
    return _DEC_RE.sub(r"\1", json.dumps(payload, default=_default, ensure_ascii=False))


def respond(payload: Any, status: int = 200) -> Response:
    return Response(dumps(payload), status=status, mimetype="application/json")


def error(err: ApiError) -> Response:
    return respond({"error_code": err.code, "error_msg": err.message}, err.status)


def body() -> dict[str, Any]:
    """The request's JSON object (decimals kept exact) or a CBC.0100 error."""
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    try:
        data = json.loads(raw, parse_float=Decimal)
    except ValueError:
        raise bad_request("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise bad_request("The request body must be a JSON object.")
    return data


def field(data: dict[str, Any], name: str, kind: type, *, required: bool = False) -> Any:
    """One typed field of ``data`` (None when absent and optional)."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise bad_request(f"{name} is required.")
        return None
    if kind is int and isinstance(value, bool | float | Decimal | str):
        try:
            value = int(str(value))
        except ValueError:
            raise bad_request(f"{name} must be an integer.") from None
    if kind is Decimal and isinstance(value, int | float | str):
        try:
            value = Decimal(str(value))
        except ArithmeticError:
            raise bad_request(f"{name} must be a number.") from None
    if not isinstance(value, kind):
        raise bad_request(f"{name} must be of type {kind.__name__}.")
    return value
