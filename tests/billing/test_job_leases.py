"""A worker that dies mid-job: its short lease runs out, ``reconcile`` says so, and another
worker takes the job over and finishes it (real ``flask storefront worker`` processes)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.billing import orders, reconcile, services, worker
from storefront.billing.cli import check_ledger
from storefront.billing.models import Job, JobStatus, Order, OrderStatus
from storefront.clock import utcnow
from storefront.extensions import db
from tests.billing.conftest import assert_ledger_invariants
from tests.shop import EVS, quote_total

ROOT = Path(__file__).resolve().parents[2]
LEASE_S = 2
POLL_S = 0.2


def _job(app: Flask, key: str) -> dict[str, Any]:
    with app.app_context():
        job = db.session.scalar(select(Job).where(Job.key == key))
        assert job is not None
        return {
            "status": job.status,
            "locked_by": job.locked_by,
            "locked_until": job.locked_until,
            "attempts": job.attempts,
        }


def _order_status(app: Flask, order_id: int) -> OrderStatus:
    with app.app_context():
        order = db.session.scalar(
            select(Order).where(Order.id == order_id).execution_options(all_stores=True)
        )
        assert order is not None
        return order.status


def _wait(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(0.05)


class Worker:
    """``flask storefront worker`` in a process of its own, on the tests' database."""

    def __init__(self, base_config: dict[str, Any], log: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("STOREFRONT_")}
        env.update({k: str(v) for k, v in base_config.items() if k.startswith("STOREFRONT_")})
        env.update(STOREFRONT_JOB_LEASE_S=str(LEASE_S), FLASK_APP="storefront")
        self.log = log
        self._out = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "storefront", "worker", "--poll", str(POLL_S)],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )
        self.name = f"{socket.gethostname()}:{self.proc.pid}"

    def started(self) -> bool:
        assert self.proc.poll() is None, self.log.read_text()
        return "started" in self.log.read_text()

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        self.proc.wait(timeout=20)
        self._out.close()


@pytest.fixture
def workers(base_config: dict[str, Any], tmp_path: Path) -> Iterator[Callable[[], Worker]]:
    started: list[Worker] = []

    def start() -> Worker:
        one = Worker(base_config, tmp_path / f"worker{len(started) + 1}.log")
        started.append(one)
        return one

    yield start
    for one in started:
        one.stop()


def test_a_killed_workers_job_is_reported_then_taken_over_by_another_worker(
    app: Flask, buyer: Customer, make_quote: Callable[..., str],
    give: Callable[[Customer, str], None], sandbox: Any, workers: Callable[[], Worker],
) -> None:
    quote_id = make_quote(buyer, items=[EVS])
    give(buyer, str(quote_total(app, quote_id)))
    with app.app_context():
        order_id = orders.place_order(buyer, quote_id)["id"]
        db.session.commit()
    key = f"provision:{order_id}"

    sandbox.set_faults(latency_ms=1500)  # every provider call takes 1.5 s: the job is slow
    try:
        first = workers()
        claim = _wait(
            lambda: (j := _job(app, key))["locked_by"] == first.name and j, 60,
            "the first worker to claim the job",
        )
        # the heartbeat renews the short lease while the handler waits on the provider
        _wait(
            lambda: _job(app, key)["locked_until"] > claim["locked_until"], LEASE_S * 2,
            "the lease to be renewed",
        )
        assert _job(app, key)["status"] == JobStatus.RUNNING.value
        assert _order_status(app, order_id) == OrderStatus.PROVISIONING
        first.stop(signal.SIGKILL)  # kill -9 in the middle of a provider call
        killed = time.monotonic()
    finally:
        sandbox.clear_faults()

    # its lease runs out: reconcile sees the job still running under a dead worker's lease
    with app.app_context():
        _wait(lambda: worker.expired_leases(), LEASE_S + 2, "the lease to expire")
        report = reconcile.reconcile(sync=False)
        lines = reconcile.describe_expired_leases(report.expired_leases, utcnow())
    assert [lease.key for lease in report.expired_leases] == [key], report
    assert len(lines) == 1 and f"order {order_id}" in lines[0], lines
    assert f"the lease of worker {first.name} expired" in lines[0]
    assert _job(app, key)["status"] == JobStatus.RUNNING.value  # reconcile left it to a worker

    second = workers()
    _wait(second.started, 60, "the second worker to start")
    ready = max(time.monotonic(), killed + LEASE_S)
    _wait(
        lambda: (j := _job(app, key))["locked_by"] == second.name
        or j["status"] == JobStatus.DONE.value,
        LEASE_S + POLL_S + 10, "the second worker to take the job over",
    )
    taken = time.monotonic()
    assert taken - ready <= POLL_S + 5  # the first poll after the lease expired took it
    _wait(lambda: _job(app, key)["status"] == JobStatus.DONE.value, 60, "the job to finish")
    assert time.monotonic() - killed < 120  # the order moves on within two minutes of the kill

    job = _job(app, key)
    assert job["attempts"] == 2  # the killed try and the one that took it over
    assert _order_status(app, order_id) == OrderStatus.ACTIVE
    with app.app_context():
        order = db.session.scalar(
            select(Order).where(Order.id == order_id).execution_options(all_stores=True)
        )
        assert order is not None and order.funded_amount == order.cost_total  # funded once
        assert services.balance(buyer) == Decimal("0.00")
        assert check_ledger().ok
        assert_ledger_invariants()


def test_reconcile_says_what_a_dead_worker_held_and_takes_it_over(
    make_app: Callable[..., Flask], app: Flask, buyer: Customer,
    make_quote: Callable[..., str], give: Callable[[Customer, str], None],
) -> None:
    quote_id = make_quote(buyer, items=[EVS])
    give(buyer, str(quote_total(app, quote_id)))
    short = make_app(STOREFRONT_JOB_LEASE_S=str(LEASE_S))
    with short.app_context():
        order_id = orders.place_order(buyer, quote_id)["id"]
        db.session.commit()
        claimed = worker.claim()  # this "worker" never runs the job and never renews it
        assert claimed is not None
        job = db.session.get(Job, claimed[0])
        assert job is not None and job.key == f"provision:{order_id}"
    time.sleep(LEASE_S + 0.2)
    result = short.test_cli_runner().invoke(args=["storefront", "reconcile"])
    assert result.exit_code == 0, result.output
    assert (
        f"DEAD WORKER job {claimed[0]} (provision, order {order_id}): still running, but the "
        f"lease of worker {worker.worker_name()} expired"
    ) in result.output
    assert "1 leased by a dead worker" in result.output
    job_state = _job(app, f"provision:{order_id}")
    assert job_state["status"] == JobStatus.DONE.value and job_state["attempts"] == 2
    assert _order_status(app, order_id) == OrderStatus.ACTIVE
