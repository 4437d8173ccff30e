"""The staff pricing page's rules: the preview of cost, sale price and margin per spec, price
rules, and how stale the price book is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from storefront.accounts.permissions import require_permission
from storefront.catalog import pricing, snapshot
from storefront.catalog.basket import STALE_AFTER, rate_cards, spec_keys, spec_rate, store_rules
from storefront.catalog.errors import CatalogError
from storefront.catalog.models import PriceBookEntry, PriceRule
from storefront.catalog.pricing import BillingMode
from storefront.catalog.visibility import specs
from storefront.clock import utcnow
from storefront.extensions import db


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
    cards = rate_cards(region, unit, [k for s in all_specs for k in spec_keys(s)])
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
    cutoff = (now or utcnow()) - STALE_AFTER
    return (
        db.session.scalar(
            select(func.count(PriceBookEntry.id)).where(PriceBookEntry.fetched_at < cutoff)
        )
        or 0
    )
