"""The price sync asks the provider as little as it can: up to the documented 100 items per
rating call (the provider refuses more), nothing for prices still fresh, only what is missing
after an interruption, and a price the provider changed is in the book after the next refresh."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from storefront.catalog import price_sync, sync
from storefront.catalog.models import PriceBookEntry, TermPrice
from storefront.clock import utcnow
from storefront.cloud import build_provider
from storefront.cloud.interface import MAX_RATING_ITEMS, RatingItem, UpstreamRejected
from storefront.cloud.sandbox import prices
from storefront.cloud.sandbox.testing import RunningSandbox
from storefront.extensions import db
from tests.cloud.conftest import extra_sandbox, settings_for
from tests.conftest import QUOTA_SCALE

__all__ = ["extra_sandbox"]

ON_DEMAND = "/v2/bills/ratings/on-demand-resources"
PERIOD = "/v2/bills/ratings/period-resources/subscribe-rate"


def _ratings(running: RunningSandbox) -> tuple[int, int]:
    calls = running.calls()
    return calls.get(ON_DEMAND, 0), calls.get(PERIOD, 0)


def _items(n: int) -> list[RatingItem]:
    return [
        RatingItem(
            key=f"line-{i}",
            service_type=prices.EC2,
            resource_type=prices.VM,
            spec="s6.large.2.linux",
            region="cn-north-4",
        )
        for i in range(n)
    ]


def _book() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(PriceBookEntry)) or 0,
        db.session.scalar(select(func.count()).select_from(TermPrice)) or 0,
    )


@pytest.fixture
def private(extra_sandbox: Callable[..., RunningSandbox]) -> tuple[RunningSandbox, Any]:
    # the account's quotas raised on both sides (tests.conftest.QUOTA_SCALE): these tests count
    # calls and items; tests/cloud/test_throttling.py checks the documented quotas
    running = extra_sandbox(quota_scale=QUOTA_SCALE)
    settings = settings_for(running.url, STOREFRONT_CLOUD_QUOTA_SCALE=str(QUOTA_SCALE))
    return running, build_provider(settings)


def test_the_provider_takes_100_items_per_rating_call_and_refuses_101(
    private: tuple[RunningSandbox, Any],
) -> None:
    _running, provider = private
    assert MAX_RATING_ITEMS == 100
    assert len(provider.rate_on_demand(items=_items(100)).items) == 100
    from storefront.cloud.interface import PeriodType

    assert len(provider.rate_period(items=_items(100), period=PeriodType.YEAR).items) == 100
    with pytest.raises(UpstreamRejected) as on_demand:
        provider.rate_on_demand(items=_items(101))
    assert on_demand.value.code == "CBC.0100"
    with pytest.raises(UpstreamRejected) as period:
        provider.rate_period(items=_items(101), period=PeriodType.MONTH)
    assert period.value.code == "CBC.0100"


def test_a_full_sync_fills_every_call_to_the_limit_and_a_rerun_asks_nothing(
    app: Any, default_store: Any, private: tuple[RunningSandbox, Any]
) -> None:
    running, provider = private
    with app.app_context():
        now = utcnow()
        sync.sync_catalog(db.session, provider, now=now)
        plan = sync.price_units(db.session, now=now)
        items = {True: 0, False: 0}
        for batch in plan:
            assert batch.items <= MAX_RATING_ITEMS
            items[batch.on_demand] += batch.items
        before = _ratings(running)
        assert sync.sync_prices(db.session, provider, now=now) == len(plan)
        after = _ratings(running)
        made = (after[0] - before[0], after[1] - before[1])
        # every call as full as the 100-item limit allows (a series of sizes is never split)
        assert made[0] == math.ceil(items[True] / 100)
        assert made[1] <= math.ceil(items[False] / 100) + 2
        # every region's prepaid months and years share calls: far fewer than one per term
        assert made[1] * 100 >= items[False] > (made[1] - 3) * 100
        book = _book()
        catalogue_calls = sum(running.calls().values())

        # nothing is stale: a rerun makes no provider call at all, and changes nothing
        stats = price_sync.Stats()
        assert sync.sync_catalog(db.session, provider, now=utcnow()) == 0
        assert sync.sync_prices(db.session, provider, now=utcnow(), stats=stats) == 0
        assert stats.fresh == sum(len(b.series) for b in plan)
        assert sum(running.calls().values()) == catalogue_calls
        assert _book() == book


def _stop_after(units: Iterable[Any], n: int) -> Iterator[Any]:
    """The run is killed (Ctrl-C) while it works on its ``n + 1``-th call."""
    for i, unit in enumerate(units):
        if i == n:
            raise KeyboardInterrupt
        yield unit


def test_an_interrupted_sync_resumes_with_what_is_missing(
    app: Any, client: Any, default_store: Any, private: tuple[RunningSandbox, Any]
) -> None:
    running, provider = private
    with app.app_context():
        now = utcnow()
        sync.sync_catalog(db.session, provider, now=now)
        plan = sync.price_units(db.session, now=now)
        with pytest.raises(KeyboardInterrupt):
            sync.sync_prices(db.session, provider, now=now, units=_stop_after(plan, 10))
        db.session.rollback()
        left = sync.price_units(db.session, now=now)
        # the calls written before the stop are kept (whole calls: a call's series or none of
        # them); the next run plans only the series still missing
        pending = {s for b in left for s in b.series}
        written = [b for b in plan if not pending & set(b.series)]
        assert 0 < len(written) <= 10
        assert pending == {s for b in plan for s in b.series} - {
            s for b in written for s in b.series
        }
        assert len(left) < len(plan)
        before = sum(_ratings(running))
        assert sync.sync_prices(db.session, provider, now=now) == len(left)
        assert sum(_ratings(running)) - before == len(left)
        assert sync.price_units(db.session, now=now) == []
    body = {"region": "ap-southeast-1", "billing_mode": "yearly", "period": 3,
            "items": [{"product": "ecs", "spec": "m6.2xlarge.8.win", "quantity": 1}]}
    assert client.post("/api/v1/quotes", json=body).status_code == 201


def test_a_price_the_provider_changed_is_in_the_book_after_the_next_refresh(
    app: Any, default_store: Any, private: tuple[RunningSandbox, Any]
) -> None:
    running, provider = private

    def hourly(spec: str) -> Decimal:
        return db.session.scalar(
            select(PriceBookEntry.official).where(
                PriceBookEntry.region_code == "cn-north-4",
                PriceBookEntry.provider_spec == spec,
                PriceBookEntry.period_unit == "hour",
            )
        ) or Decimal(0)

    with app.app_context():
        now = utcnow()
        sync.sync_catalog(db.session, provider, now=now)
        sync.sync_prices(db.session, provider, now=now)
        assert hourly("s6.large.2.linux") == Decimal("0.38")
        running.change_price(
            prices.EC2, prices.VM, "s6.large.2.linux", hourly="0.4100", monthly="120.00"
        )
        # still fresh: not asked again, the old price stays
        assert sync.sync_prices(db.session, provider, now=now + timedelta(hours=1)) == 0
        assert hourly("s6.large.2.linux") == Decimal("0.38")
        # stale after the window: rated again, the new price is in, the others only re-dated
        later = now + sync.DEFAULT_WINDOW + timedelta(minutes=1)
        stats = price_sync.Stats()
        assert sync.sync_prices(db.session, provider, now=later, stats=stats) > 0
        assert hourly("s6.large.2.linux") == Decimal("0.41")
        assert hourly("c6.large.2.linux") == Decimal("0.56")
        month3 = db.session.scalar(
            select(TermPrice.official).where(
                TermPrice.region_code == "cn-north-4",
                TermPrice.provider_spec == "s6.large.2.linux",
                TermPrice.period_unit == "month",
                TermPrice.period_num == 3,
            )
        )
        assert month3 == Decimal("360.00")
        # per region: the hour, 9 month and 3 year series of the changed spec were rewritten
        regions = len(prices.REGIONS)
        assert stats.deleted == stats.inserted == 13 * regions
        assert stats.unchanged > 10 * stats.inserted
        oldest = db.session.scalar(select(func.min(PriceBookEntry.fetched_at)))
        assert oldest is not None and oldest.replace(tzinfo=None) >= later.replace(tzinfo=None)


def test_the_commands_report_what_they_asked_and_skip_what_is_fresh(
    app: Any, catalog: Any
) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["storefront", "sync-catalog", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Catalogue: fetched 0 of 40 units (the rest were fresh)" in result.output
    result = runner.invoke(args=["storefront", "sync-prices"])
    assert result.exit_code == 0, result.output
    assert "0 rating calls to make" in result.output
    assert "Prices: 0 rating calls (on demand 0, prepaid 0)" in result.output


def test_the_real_catalogue_is_the_providers_size_and_the_same_on_every_run() -> None:
    products, regions = prices.build("real")
    assert len(regions) == 30
    servers = [p for p in products if p.resource_type == prices.VM]
    assert len(servers) == 800
    assert len({p.spec.rsplit(".", 1)[0] for p in servers}) == 400
    assert products == prices.build("real")[0]
    small, small_regions = prices.build("small")
    assert {p.spec for p in small} <= {p.spec for p in products}
    assert set(small_regions) <= set(regions)
    assert {p.spec for p in products if p.resource_type != prices.VM} == {
        p.spec for p in small if p.resource_type != prices.VM
    }
    for p in servers:  # named as the provider names them: family | flavour | vCPUs | GiB | OS
        family, flavour, vcpus, memory, _os = (part.strip() for part in p.name.split("|"))
        assert family in prices.FAMILIES_ZH and p.spec.startswith(flavour + ".")
        assert int(vcpus.removesuffix("vCPUs")) > 0 and int(memory.removesuffix("GiB")) > 0
