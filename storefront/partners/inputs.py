"""Amounts and dates as partner forms and services accept them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from storefront.partners.errors import PartnersError

CENT = Decimal("0.01")
MAX_ALLOCATION = Decimal("10000000")


def parse_amount(raw: Any) -> Decimal:
    try:
        amount = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise PartnersError(_l("Enter an amount such as 1000.00."), "amount") from None
    if not amount.is_finite() or amount <= 0:
        raise PartnersError(_l("Enter an amount above zero with at most 2 decimals."), "amount")
    if amount > MAX_ALLOCATION:  # first: a huge value cannot be quantized (InvalidOperation)
        raise PartnersError(_l("That amount is too large for one allocation."), "amount")
    if amount != amount.quantize(CENT):
        raise PartnersError(_l("Enter an amount above zero with at most 2 decimals."), "amount")
    return amount


def parse_date(raw: Any, field: str) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise PartnersError(_l("Enter a date as YYYY-MM-DD."), field) from None
