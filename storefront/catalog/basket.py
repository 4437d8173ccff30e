"""Pricing a basket from the local price book under the store's rules and the customer's
groups: quotes, the calculator's comparison and the product pages' price lists.

Everything here reads the local catalogue and price book only: no provider call on the
request path (the sync jobs in :mod:`storefront.catalog.sync` fill those tables).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from storefront.catalog import pricing, snapshot
from storefront.catalog.errors import CatalogError, PricesUnavailable
from storefront.catalog.models import CustomerGroup, CustomerGroupMember, Spec
from storefront.catalog.pricing import BillingMode, PeriodUnit
from storefront.catalog.requests import PRODUCT_CODES, SIZE_FIELDS, ItemRequest, QuoteRequest
from storefront.catalog.visibility import Hidden, current_store_id_or_fail, hidden
from storefront.clock import utcnow
from storefront.extensions import db

STALE_AFTER = timedelta(hours=24)  # flagged stale (staff pages, API ``stale: true``)
MAX_PRICE_AGE = timedelta(days=7)  # older than this: not quoted at all


# --------------------------------------------------------------------------- rules and groups


def store_rules() -> list[pricing.Rule]:
    return list(snapshot.store_copy(current_store_id_or_fail()).rules)


def groups_of(customer_id: int | None) -> frozenset[int]:
    if customer_id is None:
        return frozenset()
    return frozenset(
        db.session.scalars(
            select(CustomerGroupMember.group_id).where(
                CustomerGroupMember.customer_id == customer_id
            )
        )
    )


def customer_groups() -> list[CustomerGroup]:
    return list(db.session.scalars(select(CustomerGroup).order_by(CustomerGroup.name)))


# --------------------------------------------------------------------------- price book


RateCard = snapshot.RateCard


def rate_cards(
    region: str, unit: PeriodUnit, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], RateCard]:
    """The price book's tiers per ``(resource_type, provider_spec)`` (in-process copy)."""
    return snapshot.cards_for(region, unit.value, keys)


def spec_keys(spec: Spec | snapshot.SpecView) -> list[tuple[str, str]]:
    keys = [(spec.resource_type, spec.code)]
    if spec.bandwidth_spec and spec.bandwidth_resource_type:
        keys.append((spec.bandwidth_resource_type, spec.bandwidth_spec))
    return keys


def spec_rate(
    spec: Spec | snapshot.SpecView, size: int | None, cards: Mapping[tuple[str, str], RateCard]
) -> tuple[pricing.Rate, datetime, str] | None:
    """One item's rate per time unit (EIP: address + bandwidth x Mbit/s), or None if unpriced."""
    keys = spec_keys(spec)
    if any(k not in cards for k in keys):
        return None
    main = cards[keys[0]]
    rate = pricing.tiered(main.tiers, size or 1)
    fetched = main.fetched_at
    if len(keys) > 1:
        bw = cards[keys[1]]
        rate = rate + pricing.tiered(bw.tiers, size or 1)
        fetched = min(fetched, bw.fetched_at)
    return rate, fetched, main.currency


# --------------------------------------------------------------------------- pricing a basket


@dataclass(frozen=True, slots=True)
class BasketLine:
    product: str
    spec: snapshot.SpecView
    quantity: int
    size: int | None
    priced: pricing.PricedLine
    rule_id: int | None
    monthly_estimate: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Basket:
    region: str
    mode: BillingMode
    period: int | None
    currency: str
    lines: tuple[BasketLine, ...]
    total: Decimal
    cost_total: Decimal
    stale: bool
    fetched_at: datetime | None
    monthly_estimate: Decimal | None = None


@dataclass
class Context:
    """What pricing a basket needs from the database, loaded once per request."""

    hid: Hidden
    rules: list[pricing.Rule]
    groups: frozenset[int]


def load_context(customer_id: int | None) -> Context:
    return Context(hidden(), store_rules(), groups_of(customer_id))


