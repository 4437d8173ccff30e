"""The ``id`` URL converter: every integer id in a route path (``/orders/<id:order_id>``).

Werkzeug's ``int`` converter matches any run of digits, so ``/orders/99999999999999999999``
reached the view and the database, where an id beyond a signed 64-bit integer overflowed the
driver (a 500). Every table's primary key is a signed 64-bit integer at most and starts at 1,
so a path id outside ``1..2**63-1`` can name nothing: ``id`` does not match it and the answer
is the ordinary ``404``, before any view, decorator or query runs.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**63 - 1


def _at_most(bound: int) -> str:
    """A regular expression for the decimal numbers ``1..bound`` without leading zeros.

    The bound is in the pattern itself, not only checked after the match: werkzeug answers
    ``405`` rather than ``404`` when a path matched one rule's pattern for another method and
    this rule's converter then refused the value.
    """
    digits = str(bound)
    shorter = f"[1-9][0-9]{{0,{len(digits) - 2}}}" if len(digits) > 1 else ""
    same_length = [digits]
    for i, digit in enumerate(digits):
        low = "1" if i == 0 else "0"
        if int(digit) > int(low):
            rest = len(digits) - i - 1
            tail = f"[0-9]{{{rest}}}" if rest else ""
            same_length.append(f"{digits[:i]}[{low}-{int(digit) - 1}]{tail}")
    return "(?:" + "|".join(([shorter] if shorter else []) + same_length) + ")"


class IdConverter(IntegerConverter):
    """A positive integer id that fits a signed 64-bit column; anything else does not match."""

    regex = _at_most(MAX_ID)

    def __init__(self, url_map: Map, fixed_digits: int = 0) -> None:
        super().__init__(url_map, fixed_digits, min=1, max=MAX_ID)


def register(app: Flask) -> None:
    """Add the converter; call before any blueprint with ``<id:…>`` routes is registered."""
    app.url_map.converters["id"] = IdConverter


def parse_id(raw: str | None) -> int | None:
    """An id from a form or query string: ASCII digits naming ``1..MAX_ID``, else ``None``.

    ``str.isdigit()`` alone is not enough: it accepts ``²`` and ``١٢``, which ``int()`` then
    refuses (a 500), and any number of digits (an overflow in the database driver)."""
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None
