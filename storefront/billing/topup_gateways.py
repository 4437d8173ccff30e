"""Gateways other areas add to online top-ups (``storefront.payments``: alipay, wechat), by
name: a factory returning the adapter (``name`` and ``verify``, see
:class:`storefront.billing.topup.PaymentGateway`), or ``None`` when the server does not offer
it. Billing never imports those areas; they register here when the app starts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_NAMED: dict[str, Callable[[], Any]] = {}


def register(name: str, factory: Callable[[], Any]) -> None:
    _NAMED[name] = factory


def named(name: str) -> Any:
    factory = _NAMED.get(name)
    return factory() if factory is not None else None