def _resolve(req: QuoteRequest, ctx: Context) -> list[tuple[ItemRequest, snapshot.SpecView]]:
    fields: dict[str, str] = {}
    book = snapshot.catalog()
    if req.region not in book.regions or req.region in ctx.hid.regions:
        fields["region"] = _("Unknown region.")
    resolved = []
    for i, item in enumerate(req.items):
        prefix = f"items.{i}"
        if item.product not in PRODUCT_CODES or item.product in ctx.hid.products:
            fields[f"{prefix}.product"] = _("Unknown product.")
            continue
        spec = book.specs.get((item.product, item.spec))
        if spec is None or ctx.hid.spec(item.product, item.spec):
            fields[f"{prefix}.spec"] = _("Unknown spec.")
            continue
        offered = next((r for r in spec.regions if r.region_code == req.region), None)
        mode_ok = offered is not None and (
            offered.on_demand if req.mode is BillingMode.ON_DEMAND else offered.period
        )
        if "region" not in fields and not mode_ok:
            fields[f"{prefix}.spec"] = _("Not offered in this region for this billing mode.")
            continue
        if spec.min_size is not None and spec.max_size is not None:
            name = SIZE_FIELDS[item.product]
            if item.size is None or not spec.min_size <= item.size <= spec.max_size:
                fields[f"{prefix}.{name}"] = _(
                    "Must be from %(low)d to %(high)d.", low=spec.min_size, high=spec.max_size
                )
                continue
        resolved.append((item, spec))
    if fields:
        raise CatalogError(_("Some fields need attention."), fields=fields)
    return resolved


def price_basket(req: QuoteRequest, ctx: Context, *, now: datetime) -> Basket:
    """Price a request from the local price book under the store's rules."""
    resolved = _resolve(req, ctx)
    unit = pricing.UNIT_OF_MODE[req.mode]
    period = req.period or 1
    keys = [k for _item, spec in resolved for k in spec_keys(spec)]
    cards = rate_cards(req.region, unit, keys)
    # a term of several periods: the provider's own price for it where the book holds one
    terms = (
        snapshot.term_cards_for(req.region, unit.value, period, keys)
        if req.mode is not BillingMode.ON_DEMAND and period > 1
        else {}
    )
    months = pricing.months_in_term(req.mode, period)
    lines: list[BasketLine] = []
    oldest: datetime | None = None
    currency = "CNY"
    for item, spec in resolved:
        found = spec_rate(spec, item.size, cards)
        if found is None:
            raise PricesUnavailable(_("Prices for this selection are not available yet."))
        rate, fetched, currency = found
        term = spec_rate(spec, item.size, terms) if terms else None
        if term is not None:
            term_rate, fetched = term[0], min(fetched, term[1])
        else:  # not in the book: N times one period
            term_rate = pricing.term_rate(rate, req.mode, period)
        oldest = fetched if oldest is None else min(oldest, fetched)
        rule = pricing.pick_rule(ctx.rules, item.product, item.spec, ctx.groups)
        priced = pricing.price_line(term_rate, item.quantity, rule, months)
        estimate = None
        if req.mode is BillingMode.ON_DEMAND:
            estimate = pricing.price_line(
                rate * pricing.HOURS_PER_MONTH, item.quantity, rule, Decimal(1)
            ).amount
        lines.append(
            BasketLine(
                item.product,
                spec,
                item.quantity,
                item.size,
                priced,
                rule.id if rule else None,
                estimate,
            )
        )
    if oldest is not None and now - oldest > MAX_PRICE_AGE:
        raise PricesUnavailable(_("Prices are out of date; please try again later."))
    return Basket(
        region=req.region,
        mode=req.mode,
        period=None if req.mode is BillingMode.ON_DEMAND else period,
        currency=currency,
        lines=tuple(lines),
        total=pricing.total(line.priced for line in lines),
        cost_total=sum((line.priced.cost_amount for line in lines), Decimal("0.00")),
        stale=oldest is not None and now - oldest > STALE_AFTER,
        fetched_at=oldest,
        monthly_estimate=(
            sum((line.monthly_estimate or Decimal(0) for line in lines), Decimal("0.00"))
            if req.mode is BillingMode.ON_DEMAND
            else None
        ),
    )


