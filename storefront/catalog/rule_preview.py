"""What a price rule would do before it is saved: per spec, today's price and the new one.

A **markup** is added to the partner's *cost*; a **discount** is taken off the *list* (official)
price. Because the partner's cost is usually below the list price, a small markup can sell below
list and even lower today's price: with list 40.00 and cost 36.00, "10 % markup on cost" gives
36.00 + 3.60 = 39.60. That is the documented arithmetic (see :mod:`storefront.catalog.pricing`),
not a bug; this preview shows it, with warnings, before the rule is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from storefront.catalog import pricing, services
from storefront.catalog.pricing import BillingMode

MAX_ROWS = 50


@dataclass(frozen=True, slots=True)
class RuleEffect:
    """One spec the candidate rule would price (it is the winning rule there)."""

    row: services.PreviewRow  # under the candidate rule
    today: Decimal  # the sale price under today's rules

    @property
    def below_list(self) -> bool:
        return self.row.sale < self.row.official

    @property
    def lowers_price(self) -> bool:
        return self.row.sale < self.today

    @property
    def change(self) -> Decimal:
        return self.row.sale - self.today


@dataclass(frozen=True, slots=True)
class RulePreview:
    effects: list[RuleEffect]  # at most MAX_ROWS shown
    affected: int  # specs the rule would price
    below_list: int  # of which sold under the list price
    lowers: int  # of which cheaper than today

    @property
    def warns(self) -> bool:
        return bool(self.below_list or self.lowers)


def candidate_rule(
    *,
    kind: str,
    adjustment: str,
    value: Decimal,
    product_code: str | None,
    spec_code: str | None,
    group_id: int | None,
    allow_below_cost: bool,
    rules: list[pricing.Rule],
) -> pricing.Rule:
    """The rule as it would be saved: newer than every existing rule (so it wins its ties)."""
    return pricing.Rule(
        kind=pricing.RuleKind(kind),
        adjustment=pricing.Adjustment(adjustment),
        value=value,
        product=product_code or None,
        spec=spec_code or None,
        group=group_id,
        allow_below_cost=allow_below_cost,
        id=max((r.id or 0 for r in rules), default=0) + 1,
    )


def preview_rule(candidate: pricing.Rule, region: str, mode: BillingMode) -> RulePreview:
    """Price every spec of ``region`` with and without ``candidate`` (one item, one time unit
    of ``mode``, as the pricing page's table) and keep the specs where it would win."""
    today_rules = services.store_rules()
    before = {
        r.spec.id: r
        for r in services.preview(region, mode, group=candidate.group, rules=today_rules)
    }
    after = services.preview(region, mode, group=candidate.group, rules=[*today_rules, candidate])
    effects = [
        RuleEffect(row=row, today=before[row.spec.id].sale)
        for row in after
        if row.rule_id == candidate.id and row.spec.id in before
    ]
    return RulePreview(
        effects=effects[:MAX_ROWS],
        affected=len(effects),
        below_list=sum(1 for e in effects if e.below_list),
        lowers=sum(1 for e in effects if e.lowers_price),
    )
