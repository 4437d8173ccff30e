"""Catalogue rules: what a store shows, what it charges, and binding quotes.

Everything here reads the local catalogue and price book only: no provider call on the
request path (the sync jobs in :mod:`storefront.catalog.sync` fill those tables).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from storefront.accounts.permissions import require_permission
from storefront.catalog import pricing, quote_store, snapshot
from storefront.catalog.errors import CatalogError, CatalogNotFound, PricesUnavailable
from storefront.catalog.models import (
    CustomerGroup,
    CustomerGroupMember,
    HiddenItem,
    PriceBookEntry,
    PriceRule,
    Quote,
    Spec,
)
from storefront.catalog.pricing import BillingMode, PeriodUnit
from storefront.extensions import db
from storefront.stores.tenancy import current_store, current_store_id

STALE_AFTER = timedelta(hours=24)  # flagged stale (staff pages, API ``stale: true``)
MAX_PRICE_AGE = timedelta(days=7)  # older than this: not quoted at all
QUOTE_TTL = timedelta(minutes=30)
MAX_ITEMS = 20
MAX_QUANTITY = 500
SIZE_FIELDS = {"evs": "size_gb", "eip": "bandwidth_mbit"}
PRODUCT_CODES = ("ecs", "evs", "vpc", "eip")


def utcnow() -> datetime:
    return datetime.now(UTC)


def not_found_quote() -> CatalogError:
    return CatalogNotFound(_("No such quote."))


def unknown_region() -> CatalogError:
    return CatalogError(_("Unknown region."), fields={"region": _("Unknown region.")})


# --------------------------------------------------------------------------- visibility


@dataclass(frozen=True, slots=True)
class Hidden:
    products: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    specs: frozenset[str] = frozenset()  # "<product>/<spec>"

    def spec(self, product: str, spec: str) -> bool:
        return product in self.products or f"{product}/{spec}" in self.specs


def current_store_id_or_fail() -> int:
    store_id = current_store_id()
    if store_id is None:
        return current_store().id  # raises: no current store
    return store_id


def hidden() -> Hidden:
    """What the current store hides (from the in-process copy)."""
    by_kind: dict[str, set[str]] = {"product": set(), "region": set(), "spec": set()}
    for kind, code in snapshot.store_copy(current_store_id_or_fail()).hidden:
        by_kind.setdefault(kind, set()).add(code)
    return Hidden(
        frozenset(by_kind["product"]), frozenset(by_kind["region"]), frozenset(by_kind["spec"])
    )


def set_hidden(actor: Any, kind: str, code: str, hide: bool) -> None:
    """Hide or show a product, region or spec in this store (``pricing.manage``)."""
    require_permission(actor, "pricing.manage")
    if kind not in ("product", "region", "spec"):
        raise ValueError(kind)
    row = db.session.scalar(
        select(HiddenItem).where(HiddenItem.kind == kind, HiddenItem.code == code)
    )
    if hide and row is None:
        db.session.add(HiddenItem(kind=kind, code=code))
    elif not hide and row is not None:
        db.session.delete(row)


def localized(obj: Any, attr: str, locale: str) -> str:
    """``obj.<attr>_zh`` for Chinese when filled in, else ``obj.<attr>``."""
    if locale.startswith("zh"):
        value = getattr(obj, f"{attr}_zh", None)
        if value:
            return str(value)
    return str(getattr(obj, attr))


def spec_name(spec: Any, locale: str) -> str:
    """A spec's name as the provider gives it in the visitor's language (English fallback)."""
    return localized(spec, "name", locale)


def spec_family(spec: Any, locale: str) -> str:
    """An ECS flavour's family in the visitor's language ("" when it has none)."""
    if locale.startswith("zh") and getattr(spec, "family_zh", None):
        return str(spec.family_zh)
    return str(spec.family or "")


def spec_label(product_code: str, spec_code: str, locale: str) -> str:
    """The localised name of a spec by its codes (the code itself if it left the catalogue)."""
    spec = snapshot.catalog().specs.get((product_code, spec_code))
    return spec_name(spec, locale) if spec is not None else spec_code


def regions(hid: Hidden | None = None) -> list[snapshot.RegionView]:
    """Visible regions in display order (from the in-process copy)."""
    hid = hid or hidden()
    return [r for r in snapshot.catalog().region_list if r.code not in hid.regions]


def products(hid: Hidden | None = None) -> list[snapshot.ProductView]:
    """Visible products in display order (from the in-process copy)."""
    hid = hid or hidden()
    return [p for p in snapshot.catalog().products.values() if p.code not in hid.products]


def product(code: str, hid: Hidden | None = None) -> snapshot.ProductView | None:
    hid = hid or hidden()
    found = snapshot.catalog().products.get(code)
    return None if found is None or code in hid.products else found


def specs(
    product_code: str | None = None, region: str | None = None, hid: Hidden | None = None
) -> list[snapshot.SpecView]:
    """Visible specs (of one product; offered in one region), in catalogue order."""
    hid = hid or hidden()
    return [
        s
        for s in snapshot.catalog().specs.values()
        if (product_code is None or s.product_code == product_code)
        and (region is None or any(r.region_code == region for r in s.regions))
        and not hid.spec(s.product_code, s.code)
    ]


def spec_attributes(spec: Spec | snapshot.SpecView) -> dict[str, Any]:
    """The attributes a client compares specs by (JSON-ready)."""
    attrs: dict[str, Any] = {"code": spec.code, "name": spec.name}
    if spec.product_code == "ecs":
        attrs.update(
            family=spec.family,
            os=spec.os,
            vcpus=spec.vcpus,
            memory_gib=str(spec.memory_gib) if spec.memory_gib is not None else None,
        )
    if spec.min_size is not None:
        attrs.update(size_unit=spec.size_unit, min_size=spec.min_size, max_size=spec.max_size)
    attrs["regions"] = sorted(r.region_code for r in spec.regions)
    return attrs


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


def _spec_keys(spec: Spec | snapshot.SpecView) -> list[tuple[str, str]]:
    keys = [(spec.resource_type, spec.code)]
    if spec.bandwidth_spec and spec.bandwidth_resource_type:
        keys.append((spec.bandwidth_resource_type, spec.bandwidth_spec))
    return keys


def spec_rate(
    spec: Spec | snapshot.SpecView, size: int | None, cards: Mapping[tuple[str, str], RateCard]
) -> tuple[pricing.Rate, datetime, str] | None:
    """One item's rate per time unit (EIP: address + bandwidth x Mbit/s), or None if unpriced."""
    keys = _spec_keys(spec)
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