# --------------------------------------------------------------------------- comparisons


@dataclass(frozen=True, slots=True)
class Comparison:
    on_demand: Basket | None
    monthly: Basket | None
    yearly: Basket | None
    monthly_saving: Decimal | None  # against the on-demand estimate for the same months
    yearly_saving: Decimal | None


def compare_modes(
    region: str,
    items: Sequence[ItemRequest],
    ctx: Context,
    *,
    months: int = 1,
    years: int = 1,
    now: datetime | None = None,
) -> Comparison:
    """The same basket on demand, monthly and yearly, side by side with the savings."""
    now = now or utcnow()
    baskets: dict[BillingMode, Basket | None] = {}
    errors: list[CatalogError] = []
    for mode, period in (
        (BillingMode.ON_DEMAND, None),
        (BillingMode.MONTHLY, months),
        (BillingMode.YEARLY, years),
    ):
        try:
            baskets[mode] = price_basket(
                QuoteRequest(region, mode, period, tuple(items)), ctx, now=now
            )
        except CatalogError as exc:  # e.g. a spec sold on demand only
            baskets[mode] = None
            errors.append(exc)
    if len(errors) == len(baskets):
        raise errors[0]
    od, mo, yr = (
        baskets[BillingMode.ON_DEMAND],
        baskets[BillingMode.MONTHLY],
        baskets[BillingMode.YEARLY],
    )
    estimate = od.monthly_estimate if od is not None else None
    return Comparison(
        on_demand=od,
        monthly=mo,
        yearly=yr,
        monthly_saving=(
            pricing.saving(estimate * months, mo.total) if estimate is not None and mo else None
        ),
        yearly_saving=(
            pricing.saving(estimate * 12 * years, yr.total) if estimate is not None and yr else None
        ),
    )


def list_prices(
    region: str,
    spec_list: Sequence[snapshot.SpecView],
    ctx: Context,
    *,
    now: datetime | None = None,
) -> dict[int, dict[str, Any]]:
    """Per spec id, the sale price of one item (linear specs: at their minimum size) per
    hour, as a 730-hour month estimate, per month and per year, with a ``stale`` flag."""
    now = now or utcnow()
    keys = [k for s in spec_list for k in spec_keys(s)]
    out: dict[int, dict[str, Any]] = {
        s.id: {
            "size": s.min_size,
            "currency": None,
            "stale": False,
            "on_demand_hourly": None,
            "on_demand_monthly_estimate": None,
            "monthly": None,
            "yearly": None,
        }
        for s in spec_list
    }
    for mode in BillingMode:
        cards = rate_cards(region, pricing.UNIT_OF_MODE[mode], keys)
        months = pricing.months_in_term(mode, 1)
        for spec in spec_list:
            found = spec_rate(spec, spec.min_size, cards)
            if found is None:
                continue
            rate, fetched, currency = found
            entry = out[spec.id]
            entry["currency"] = currency
            entry["stale"] = entry["stale"] or now - fetched > STALE_AFTER
            rule = pricing.pick_rule(ctx.rules, spec.product_code, spec.code, ctx.groups)
            sale = pricing.sale_unit(rate.official, rate.cost, rule, months)
            if mode is BillingMode.ON_DEMAND:
                entry["on_demand_hourly"] = f"{pricing.round_money(sale):.2f}"
                month = pricing.price_line(rate * pricing.HOURS_PER_MONTH, 1, rule, Decimal(1))
                entry["on_demand_monthly_estimate"] = f"{month.amount:.2f}"
            else:
                entry[mode.value] = f"{pricing.round_money(sale):.2f}"
    return out
