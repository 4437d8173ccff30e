"""Catalogue and price sync from the sandbox: what lands in the local tables."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from storefront.catalog.models import PriceBookEntry, Spec
from storefront.extensions import db


def test_specs_and_prices_are_synced(app: Any, catalog: Any) -> None:
    with app.app_context():
        ecs = db.session.scalar(select(Spec).where(Spec.code == "s6.large.2.linux"))
        assert ecs is not None
        assert (ecs.product_code, ecs.family, ecs.os, ecs.vcpus) == (
            "ecs",
            "General computing",
            "linux",
            2,
        )
        assert ecs.memory_gib == Decimal(4)
        assert {r.region_code for r in ecs.regions} >= {"cn-north-4", "ap-southeast-1"}
        win = db.session.scalar(select(Spec).where(Spec.code == "s6.large.2.win"))
        assert win is not None and win.os == "windows"
        sata = db.session.scalar(select(Spec).where(Spec.code == "SATA"))
        assert sata is not None and (sata.min_size, sata.max_size, sata.size_unit) == (
            10,
            32768,
            "GB",
        )
        eip = db.session.scalar(select(Spec).where(Spec.code == "5_bgp"))
        assert eip is not None and eip.bandwidth_spec == "19_bgp"
        assert db.session.scalar(select(Spec).where(Spec.product_code == "vpc")) is not None

        def rows(
            spec: str, unit: str, region: str = "cn-north-4"
        ) -> list[tuple[int, Decimal, Decimal]]:
            return [
                (r.size_from, r.official, r.cost)
                for r in db.session.scalars(
                    select(PriceBookEntry)
                    .where(
                        PriceBookEntry.provider_spec == spec,
                        PriceBookEntry.period_unit == unit,
                        PriceBookEntry.region_code == region,
                    )
                    .order_by(PriceBookEntry.size_from)
                )
            ]

        hour = rows("s6.large.2.linux", "hour")
        assert hour[0][:2] == (0, Decimal("0.38"))
        assert hour[0][2] == hour[0][1]  # the partner's cost is the list price it was quoted
        assert rows("s6.large.2.linux", "month")[0][1] == Decimal("112.00")
        assert rows("s6.large.2.linux", "year")[0][1] == Decimal("1120.00")
        # bandwidth is tiered: the first 5 Mbit/s cheaper than the rest
        tiers = rows("19_bgp", "month")
        assert [(t[0], t[1]) for t in tiers] == [(1, Decimal("23")), (6, Decimal("80"))]
        assert [(t[0], t[1]) for t in rows("SATA", "month")] == [(1, Decimal("0.3"))]
        assert rows("s6.large.2.linux", "month", "cn-south-1")[0][1] == Decimal("117.60")
        count = db.session.scalar(select(func.count(PriceBookEntry.id)))
        assert count and count > 100


def test_multi_period_terms_are_rated_and_quoted_at_the_providers_term_price(
    app: Any, client: Any, catalog: Any
) -> None:
    """``list_rate_on_period_detail`` is asked for every term (months 2..9, years 2..3) and a
    quote for a term the book holds uses that price, not N times one period."""
    from sqlalchemy import delete as sql_delete
    from sqlalchemy import update as sql_update

    from storefront.catalog.models import TermPrice

    with app.app_context():
        rows = db.session.execute(
            select(TermPrice.period_unit, TermPrice.period_num, TermPrice.official, TermPrice.cost)
            .where(
                TermPrice.region_code == "cn-north-4",
                TermPrice.provider_spec == "s6.large.2.linux",
            )
            .order_by(TermPrice.period_unit, TermPrice.period_num)
        ).all()
    terms = {(unit, num): (official, cost) for unit, num, official, cost in rows}
    assert sorted(terms) == [("month", n) for n in range(2, 10)] + [("year", 2), ("year", 3)]
    # the sandbox prices a term as N periods (a year is 10 months), at the list price
    assert terms[("month", 3)] == (Decimal("336.00"), Decimal("336.00"))
    assert terms[("year", 2)] == (Decimal("2240.00"), Decimal("2240.00"))

    def yearly(years: int) -> str:
        body = {
            "region": "cn-north-4",
            "billing_mode": "yearly",
            "period": years,
            "items": [{"product": "ecs", "spec": "s6.large.2.linux", "quantity": 2}],
        }
        resp = client.post("/api/v1/quotes", json=body)
        assert resp.status_code == 201, resp.get_json()
        return str(resp.get_json()["total"])

    assert yearly(3) == "6720.00"  # 2 x 3 x 1120.00
    # the provider's 3-year price is lower than three single years: the quote follows it
    with app.app_context():
        db.session.execute(
            sql_update(TermPrice)
            .where(
                TermPrice.provider_spec == "s6.large.2.linux",
                TermPrice.period_unit == "year",
                TermPrice.period_num == 3,
            )
            .values(official=Decimal("2500.00"), cost=Decimal("2250.00"))
        )
        db.session.commit()
    assert yearly(3) == "5000.00"
    assert yearly(1) == "2240.00" and yearly(2) == "4480.00"  # untouched terms
    form = {
        "region": "cn-north-4",
        "ecs_spec": "s6.large.2.linux",
        "ecs_quantity": "2",
        "years": "3",
    }
    html = client.get("/calculator?" + "&".join(f"{k}={v}" for k, v in form.items()))
    assert 'data-price="yearly">CN¥5,000.00<' in html.get_data(as_text=True)
    # a term the book does not hold: N times one period
    with app.app_context():
        db.session.execute(sql_delete(TermPrice).where(TermPrice.period_unit == "year"))
        db.session.commit()
    assert yearly(3) == "6720.00"
