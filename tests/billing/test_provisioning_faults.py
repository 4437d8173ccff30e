"""Crashes between steps, provider faults, and on-demand usage billing against the sandbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from storefront.accounts.models import Customer, CustomerStatus
from storefront.billing import provisioning, reconcile, services, usage, worker
from storefront.billing.cli import check_ledger
from storefront.billing.models import (
    LIVE_ORDER_STATUSES,
    Arrears,
    Job,
    JobStatus,
    Order,
    OrderStatus,
    UsageCharge,
)
from storefront.clock import utcnow
from storefront.extensions import cloud_provider, db
from tests.billing.conftest import assert_ledger_invariants
from tests.shop import EVS, quote_total, token


@pytest.mark.parametrize(
    "step", ["provisioning", "before_fund", "after_fund", "after_create", "after_pay"]
)
def test_kill_between_steps_then_reconcile_completes(
    app: Flask, buyer: Customer, make_quote: Callable[..., str],
    give: Callable[[Customer, str], None], step: str,
) -> None:
    from storefront.billing import orders

    quote_id = make_quote(buyer, items=[{"product": "ecs", "spec": "s6.large.2.linux",
                                         "quantity": 1}, EVS])
    price = quote_total(app, quote_id)
    give(buyer, str(price))
    with app.app_context():
        order_id = orders.place_order(buyer, quote_id)["id"]
        claimed = worker.claim()  # a worker takes the job ...
        assert claimed is not None
        provisioning.CRASH_POINTS.add(step)
        try:
            with pytest.raises(provisioning.SimulatedCrash):  # ... and dies at `step`
                provisioning.provision(order_id, buyer.store_id)
        finally:
            provisioning.CRASH_POINTS.clear()
        db.session.rollback()
        later = utcnow() + worker.lease() + timedelta(minutes=1)
        report = reconcile.reconcile(older_than=timedelta(0), now=later)
        # the job is still marked running under its dead worker's expired lease: reconcile
        # says so and leaves it to the queue, where the next worker takes it over
        assert [lease.key for lease in report.expired_leases] == [f"provision:{order_id}"]
        assert report.completed == [] and report.examined == 0
        worker.run_pending(now=later)
        job = db.session.scalar(select(Job).where(Job.key == f"provision:{order_id}"))
        assert job is not None and job.status == JobStatus.DONE.value
        assert job.attempts == 2  # the dead worker's try and the one that took it over
        found = db.session.get(Order, order_id, populate_existing=True)
        assert found is not None and found.status == OrderStatus.ACTIVE
        assert found.funded_amount == found.cost_total  # funded exactly once
        assert services.balance(buyer) == Decimal("0.00")
        assert check_ledger().ok
        assert_ledger_invariants()


def test_faults_never_reach_the_customer_and_money_adds_up(
    app: Flask, client: FlaskClient, make_buyer: Callable[..., Customer],
    make_quote: Callable[..., str], give: Callable[[Customer, str], None], sandbox: Any,
) -> None:
    buyers = [make_buyer() for _ in range(3)]
    funded = Decimal("3000.00")
    quotes = {b.id: [make_quote(b) for _ in range(3)] for b in buyers}
    for b in buyers:
        give(b, str(funded))
    headers = {b.id: token(client, b) for b in buyers}
    sandbox.set_faults(fault_rate=0.3, mode="mixed", hang_s=0.2)
    try:
        for b in buyers:
            for i, quote_id in enumerate(quotes[b.id]):
                resp = client.post(
                    "/api/v1/orders", json={"quote_id": quote_id},
                    headers={**headers[b.id], "Idempotency-Key": f"f{i}"},
                )
                assert resp.status_code < 500 and resp.status_code == 201, resp.get_json()
                assert client.get("/api/v1/orders", headers=headers[b.id]).status_code == 200
                assert client.get("/api/v1/resources", headers=headers[b.id]).status_code == 200
        with app.app_context():
            moment = utcnow()
            for _ in range(60):  # the worker, with time moving on past each backoff
                moment += timedelta(minutes=10)
                worker.run_pending(now=moment)
                open_orders = db.session.scalars(
                    select(Order).where(
                        Order.status.in_([OrderStatus.PAID, OrderStatus.PROVISIONING])
                    ).execution_options(populate_existing=True)
                ).all()
                if not open_orders:
                    break
                for o in open_orders:
                    worker.requeue(f"provision:{o.id}", now=moment)
                db.session.commit()
    finally:
        sandbox.clear_faults()
    with app.app_context():
        for b in buyers:
            live = db.session.scalars(
                select(Order).where(
                    Order.customer_id == b.id, Order.status.in_(LIVE_ORDER_STATUSES)
                )
            ).all()
            statuses = {
                o.status for o in db.session.scalars(select(Order).where(Order.customer_id == b.id))
            }
            assert statuses <= {OrderStatus.ACTIVE, OrderStatus.REFUNDED}, statuses
            assert services.balance(b) + sum((o.total for o in live), Decimal(0)) == funded
        assert check_ledger().ok
        assert_ledger_invariants()


def test_on_demand_usage_is_billed_with_arrears_mail_and_freeze(
    app: Flask, client: FlaskClient, buyer: Customer, make_quote: Callable[..., str],
    give: Callable[[Customer, str], None], sandbox: Any, mail_dir: Path,
) -> None:
    give(buyer, "1.00")
    headers = token(client, buyer)
    resp = client.post(
        "/api/v1/orders", json={"quote_id": make_quote(buyer, mode="on_demand")}, headers=headers
    )
    assert resp.status_code == 201, resp.get_json()
    with app.app_context():
        worker.run_pending()
        assert db.session.get(Order, resp.get_json()["id"]).status == OrderStatus.ACTIVE
    sandbox._control("POST", "/_sandbox/resources/advance", {"hours": 5})
    with app.app_context():
        report = usage.bill_usage()
        assert report.records == 5, report
        assert report.charged == Decimal("1.00") and report.shortfall == Decimal("0.90")
        assert services.balance(buyer) == Decimal("0.00")
        arrears = db.session.scalar(select(Arrears))
        assert arrears is not None and arrears.amount == Decimal("0.90")
        assert arrears.frozen_at is not None  # grace 0 days: frozen at once
        assert arrears.freeze_note
        frozen = db.session.get(Customer, buyer.id)
        assert frozen is not None and frozen.status == CustomerStatus.FROZEN
        again = usage.bill_usage()
        assert again.records == 0 and again.charged == 0
        assert len(db.session.scalars(select(UsageCharge)).all()) == 5
        assert check_ledger().ok
        assert_ledger_invariants()
    assert list(mail_dir.glob("*.eml"))
    give(buyer, "2.00")
    with app.app_context():
        usage.bill_usage()  # the arrears are paid first from the new money
        assert services.balance(buyer) == Decimal("1.10")
        assert db.session.scalar(select(Arrears)).amount == Decimal("0.00")


ADJUST_AMOUNT = "/v2/accounts/partner-accounts/adjust-amount"


@pytest.mark.parametrize("when", ["after", "before"])
def test_funding_with_unknown_outcome_is_checked_before_sending_again(
    app: Flask, buyer: Customer, make_quote: Callable[..., str],
    give: Callable[[Customer, str], None], sandbox: Any, when: str,
) -> None:
    """The funding call times out ``after`` the provider applied it (or ``before``): the retry
    asks the provider's adjustment records first, so the customer is funded exactly once."""
    from storefront.billing import orders
    from storefront.extensions import cloud_provider

    quote_id = make_quote(buyer)
    give(buyer, str(quote_total(app, quote_id)))
    hang_s = sandbox.inspect()["faults"]["hang_s"]
    sandbox.set_faults(hang_s=0.1)
    sandbox.fail_once(ADJUST_AMOUNT, when)
    try:
        with app.app_context():
            order_id = orders.place_order(buyer, quote_id)["id"]
            with pytest.raises(worker.Retry):
                provisioning.provision(order_id, buyer.store_id)  # the funding times out
            order = db.session.get(Order, order_id, populate_existing=True)
            assert order is not None and order.status == OrderStatus.PROVISIONING
            assert order.funded_amount == 0 and order.funding_started_at is not None
            retried = provisioning.provision(order_id, buyer.store_id)
            assert retried == OrderStatus.ACTIVE  # the retry
            order = db.session.get(Order, order_id, populate_existing=True)
            assert order is not None and order.funded_amount == order.cost_total
            fundings = cloud_provider().list_customer_fundings(
                customer_id=buyer.provider_customer_id,
                since=order.created_at - timedelta(hours=1),
            )
            assert [f.amount for f in fundings] == [order.cost_total]  # exactly one funding
            assert order.funding_transfer_id == fundings[0].transfer_id
            found = [e.status for e in order.events if e.status == "funding_found"]
            assert found == (["funding_found"] if when == "after" else [])
            assert check_ledger().ok
    finally:
        sandbox.set_faults(hang_s=hang_s)
    funds = sandbox._control("GET", "/_sandbox/resources", None)["funds"]
    assert Decimal(str(funds[buyer.provider_customer_id])) == 0  # all of it paid the order


