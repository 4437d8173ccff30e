"""Pure pricing: ``Decimal`` in, ``Decimal`` out. No Flask, no database.

Terms used here:

- a **rate** is what the price book holds for one unit of a spec for one time unit (an hour,
  a month or a year): the provider's official price and the partner's cost (its discounted
  amount). Linear specs (disk GB, bandwidth Mbit/s) have one rate per unit of size, possibly
  in tiers (the first 5 Mbit/s cheaper than the rest).
- a **term** is what a quote covers: one hour (on demand), N months or N years.
- a **rule** is a store's markup (on cost) or discount (off the official price), as a percent
  or a fixed amount per item per month, at store, product or spec level, optionally for one
  customer group. The most specific rule wins; see :func:`pick_rule`.

Sale prices never go below the partner's cost unless the winning rule explicitly allows it
(``allow_below_cost``), and never below zero. Rounding is half-up to the minor unit, once per
line: ``unit_price = round(unit)`` and ``amount = round(unit * quantity)``; a total is the sum
of its line amounts.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal(0)
HOURS_PER_MONTH = Decimal(730)
MONTHS_PER_YEAR = Decimal(12)
HUNDRED = Decimal(100)


def round_money(value: Decimal) -> Decimal:
    """Half-up to the minor unit (two places)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class BillingMode(enum.StrEnum):
    ON_DEMAND = "on_demand"
    MONTHLY = "monthly"
    YEARLY = "yearly"


class PeriodUnit(enum.StrEnum):
    HOUR = "hour"
    MONTH = "month"
    YEAR = "year"


UNIT_OF_MODE = {
    BillingMode.ON_DEMAND: PeriodUnit.HOUR,
    BillingMode.MONTHLY: PeriodUnit.MONTH,
    BillingMode.YEARLY: PeriodUnit.YEAR,
}
PERIOD_LIMITS = {
    BillingMode.ON_DEMAND: (1, 1),
    BillingMode.MONTHLY: (1, 9),
    BillingMode.YEARLY: (1, 3),
}


def months_in_term(mode: BillingMode, period: int) -> Decimal:
    """How many months a term is worth (fixed rule amounts are per item per month)."""
    if mode is BillingMode.ON_DEMAND:
        return Decimal(1) / HOURS_PER_MONTH
    if mode is BillingMode.MONTHLY:
        return Decimal(period)
    return Decimal(period) * MONTHS_PER_YEAR


# --------------------------------------------------------------------------- rates


@dataclass(frozen=True, slots=True)
class Rate:
    """Official price and partner cost of one unit for one time unit."""

    official: Decimal
    cost: Decimal

    def __add__(self, other: Rate) -> Rate:
        return Rate(self.official + other.official, self.cost + other.cost)

    def __mul__(self, factor: Decimal | int) -> Rate:
        return Rate(self.official * factor, self.cost * factor)


ZERO_RATE = Rate(ZERO, ZERO)


@dataclass(frozen=True, slots=True)
class Tier:
    """From unit ``start`` (1-based) on, each unit of size costs ``rate``. ``start=0``: flat."""

    start: int
    rate: Rate


def tiered(tiers: Sequence[Tier], size: int) -> Rate:
    """The rate of one item of ``size`` units: the sum of each unit at its tier's rate.

    Flat specs (a single tier starting at 0) ignore ``size``.
    """
    if not tiers:
        raise ValueError("no rate")
    ordered = sorted(tiers, key=lambda t: t.start)
    if ordered[0].start == 0:
        return ordered[0].rate
    total = ZERO_RATE
    for index, tier in enumerate(ordered):
        if size < tier.start:
            break
        upto = size if index + 1 == len(ordered) else min(size, ordered[index + 1].start - 1)
        total = total + tier.rate * (upto - tier.start + 1)
    return total


