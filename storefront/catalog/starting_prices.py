"""Each product's starting price for the home page: the lowest monthly sale price of one item
(linear specs at their smallest size) over the store's visible regions and specs, from the
local price book under the store's rules for everyone. Never asks the provider."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import get_currency_symbol
from flask_babel import format_decimal, get_locale

from storefront import caching
from storefront.catalog import services, snapshot
from storefront.catalog.pricing import BillingMode

KEPT: caching.Cache[dict[str, Decimal | None]] = caching.Cache(
    "catalog.starting_prices", tables=(), limit=lambda settings: settings.store_cache_size,
    seconds=None,  # keyed by the versions it is made from
)  # fmt: skip


def starting_prices() -> dict[str, Decimal | None]:
    """``{product_code: lowest monthly price}`` for each visible product (``None``: no price
    in the price book yet). Kept per snapshot version (:func:`~storefront.catalog.snapshot.
    version`: stores with the same rules and hidden items share it): a new price book, a rule
    or a hidden product changes the version, so the home page shows it at once."""
    store_id = services.current_store_id_or_fail()
    return dict(KEPT.get(snapshot.version(store_id), _compute))


def _compute() -> dict[str, Decimal | None]:
    hid = services.hidden()
    rules = services.store_rules()
    lowest: dict[str, Decimal | None] = {p.code: None for p in services.products(hid)}
    for region in services.regions(hid):
        for row in services.preview(region.code, BillingMode.MONTHLY, rules=rules):
            code = row.spec.product_code
            found = lowest.get(code)
            if code in lowest and (found is None or row.sale < found):
                lowest[code] = row.sale
    return lowest


def price_text(amount: Decimal, currency: str) -> str:
    """The amount with the currency's own symbol and the page's separators: ``¥1,280.00``
    (Babel's English symbol for the yuan is "CN¥"; the store sells in China, so "¥")."""
    symbol_locale = "zh_Hans_CN" if currency == "CNY" else str(get_locale() or "en")
    number = format_decimal(amount, format="#,##0.00")
    return f"{get_currency_symbol(currency, locale=symbol_locale)}{number}"
