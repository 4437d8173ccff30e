"""The shape of a quote request (the API's JSON body, the calculator's form): checked here
before the catalogue is asked anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from storefront.catalog import pricing
from storefront.catalog.errors import CatalogError
from storefront.catalog.pricing import BillingMode

MAX_ITEMS = 20
MAX_QUANTITY = 500
SIZE_FIELDS = {"evs": "size_gb", "eip": "bandwidth_mbit"}
PRODUCT_CODES = ("ecs", "evs", "vpc", "eip")


@dataclass(frozen=True, slots=True)
class ItemRequest:
    product: str
    spec: str
    quantity: int
    size: int | None = None


@dataclass(frozen=True, slots=True)
class QuoteRequest:
    region: str
    mode: BillingMode
    period: int | None
    items: tuple[ItemRequest, ...]


def _int(value: Any) -> int | None:
    """A JSON integer (not a bool, not a float), else None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


_MODES = frozenset(m.value for m in BillingMode)


def parse_quote_request(data: Any) -> QuoteRequest:
    """Check the shape and types of a quote request body; catalogue checks come later."""
    if not isinstance(data, dict):
        raise CatalogError(_("Send a JSON object."), fields={"body": _("Send a JSON object.")})
    fields: dict[str, str] = {}
    region = data.get("region")
    if not isinstance(region, str) or not region:
        fields["region"] = _("Choose a region.")
    raw_mode = data.get("billing_mode")
    mode: BillingMode | None = None
    if isinstance(raw_mode, str) and raw_mode in _MODES:
        mode = BillingMode(raw_mode)
    else:
        fields["billing_mode"] = _("Use on_demand, monthly or yearly.")
    period: int | None = None
    raw_period = data.get("period")
    if mode is BillingMode.ON_DEMAND:
        if raw_period is not None:
            fields["period"] = _("On-demand quotes take no period.")
    elif mode is not None:
        low, high = pricing.PERIOD_LIMITS[mode]
        period = low if raw_period is None else _int(raw_period)
        if period is None or not low <= period <= high:
            fields["period"] = _(
                "The period must be a whole number from %(low)d to %(high)d.", low=low, high=high
            )
    items: list[ItemRequest] = []
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        fields["items"] = _("Add at least one item.")
    elif len(raw_items) > MAX_ITEMS:
        fields["items"] = _("At most %(n)d items per quote.", n=MAX_ITEMS)
    else:
        for i, raw in enumerate(raw_items):
            prefix = f"items.{i}"
            if not isinstance(raw, dict):
                fields[prefix] = _("Each item must be an object.")
                continue
            product_code, spec_code = raw.get("product"), raw.get("spec")
            ok = True
            if not isinstance(product_code, str) or not product_code:
                fields[f"{prefix}.product"] = _("Choose a product.")
                ok = False
            if not isinstance(spec_code, str) or not spec_code:
                fields[f"{prefix}.spec"] = _("Choose a spec.")
                ok = False
            quantity = _int(raw.get("quantity", 1))
            if quantity is None or not 1 <= quantity <= MAX_QUANTITY:
                fields[f"{prefix}.quantity"] = _(
                    "The quantity must be a whole number from 1 to %(n)d.", n=MAX_QUANTITY
                )
                ok = False
            size: int | None = None
            size_field = SIZE_FIELDS.get(product_code) if isinstance(product_code, str) else None
            for name in SIZE_FIELDS.values():
                if name in raw and name != size_field:
                    fields[f"{prefix}.{name}"] = _("Not used for this product.")
                    ok = False
            if size_field is not None:
                size = _int(raw.get(size_field))
                if size is None:
                    fields[f"{prefix}.{size_field}"] = _("Give a whole number.")
                    ok = False
            if ok and quantity is not None:
                assert isinstance(product_code, str) and isinstance(spec_code, str)
                items.append(ItemRequest(product_code, spec_code, quantity, size))
    if fields or mode is None or not isinstance(region, str):
        raise CatalogError(_("Some fields need attention."), fields=fields)
    return QuoteRequest(region, mode, period, tuple(items))