def compress_tiers(samples: Sequence[tuple[int, Rate]], places: int = 6) -> list[Tier]:
    """Tiers from ``(size, rate of an item of that size)`` samples, sizes ascending.

    The marginal unit rate between two sampled sizes starts a new tier when it differs
    (after rounding to ``places``) from the previous one.
    """
    quantum = Decimal(1).scaleb(-places)

    def q(rate: Rate) -> Rate:
        return Rate(
            rate.official.quantize(quantum, ROUND_HALF_UP),
            rate.cost.quantize(quantum, ROUND_HALF_UP),
        )

    tiers: list[Tier] = []
    prev_size, prev = 0, ZERO_RATE
    for size, rate in samples:
        if size <= prev_size:
            continue
        span = Decimal(size - prev_size)
        marginal = q(Rate((rate.official - prev.official) / span, (rate.cost - prev.cost) / span))
        if not tiers or tiers[-1].rate != marginal:
            tiers.append(Tier(prev_size + 1 if tiers else 1, marginal))
        prev_size, prev = size, rate
    return tiers


# --------------------------------------------------------------------------- rules


class RuleKind(enum.StrEnum):
    MARKUP = "markup"  # on top of the partner's cost
    DISCOUNT = "discount"  # off the official price


class Adjustment(enum.StrEnum):
    PERCENT = "percent"
    FIXED = "fixed"  # an amount per item per month


@dataclass(frozen=True, slots=True)
class Rule:
    kind: RuleKind
    adjustment: Adjustment
    value: Decimal
    product: str | None = None
    spec: str | None = None
    group: int | None = None
    allow_below_cost: bool = False
    id: int | None = None

    @property
    def specificity(self) -> tuple[int, int]:
        """Spec beats product beats store; at the same level a customer-group rule wins."""
        level = 2 if self.spec is not None else 1 if self.product is not None else 0
        return (level, 1 if self.group is not None else 0)

    def applies(self, product: str, spec: str, groups: Iterable[int]) -> bool:
        if self.product is not None and self.product != product:
            return False
        if self.spec is not None and self.spec != spec:
            return False
        return self.group is None or self.group in set(groups)


def pick_rule(
    rules: Iterable[Rule], product: str, spec: str, groups: Iterable[int] = ()
) -> Rule | None:
    """The most specific applicable rule; ties go to the newest (highest id)."""
    group_set = frozenset(groups)
    best: Rule | None = None
    for rule in rules:
        if not rule.applies(product, spec, group_set):
            continue
        if best is None or (rule.specificity, rule.id or 0) > (best.specificity, best.id or 0):
            best = rule
    return best


def sale_unit(official: Decimal, cost: Decimal, rule: Rule | None, months: Decimal) -> Decimal:
    """Exact sale price of one item for a term whose official price and cost are given.

    ``months`` is the term's length in months (fixed rule amounts are per item per month).
    """
    if rule is None:
        price = official
    else:
        if rule.adjustment is Adjustment.PERCENT:
            delta = (cost if rule.kind is RuleKind.MARKUP else official) * rule.value / HUNDRED
        else:
            delta = rule.value * months
        price = cost + delta if rule.kind is RuleKind.MARKUP else official - delta
    if rule is None or not rule.allow_below_cost:
        price = max(price, cost)
    return max(price, ZERO)


# --------------------------------------------------------------------------- lines


@dataclass(frozen=True, slots=True)
class PricedLine:
    quantity: int
    unit_price: Decimal
    amount: Decimal
    unit_cost: Decimal
    cost_amount: Decimal
    official_amount: Decimal


def price_line(unit: Rate, quantity: int, rule: Rule | None, months: Decimal) -> PricedLine:
    """Price ``quantity`` items, each worth ``unit`` (official and cost) for the whole term."""
    if quantity < 1:
        raise ValueError("quantity must be positive")
    sale = sale_unit(unit.official, unit.cost, rule, months)
    return PricedLine(
        quantity=quantity,
        unit_price=round_money(sale),
        amount=round_money(sale * quantity),
        unit_cost=round_money(unit.cost),
        cost_amount=round_money(unit.cost * quantity),
        official_amount=round_money(unit.official * quantity),
    )


def total(lines: Iterable[PricedLine]) -> Decimal:
    return sum((line.amount for line in lines), ZERO).quantize(CENT)


def term_rate(rate_per_unit: Rate, mode: BillingMode, period: int) -> Rate:
    """A time-unit rate (per hour / month / year) over the term (1 hour, N months, N years)."""
    return rate_per_unit if mode is BillingMode.ON_DEMAND or period == 1 else rate_per_unit * period


def saving(reference: Decimal, price: Decimal) -> Decimal:
    """How much ``price`` saves against ``reference`` (never negative)."""
    return max(round_money(reference - price), ZERO)