# --------------------------------------------------------------------------- quote requests


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
    keys = [k for _item, spec in resolved for k in _spec_keys(spec)]
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


@dataclass(frozen=True, slots=True)
class StoredLine:
    product_code: str
    spec_code: str
    quantity: int
    size: int | None
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class StoredQuote:
    """A stored quote as the API and pages show it (what was written, or what was read)."""

    id: str
    customer_id: int | None
    session_key: str | None
    region_code: str
    currency: str
    billing_mode: str
    period: int | None
    total: Decimal
    monthly_estimate: Decimal | None
    stale: bool
    created_at: datetime
    expires_at: datetime
    lines: tuple[StoredLine, ...]

    @classmethod
    def of(cls, quote: Quote) -> StoredQuote:
        return cls(
            id=quote.id,
            customer_id=quote.customer_id,
            session_key=quote.session_key,
            region_code=quote.region_code,
            currency=quote.currency,
            billing_mode=quote.billing_mode,
            period=quote.period,
            total=quote.total,
            monthly_estimate=quote.monthly_estimate,
            stale=quote.stale,
            created_at=quote.created_at,
            expires_at=quote.expires_at,
            lines=tuple(
                StoredLine(
                    line.product_code,
                    line.spec_code,
                    line.quantity,
                    line.size,
                    line.unit_price,
                    line.amount,
                )
                for line in quote.lines
            ),
        )


def new_quote_id(now: datetime) -> str:
    """32 hex digits: the creation time in microseconds (14), then 72 random bits (18).

    Time first, so each new quote lands at the end of the primary key's index instead of on a
    random page of it; the random part keeps ids unguessable (owners are checked anyway).
    """
    micros = int(now.timestamp() * 1_000_000)
    return f"{micros:014x}{secrets.token_hex(9)}"


def create_quote(
    req: QuoteRequest,
    *,
    customer_id: int | None,
    session_key: str | None,
    now: datetime | None = None,
    ttl: timedelta = QUOTE_TTL,
) -> StoredQuote:
    """Price and store a quote, owned by a customer or an anonymous session key.

    The hot path of the quote API: one ``INSERT`` (the lines are kept in the quote's row),
    pre-rendered and run on the session's connection (:mod:`storefront.catalog.quote_store`:
    no unit of work, ORM events or reload); the answer is built from the values written, which
    are already rounded to the column scale. The caller commits.
    """
    if customer_id is None and not session_key:
        raise ValueError("a quote needs an owner")
    store_id = current_store_id()
    if store_id is None:
        raise RuntimeError("a quote needs a current store")
    now = now or utcnow()
    basket = price_basket(req, load_context(customer_id), now=now)
    stored = StoredQuote(
        id=new_quote_id(now),
        customer_id=customer_id,
        session_key=None if customer_id is not None else session_key,
        region_code=basket.region,
        currency=basket.currency,
        billing_mode=basket.mode.value,
        period=basket.period,
        total=basket.total,
        monthly_estimate=basket.monthly_estimate,
        stale=basket.stale,
        created_at=now,
        expires_at=now + ttl,
        lines=tuple(
            StoredLine(
                line.product,
                line.spec.code,
                line.quantity,
                line.size,
                line.priced.unit_price,
                line.priced.amount,
            )
            for line in basket.lines
        ),
    )
    quote_row = {
        "id": stored.id,
        "store_id": store_id,
        "customer_id": stored.customer_id,
        "session_key": stored.session_key,
        "region_code": stored.region_code,
        "billing_mode": stored.billing_mode,
        "period": stored.period,
        "currency": stored.currency,
        "total": stored.total,
        "cost_total": basket.cost_total,
        "monthly_estimate": stored.monthly_estimate,
        "stale": stored.stale,
        "created_at": now,
        "expires_at": stored.expires_at,
        "lines": [
            {
                "position": i,
                "product_code": line.product,
                "spec_code": line.spec.code,
                "quantity": line.quantity,
                "size": line.size,
                "unit_price": str(line.priced.unit_price),
                "amount": str(line.priced.amount),
                "unit_cost": str(line.priced.unit_cost),
                "cost_amount": str(line.priced.cost_amount),
                "official_amount": str(line.priced.official_amount),
                "rule_id": line.rule_id,
            }  # the shape QuoteLine.from_json reads
            for i, line in enumerate(basket.lines)
        ],
    }
    quote_store.insert_quote(quote_row)
    return stored


