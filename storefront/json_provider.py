"""Flask's JSON, encoded and decoded by orjson.

The output is what Flask's :class:`~flask.json.provider.DefaultJSONProvider` gives (sorted
keys, compact, dates as HTTP dates, ``Decimal``/``UUID`` as strings, dataclasses as objects,
``__html__`` objects as their markup), with two differences a JSON parser does not see:
non-ASCII text is written as UTF-8 rather than ``\\uXXXX`` escapes, and numbers too large for
64 bits are read as floats. A call with extra options (``separators=``, ``cls=``…), a debug
app's indented output and anything orjson refuses go through Flask's own provider.

Why a library: every API answer and request body goes through here; orjson parses and
writes JSON several times faster than the standard library, which the quote API measures.

:data:`COLUMN_OPTIONS` does the same for the database's JSON columns (the engines' serializer).
"""

from __future__ import annotations

import dataclasses
import decimal
import uuid
from datetime import date
from typing import Any

import orjson
from flask import Flask
from flask.json.provider import DefaultJSONProvider, JSONProvider
from werkzeug.http import http_date
from werkzeug.sansio.response import Response

_OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
)


def _default(o: Any) -> Any:
    """Flask's conversions for what JSON has no type for."""
    if isinstance(o, date):
        return http_date(o)
    if isinstance(o, decimal.Decimal | uuid.UUID):
        return str(o)
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


class OrjsonProvider(JSONProvider):
    """Flask's JSON provider interface (``app.json``), implemented with orjson.

    Flask's :class:`DefaultJSONProvider` (kept as :attr:`fallback`) answers what orjson does
    not: calls with extra options, a debug app's indented responses, values orjson refuses.
    """

    mimetype = "application/json"

    def __init__(self, app: Flask) -> None:
        super().__init__(app)
        self.app = app
        self.fallback = DefaultJSONProvider(app)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        encoded = None if kwargs else _encode(obj)
        return self.fallback.dumps(obj, **kwargs) if encoded is None else encoded.decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return self.fallback.loads(s, **kwargs) if kwargs else orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """What :func:`flask.jsonify` returns: one positional argument as it is, several as a
        list, keyword arguments as an object (not both), nothing as ``null``."""
        if args and kwargs:
            raise TypeError("app.json.response() takes either args or kwargs, not both")
        if self.app.debug:
            return self.fallback.response(*args, **kwargs)  # indented for people
        obj = (args[0] if len(args) == 1 else list(args)) if args else (kwargs or None)
        encoded = _encode(obj)
        if encoded is None:
            return self.fallback.response(*args, **kwargs)
        return self.app.response_class(encoded + b"\n", mimetype=self.mimetype)


def _encode(obj: Any) -> bytes | None:
    try:
        return orjson.dumps(obj, default=_default, option=_OPTIONS)
    except orjson.JSONEncodeError:  # e.g. an int beyond 64 bits: Flask's way decides
        return None


def _column_dumps(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


# Engine options: JSON columns written and read by orjson (compact, UTF-8; what the standard
# library gave, without its spaces and \uXXXX escapes; both read back the same). A quote's
# lines are one such column, written on every quote.
COLUMN_OPTIONS: dict[str, Any] = {
    "json_serializer": _column_dumps,
    "json_deserializer": orjson.loads,
}