def test_server_gets_one_network_of_its_own_across_retries(
    app: Flask, buyer: Customer, make_quote: Callable[..., str],
    give: Callable[[Customer, str], None], sandbox: Any,
) -> None:
    """An ECS line boots in a VPC + subnet made for it; a retry after the server create timed
    out reuses that network (found by the line's marker) instead of making another."""
    from storefront.billing import orders

    quote_id = make_quote(buyer)
    give(buyer, str(quote_total(app, quote_id)))
    hang_s = sandbox.inspect()["faults"]["hang_s"]
    with app.app_context():
        order_id = orders.place_order(buyer, quote_id)["id"]
        project = cloud_provider().agency_session(
            customer_id=buyer.provider_customer_id, region="cn-north-4"
        ).project_id
        sandbox.set_faults(hang_s=0.05)
        for _ in range(3):  # the first call and the client's two retries of it
            sandbox.fail_once(f"/v1.1/{project}/cloudservers", "before")
        try:
            with pytest.raises(worker.Retry):
                provisioning.provision(order_id, buyer.store_id)
        finally:
            sandbox.set_faults(hang_s=hang_s)
        assert provisioning.provision(order_id, buyer.store_id) == OrderStatus.ACTIVE
    rows = sandbox._control("GET", "/_sandbox/resources", None)["resources"]
    mine = [r for r in rows if r["customer_id"] == buyer.provider_customer_id]
    assert sorted(r["kind"] for r in mine) == ["ecs", "vpc"], mine
