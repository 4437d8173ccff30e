"""The staff dashboard chart: every day of the window, zeros for quiet days, a round y range."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from storefront.backoffice.money import chart_data, nice_ceiling

NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)


def test_every_day_is_on_the_axis_and_quiet_days_are_zero() -> None:
    series = [{"date": "2026-12-06", "sales": Decimal("112.00"), "margin": Decimal("11.20")}]
    chart = chart_data(series, days=30, now=NOW)
    assert len(chart["labels"]) == 30
    assert chart["labels"][0] == "2026-11-07" and chart["labels"][-1] == "2026-12-06"
    assert chart["sales"][-1] == "112.00" and chart["sales"][:-1] == ["0.00"] * 29
    assert chart["margin"][-1] == "11.20"
    assert (chart["y_min"], chart["y_max"]) == ("0.00", "200")  # not a range of 0..112


def test_a_negative_margin_stays_visible() -> None:
    series = [{"date": "2026-12-05", "sales": Decimal("40.00"), "margin": Decimal("-3.50")}]
    chart = chart_data(series, days=7, now=NOW)
    assert chart["y_min"] == "-3.50" and chart["y_max"] == "50"


def test_round_ceilings() -> None:
    assert nice_ceiling(Decimal(0)) == 10
    assert nice_ceiling(Decimal("9.5")) == 20
    assert nice_ceiling(Decimal("220")) == 250  # 242 -> 2.5 x 100
    assert nice_ceiling(Decimal("230")) == 500  # 253 -> 5 x 100
    assert nice_ceiling(Decimal("4100")) == 5000
    assert nice_ceiling(Decimal("95000")) == 200000
