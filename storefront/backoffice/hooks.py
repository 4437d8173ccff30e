"""Optional hooks other areas register in ``app.extensions`` (billing, mainly).

Every hook is optional: without it the back office shows a neutral value ("0.00", 0, none)
and says the area is not installed.

- ``storefront.balance``: ``(customer) -> Decimal``
- ``storefront.balance_filter``: ``(select_stmt, positive: bool) -> select_stmt`` keeping
  customers with (True) or without (False) a positive balance
- ``storefront.orders_count``: ``(customer) -> int``
- ``storefront.recent_orders``: ``(customer, limit) -> list[dict]``
  (id, status, total, currency, created_at)
- ``storefront.wallet_entries``: ``(customer, limit) -> list[dict]``
  (created_at, amount, balance, note)
- ``storefront.claims_pending``: ``(store) -> int``
- ``storefront.low_balances``: ``(store, limit) -> list[tuple[Customer, Decimal]]``
- ``storefront.sales_series``: ``(store, days) -> list[dict]``
  (date ``YYYY-MM-DD``, sales, margin: Decimal)
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import current_app

BALANCE = "storefront.balance"
BALANCE_FILTER = "storefront.balance_filter"
ORDERS_COUNT = "storefront.orders_count"
RECENT_ORDERS = "storefront.recent_orders"
WALLET_ENTRIES = "storefront.wallet_entries"
CLAIMS_PENDING = "storefront.claims_pending"
LOW_BALANCES = "storefront.low_balances"
SALES_SERIES = "storefront.sales_series"


def hook(name: str) -> Callable[..., Any] | None:
    found: Callable[..., Any] | None = current_app.extensions.get(name)
    return found


def available(name: str) -> bool:
    return hook(name) is not None


def balance(customer: Any) -> Decimal:
    fn = hook(BALANCE)
    return Decimal(fn(customer)).quantize(Decimal("0.01")) if fn else Decimal("0.00")


def orders_count(customer: Any) -> int:
    fn = hook(ORDERS_COUNT)
    return int(fn(customer)) if fn else 0


def recent_orders(customer: Any, limit: int = 10) -> list[dict[str, Any]]:
    fn = hook(RECENT_ORDERS)
    return list(fn(customer, limit)) if fn else []


def wallet_entries(customer: Any, limit: int = 10) -> list[dict[str, Any]]:
    fn = hook(WALLET_ENTRIES)
    return list(fn(customer, limit)) if fn else []


def claims_pending(store: Any) -> int | None:
    fn = hook(CLAIMS_PENDING)
    return int(fn(store)) if fn else None


def low_balances(store: Any, limit: int = 10) -> list[tuple[Any, Decimal]] | None:
    fn = hook(LOW_BALANCES)
    return list(fn(store, limit)) if fn else None


def sales_series(store: Any, days: int = 30) -> list[dict[str, Any]] | None:
    fn = hook(SALES_SERIES)
    return list(fn(store, days)) if fn else None
