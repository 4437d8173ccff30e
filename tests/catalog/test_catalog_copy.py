"""The per-process copies quotes and pages read (storefront/caching.py, catalog/snapshot.py):
what they show is what was committed, they stay bounded, and the catalogue is refreshed off
the request path."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text

from storefront import caching
from storefront.catalog import copy_builder, snapshot
from storefront.catalog.models import PriceRule, Spec, SpecRegion
from storefront.extensions import db
from storefront.stores.tenancy import store_context

ECS = {"product": "ecs", "spec": "s6.large.2.linux", "quantity": 1}
MONTHLY = {"region": "cn-north-4", "billing_mode": "monthly", "period": 1, "items": [ECS]}


def _monthly_price(quote: Any) -> str:
    resp = quote(MONTHLY)
    assert resp.status_code == 201, resp.get_json()
    return str(resp.get_json()["total"])


BOUNDED: caching.Cache[str] = caching.Cache("test.bounded", tables=(), limit=10, size=len)
STORES: caching.Cache[int] = caching.Cache(
    "test.stores", tables=("catalog_price_rules",), limit=1000
)


@pytest.fixture(autouse=True)
def _no_builder_left() -> Iterator[None]:
    """A refresh may have started the copy's builder process: none outlives its test."""
    yield
    copy_builder.stop_builders()


def _others_see(app: Any, store: Any) -> list[Any]:
    """The store's rules as another request (its own session) reads them now."""
    with app.app_context(), store_context(store):
        return [r.value for r in snapshot.store_copy(store.id).rules]


def _discount(app: Any, store: Any) -> None:
    """A 10 % store-wide discount, flushed (not committed) in the test's session."""
    with store_context(store):
        db.session.add(
            PriceRule(
                kind="discount", adjustment="percent", value=Decimal(10), allow_below_cost=True
            )
        )
        db.session.flush()


def test_a_rolled_back_price_rule_is_never_quoted(app: Any, quote: Any, catalog: Any) -> None:
    assert _monthly_price(quote) == "112.00"
    with app.app_context():
        _discount(app, catalog["store"])
        with store_context(catalog["store"]):
            # the writing transaction sees its own rule ...
            assert [r.value for r in snapshot.store_copy(catalog["store"].id).rules] == [10]
        assert _others_see(app, catalog["store"]) == []
        db.session.rollback()
    # ... nobody else does, before or after the rollback
    assert _monthly_price(quote) == "112.00"


def test_a_committed_price_rule_is_quoted_at_once(app: Any, quote: Any, catalog: Any) -> None:
    assert _monthly_price(quote) == "112.00"
    with app.app_context():
        _discount(app, catalog["store"])
        with store_context(catalog["store"]):
            snapshot.store_copy(catalog["store"].id)  # loaded inside the transaction
        assert _others_see(app, catalog["store"]) == []  # not committed yet: not shown
        db.session.commit()
        assert _others_see(app, catalog["store"]) == [10]
    assert _monthly_price(quote) == "100.80"


def test_caches_are_bounded_least_recently_used_first(app: Any) -> None:
    loads: list[str] = []
    cache = BOUNDED

    def get(key: str) -> str:
        return cache.get(key, lambda: loads.append(key) or key * 4)

    with app.app_context():
        for key in ("a", "b", "a", "c"):  # 4 + 4 > 10 once "c" comes: "b" (least recent) goes
            get(key)
        assert cache.stats() == (2, 8)
        get("a")
        get("b")
    assert loads == ["a", "b", "c", "b"]


def test_one_store_s_change_keeps_the_other_stores_entries(app: Any) -> None:
    loads: list[int] = []
    cache = STORES
    with app.app_context():
        for store_id in range(1, 501):
            cache.get(store_id, lambda s=store_id: loads.append(s) or s, scope=store_id)
        cache.drop([7])  # what a commit of store 7's price rule does
        for store_id in range(1, 501):
            cache.get(store_id, lambda s=store_id: loads.append(s) or s, scope=store_id)
    assert len(loads) == 501 and loads[-1] == 7


@pytest.mark.parametrize("shared", [True, False], ids=["builder process", "own thread"])
def test_a_request_during_a_refresh_is_answered_from_the_copy_in_hand(
    app: Any, quote: Any, catalog: Any, shared: bool
) -> None:
    app.config["CATALOG_CACHE_SECONDS"] = 0  # every request finds the copy due for a refresh
    app.config["CATALOG_COPY_SHARED"] = shared
    assert _monthly_price(quote) == "112.00"
    with app.app_context():
        done = snapshot.COPY.wait()
        # another process re-prices the book (no event of this one sees it)
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE catalog_price_book SET official = official * 2,"
                    " fetched_at = CURRENT_TIMESTAMP"
                )
            )
    assert _monthly_price(quote) == "112.00"  # the request that noticed did not rebuild
    with app.app_context():
        assert snapshot.COPY.wait() > done
    assert _monthly_price(quote) == "224.00"
    with app.app_context():
        snapshot.COPY.wait()  # the refresh that last request started (before the tables empty)


def test_a_long_spec_list_comes_in_pages(app: Any, client: Any, catalog: Any) -> None:
    with app.app_context():
        base = db.session.scalar(select(Spec).where(Spec.code == "s6.large.2.linux"))
        assert base is not None
        for n in range(10):
            db.session.add(
                Spec(
                    product_code="ecs",
                    code=f"t{n}.large.2.linux",
                    name=f"Test flavour {n}",
                    service_type=base.service_type,
                    resource_type=base.resource_type,
                    family=base.family,
                    os="linux",
                    vcpus=2,
                    memory_gib=Decimal(4),
                    sort=1000 + n,
                    regions=[SpecRegion(region_code="cn-north-4", on_demand=True, period=True)],
                )
            )
        db.session.commit()  # 22 + 10 flavours: two pages
    first = client.get("/products/ecs?region=cn-north-4").get_data(as_text=True)
    assert "Page 1 of 2" in first and "s6.large.2.linux" in first
    assert "t9.large.2.linux" not in first
    second = client.get("/products/ecs?region=cn-north-4&page=2").get_data(as_text=True)
    assert "t9.large.2.linux" in second and "s6.large.2.linux" not in second
    zh = client.get(
        "/products/ecs?region=cn-north-4&page=2", headers={"Accept-Language": "zh-CN"}
    ).get_data(as_text=True)
    assert "第 2 页，共 2 页" in zh and "上一页" in zh
