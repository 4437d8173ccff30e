"""The catalogue copy built once and read from a file by every worker
(storefront/catalog/copy_builder.py, copy_file.py): a second worker reads it without
rebuilding, a change committed elsewhere reaches a worker through the file (with or without a
builder running), a damaged file is never used, a builder that dies leaves the copy in hand,
and a refresh still reloads only the slabs that changed."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text, update

from storefront.catalog import copy_builder, copy_file, snapshot
from storefront.catalog.models import PriceBookEntry
from storefront.clock import utcnow
from storefront.extensions import db

ECS = {"product": "ecs", "spec": "s6.large.2.linux", "quantity": 1}
MONTHLY = {"region": "cn-north-4", "billing_mode": "monthly", "period": 1, "items": [ECS]}


@pytest.fixture(autouse=True)
def _no_builder_left() -> Iterator[None]:
    yield
    copy_builder.stop_builders()
    assert copy_builder.builders() == []


def _price(client: Any) -> str:
    resp = client.post("/api/v1/quotes", json=MONTHLY)
    assert resp.status_code == 201, resp.get_json()
    return str(resp.get_json()["total"])


def _path(app: Any) -> Any:
    with app.app_context():
        shared = snapshot.shared_copy()
        assert shared is not None
        return shared.path


def _double_prices_behind_the_orm(app: Any) -> None:
    """What another process's sync does: new prices, fetched now (no event here sees it)."""
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(
            text("UPDATE catalog_price_book SET official = official * 2, fetched_at = :now"),
            {"now": utcnow() + timedelta(minutes=1)},
        )


def test_a_second_worker_reads_the_copy_the_first_built(
    app: Any, make_app: Any, client: Any, catalog: Any
) -> None:
    assert _price(client) == "112.00"
    with app.app_context():
        built = snapshot.catalog()
    other = make_app()  # another worker: same database, same instance folder
    with other.app_context():
        read = snapshot.catalog()
    assert read.version == built.version  # the same copy, not one built again
    slab = next(iter(read.book.slabs.values()))
    assert isinstance(slab.official, memoryview)  # columns straight from the file's mapping
    assert _price(other.test_client()) == "112.00"


def test_a_commit_elsewhere_reaches_a_worker_through_the_builder(
    app: Any, make_app: Any, client: Any, catalog: Any
) -> None:
    assert _price(client) == "112.00"
    other = make_app(STOREFRONT_CATALOG_CACHE_SECONDS="0")  # due at every request
    other_client = other.test_client()
    assert _price(other_client) == "112.00"
    with app.app_context():  # this worker commits new prices: its copy and the file follow
        db.session.execute(
            update(PriceBookEntry).values(
                official=PriceBookEntry.official * 2, fetched_at=utcnow() + timedelta(minutes=1)
            )
        )
        db.session.commit()
    assert _price(client) == "224.00"
    assert _price(other_client) == "112.00"  # answered from the copy in hand; refresh started
    with other.app_context():
        snapshot.COPY.wait()
    assert _price(other_client) == "224.00"
    with other.app_context():
        snapshot.COPY.wait()


def test_a_commit_reaches_the_other_workers_while_a_builder_runs(
    app: Any, make_app: Any, client: Any, catalog: Any
) -> None:
    other = make_app(STOREFRONT_CATALOG_CACHE_SECONDS="0")
    other_client = other.test_client()
    assert _price(other_client) == "112.00"
    assert _price(other_client) == "112.00"  # due: starts the builder, which stays
    with other.app_context():
        snapshot.COPY.wait()
    assert copy_builder.builders()
    assert _price(client) == "112.00"
    with app.app_context():  # new prices, same fetched_at: no table's signature changes
        db.session.execute(update(PriceBookEntry).values(official=PriceBookEntry.official * 2))
        db.session.commit()
    assert _price(client) == "224.00"
    _price(other_client)  # due: a refresh
    with other.app_context():
        snapshot.COPY.wait()
    assert _price(other_client) == "224.00"
    with other.app_context():
        snapshot.COPY.wait()


def test_a_partial_or_damaged_file_is_never_used(
    app: Any, make_app: Any, client: Any, catalog: Any
) -> None:
    assert _price(client) == "112.00"
    path = _path(app)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(copy_file.Unreadable):
        copy_file.read(path)
    damaged = bytearray(whole)
    damaged[-9] ^= 0xFF  # one byte of the last price column
    path.write_bytes(bytes(damaged))
    with pytest.raises(copy_file.Unreadable):
        copy_file.read(path)
    _double_prices_behind_the_orm(app)
    other = make_app()  # starts with the damaged file: builds its own copy and writes it
    assert _price(other.test_client()) == "224.00"
    with other.app_context():
        version = snapshot.catalog().version
    assert copy_file.read(path)[0] == version


def test_a_builder_that_dies_leaves_the_copy_in_hand(
    app: Any, client: Any, catalog: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["CATALOG_CACHE_SECONDS"] = 0
    assert _price(client) == "112.00"
    with app.app_context():
        done = snapshot.COPY.wait()
    _double_prices_behind_the_orm(app)
    # the builder is killed before it can write: holding the file's write turn keeps it
    # waiting there (on a busy machine it could otherwise finish before the kill)
    with copy_builder.writing(_path(app)):
        assert _price(client) == "112.00"  # starts the builder
        deadline = time.monotonic() + 10
        while not copy_builder.builders() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert copy_builder.builders(), "no builder started"
        for pid in copy_builder.builders():
            os.kill(pid, signal.SIGKILL)
    with app.app_context():
        assert snapshot.COPY.wait() == done  # that refresh failed ...
    assert "refreshing catalog failed" in caplog.text
    assert _price(client) == "112.00"  # ... the copy in hand stays; the next one starts another
    with app.app_context():
        assert snapshot.COPY.wait() == done + 1
    assert _price(client) == "224.00"
    with app.app_context():
        snapshot.COPY.wait()


def test_a_refresh_of_a_copy_read_from_a_file_reloads_only_the_changed_slabs(
    app: Any, catalog: Any, tmp_path: Any
) -> None:
    path = tmp_path / "catalog.copy"
    with app.app_context():
        with db.engine.connect() as conn:
            built = snapshot.build_copy(conn)
        copy_file.write(path, built, built.version, time.time())
        _version, loaded = copy_file.read(path)
        with db.engine.begin() as conn:
            conn.execute(
                text("UPDATE catalog_price_book SET fetched_at = :now WHERE region_code = :r"),
                {"now": utcnow() + timedelta(minutes=1), "r": "cn-north-4"},
            )
        with db.engine.connect() as conn:
            fresh = snapshot.refresh_copy(conn, loaded, frozenset())
    reloaded = {k for k, slab in fresh.book.slabs.items() if slab is not loaded.book.slabs[k]}
    assert reloaded == {k for k in loaded.book.slabs if k[0] == "cn-north-4"}
    assert fresh.terms is loaded.terms and fresh.specs is loaded.specs
    assert fresh.version != loaded.version