def find_quote(quote_id: str, *, customer_id: int | None, session_key: str | None) -> Quote | None:
    """The quote if the requester owns it (the tenant filter keeps it in the store)."""
    quote = db.session.get(Quote, quote_id)
    if quote is None:
        return None
    if quote.customer_id is not None:
        return quote if quote.customer_id == customer_id else None
    return (
        quote
        if session_key and secrets.compare_digest(quote.session_key or "", session_key)
        else None
    )


def is_expired(quote: Quote | StoredQuote, now: datetime | None = None) -> bool:
    return (now or utcnow()) >= quote.expires_at


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


# --------------------------------------------------------------------------- staff preview


@dataclass(frozen=True, slots=True)
class PreviewRow:
    spec: snapshot.SpecView
    official: Decimal
    cost: Decimal
    sale: Decimal
    margin: Decimal
    margin_pct: Decimal | None
    rule_id: int | None
    stale: bool
    fetched_at: datetime


def preview(
    region: str,
    mode: BillingMode,
    *,
    group: int | None = None,
    rules: list[pricing.Rule] | None = None,
    now: datetime | None = None,
) -> list[PreviewRow]:
    """Per spec: official price, cost, sale price under the store's rules and the margin,
    for one item (linear specs: at their minimum size) for one time unit of ``mode``."""
    now = now or utcnow()
    rules = store_rules() if rules is None else rules
    groups = frozenset({group}) if group is not None else frozenset()
    all_specs = specs(region=region)
    unit = pricing.UNIT_OF_MODE[mode]
    cards = rate_cards(region, unit, [k for s in all_specs for k in _spec_keys(s)])
    months = pricing.months_in_term(mode, 1)
    rows = []
    for spec in all_specs:
        found = spec_rate(spec, spec.min_size, cards)
        if found is None:
            continue
        rate, fetched, _cur = found
        rule = pricing.pick_rule(rules, spec.product_code, spec.code, groups)
        line = pricing.price_line(rate, 1, rule, months)
        margin = line.amount - line.cost_amount
        rows.append(
            PreviewRow(
                spec=spec,
                official=line.official_amount,
                cost=line.cost_amount,
                sale=line.amount,
                margin=margin,
                margin_pct=(
                    (margin * 100 / line.amount).quantize(Decimal("0.1")) if line.amount else None
                ),
                rule_id=rule.id if rule else None,
                stale=now - fetched > STALE_AFTER,
                fetched_at=fetched,
            )
        )
    return rows


def add_rule(
    actor: Any,
    *,
    kind: str,
    adjustment: str,
    value: Decimal,
    product_code: str | None = None,
    spec_code: str | None = None,
    group_id: int | None = None,
    allow_below_cost: bool = False,
) -> PriceRule:
    require_permission(actor, "pricing.manage")
    pricing.RuleKind(kind)
    pricing.Adjustment(adjustment)
    if spec_code and not product_code:
        raise CatalogError(
            _("A spec rule needs its product."), fields={"spec_code": _("Choose the product too.")}
        )
    if value < 0:
        raise CatalogError(_("Use a positive value."), fields={"value": _("Use a positive value.")})
    rule = PriceRule(
        kind=kind,
        adjustment=adjustment,
        value=value,
        product_code=product_code or None,
        spec_code=spec_code or None,
        group_id=group_id,
        allow_below_cost=allow_below_cost,
    )
    db.session.add(rule)
    db.session.flush()
    return rule


def delete_rule(actor: Any, rule_id: int) -> bool:
    """Remove one of this store's price rules (``pricing.manage``); False when there is none."""
    require_permission(actor, "pricing.manage")
    rule = db.session.get(PriceRule, rule_id)
    if rule is None:
        return False
    db.session.delete(rule)
    db.session.flush()
    return True


def stale_count(now: datetime | None = None) -> int:
    """How many price book rows are older than :data:`STALE_AFTER`."""
    from sqlalchemy import func

    cutoff = (now or utcnow()) - STALE_AFTER
    return (
        db.session.scalar(
            select(func.count(PriceBookEntry.id)).where(PriceBookEntry.fetched_at < cutoff)
        )
        or 0
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
    keys = [k for s in spec_list for k in _spec_keys(s)]
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
