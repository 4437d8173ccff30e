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
        assert hour[0][2] < hour[0][1]  # the partner's cost is discounted
        assert rows("s6.large.2.linux", "month")[0][1] == Decimal("112.00")
        assert rows("s6.large.2.linux", "year")[0][1] == Decimal("1120.00")
        # bandwidth is tiered: the first 5 Mbit/s cheaper than the rest
        tiers = rows("19_bgp", "month")
        assert [(t[0], t[1]) for t in tiers] == [(1, Decimal("23")), (6, Decimal("80"))]
        assert [(t[0], t[1]) for t in rows("SATA", "month")] == [(1, Decimal("0.3"))]
        assert rows("s6.large.2.linux", "month", "cn-south-1")[0][1] == Decimal("117.60")
        count = db.session.scalar(select(func.count(PriceBookEntry.id)))
        assert count and count > 100
