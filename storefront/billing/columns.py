"""Column types every billing table shares: money and string-valued enums."""

from __future__ import annotations

import enum

from sqlalchemy import Enum, Numeric

MONEY = Numeric(18, 2, asdecimal=True)


def enum_column(cls: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: stored as the members' values in a ``VARCHAR(32)``."""
    return Enum(
        cls, name=name, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e]
    )
