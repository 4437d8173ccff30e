"""catalog.pricing: table tests and properties (pure, no app)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.catalog import pricing as p
from storefront.catalog.pricing import Adjustment as A
from storefront.catalog.pricing import Rule
from storefront.catalog.pricing import RuleKind as K

MARKUP_10 = Rule(K.MARKUP, A.PERCENT, D(10))
DISCOUNT_20 = Rule(K.DISCOUNT, A.PERCENT, D(20))
DISCOUNT_50_BELOW = Rule(K.DISCOUNT, A.PERCENT, D(50), allow_below_cost=True)


@pytest.mark.parametrize(
    ("official", "cost", "rule", "months", "expected"),
    [
        (D("100"), D("80"), None, D(1), D("100")),  # no rule: the official price
        (D("100"), D("80"), MARKUP_10, D(1), D("88")),  # markup on cost
        (D("100"), D("80"), DISCOUNT_20, D(1), D("80")),  # discount off official
        (D("100"), D("80"), Rule(K.DISCOUNT, A.PERCENT, D(30)), D(1), D("80")),  # floor
        (D("100"), D("80"), DISCOUNT_50_BELOW, D(1), D("50")),  # explicitly below cost
        (D("100"), D("80"), Rule(K.MARKUP, A.FIXED, D(5)), D(3), D("95")),  # 5 a month x 3
        (D("100"), D("80"), Rule(K.DISCOUNT, A.FIXED, D(200), allow_below_cost=True), D(1), D(0)),
    ],
)
def test_sale_unit(official: D, cost: D, rule: Rule | None, months: D, expected: D) -> None:
    assert p.sale_unit(official, cost, rule, months) == expected


def test_rounding_is_half_up_per_line() -> None:
    line = p.price_line(p.Rate(D("0.125"), D("0.1")), 3, None, D(1))
    assert (line.unit_price, line.amount) == (D("0.13"), D("0.38"))  # 0.375 -> 0.38
    assert (line.unit_cost, line.cost_amount) == (D("0.10"), D("0.30"))
    assert p.round_money(D("2.345")) == D("2.35") and p.round_money(D("-0.005")) == D("-0.01")


def test_most_specific_rule_wins() -> None:
    store = Rule(K.MARKUP, A.PERCENT, D(1), id=1)
    store_group = Rule(K.MARKUP, A.PERCENT, D(2), group=7, id=2)
    product = Rule(K.MARKUP, A.PERCENT, D(3), product="ecs", id=3)
    spec = Rule(K.MARKUP, A.PERCENT, D(4), product="ecs", spec="s6.small.1.linux", id=4)
    spec_group = Rule(
        K.MARKUP, A.PERCENT, D(5), product="ecs", spec="s6.small.1.linux", group=7, id=5
    )
    rules = [spec_group, store, product, spec, store_group]
    assert p.pick_rule(rules, "ecs", "s6.small.1.linux", {7}) is spec_group
    assert p.pick_rule(rules, "ecs", "s6.small.1.linux") is spec
    assert p.pick_rule(rules, "ecs", "c6.large.2.linux") is product
    assert p.pick_rule(rules, "evs", "SATA", {7}) is store_group
    assert p.pick_rule(rules, "evs", "SATA", {8}) is store
    assert p.pick_rule([], "evs", "SATA") is None


def test_tiers() -> None:
    tiers = p.compress_tiers(
        [
            (s, p.Rate(D(23) * s if s <= 5 else D(115) + D(80) * (s - 5), D(0)))
            for s in (1, 2, 5, 6, 10, 300)
        ]
    )
    assert [(t.start, t.rate.official) for t in tiers] == [(1, D(23)), (6, D(80))]
    assert p.tiered(tiers, 3).official == D(69)
    assert p.tiered(tiers, 7).official == D(115 + 160)
    flat = [p.Tier(0, p.Rate(D(5), D(4)))]
    assert p.tiered(flat, 50) == p.Rate(D(5), D(4))


def test_terms() -> None:
    rate = p.Rate(D(10), D(8))
    assert p.term_rate(rate, p.BillingMode.MONTHLY, 3) == p.Rate(D(30), D(24))
    assert p.term_rate(rate, p.BillingMode.ON_DEMAND, 1) == rate
    assert p.months_in_term(p.BillingMode.YEARLY, 2) == D(24)
    assert p.months_in_term(p.BillingMode.ON_DEMAND, 1) * 730 == 1


money = st.decimals(min_value=D("0"), max_value=D("10000"), places=4, allow_nan=False)
rules = st.one_of(
    st.none(),
    st.builds(
        Rule,
        kind=st.sampled_from(list(K)),
        adjustment=st.sampled_from(list(A)),
        value=st.decimals(min_value=D(0), max_value=D(150), places=2),
        allow_below_cost=st.booleans(),
    ),
)


@st.composite
def rate_pairs(draw: st.DrawFn) -> p.Rate:
    official = draw(money)
    cost = draw(st.decimals(min_value=D(0), max_value=official, places=4))
    return p.Rate(official, cost)


@given(st.lists(st.tuples(rate_pairs(), st.integers(1, 500), rules), min_size=1, max_size=8))
def test_total_is_the_sum_of_lines(lines: list[tuple[p.Rate, int, Rule | None]]) -> None:
    priced = [p.price_line(rate, q, rule, D(1)) for rate, q, rule in lines]
    assert p.total(priced) == sum(line.amount for line in priced)
    assert all(line.amount == line.amount.quantize(p.CENT) for line in priced)


@given(rate_pairs(), st.integers(1, 499), rules, st.sampled_from([D(1), D(3), D(12)]))
def test_monotone_in_quantity(rate: p.Rate, q: int, rule: Rule | None, months: D) -> None:
    assert (
        p.price_line(rate, q, rule, months).amount <= p.price_line(rate, q + 1, rule, months).amount
    )


@given(
    st.lists(st.tuples(st.integers(1, 400), rate_pairs()), min_size=1, max_size=4),
    st.integers(1, 1000),
    rules,
)
def test_monotone_in_size(raw: list[tuple[int, p.Rate]], size: int, rule: Rule | None) -> None:
    starts = sorted({1, *(s for s, _r in raw)})
    tiers = [p.Tier(s, r) for s, (_x, r) in zip(starts, raw, strict=False)]
    small = p.price_line(p.tiered(tiers, size), 1, rule, D(1))
    large = p.price_line(p.tiered(tiers, size + 1), 1, rule, D(1))
    assert small.amount <= large.amount


@given(rate_pairs(), st.integers(1, 500), rules)
def test_never_below_cost_under_the_floor(rate: p.Rate, q: int, rule: Rule | None) -> None:
    line = p.price_line(rate, q, rule, D(1))
    if rule is None or not rule.allow_below_cost:
        assert line.amount >= line.cost_amount
    assert line.amount >= 0
