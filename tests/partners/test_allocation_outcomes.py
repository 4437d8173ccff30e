"""Allocations are recorded pending before the provider call and settled after it, so money never
moves at the provider without a ledger row here: lost answers are reconciled from the provider's
adjust records (``list_partner_adjust_records``), refusals fail without moving anything."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from storefront.accounts.models import Staff, StaffRole
from storefront.extensions import db
from storefront.partners import services
from storefront.partners.distributor_views import move_funds
from storefront.partners.models import (
    Allocation,
    AllocationKind,
    AllocationRequest,
    AllocationState,
)
from storefront.stores.models import Store
from storefront.stores.tenancy import store_context
from tests.resellers import control

NOW = timedelta(0)


@pytest.fixture
def faults(sandbox: Any) -> Iterator[Any]:
    yield sandbox
    sandbox.clear_faults()


def _transfers(sandbox: Any, partner_id: str) -> list[dict[str, Any]]:
    state = control(sandbox, "GET", "/_sandbox/partners/state")
    return [t for t in state["transfers"] if t["reseller_id"] == partner_id]


def _move(staff: Staff, reseller: Any, kind: AllocationKind, amount: str, key: str) -> Any:
    return move_funds(
        staff, reseller.id, kind=kind, amount=amount, reason="test budget", idempotency_key=key
    )


def _finance(app: Flask, make_staff: Any) -> tuple[Store, Staff]:
    member = make_staff(role=StaffRole.FINANCE)
    store = db.session.get(Store, member.store_id)
    staff = db.session.get(Staff, member.id)
    assert store is not None and staff is not None
    return store, staff


def test_applied_but_answer_lost_is_confirmed_once_by_reconcile(
    app: Flask, make_staff: Any, reseller: Any, faults: Any
) -> None:
    with app.test_request_context():
        store, staff = _finance(app, make_staff)
        with store_context(store):
            faults.set_faults(fault_rate=1.0, mode="lose")
            result = _move(staff, reseller, AllocationKind.ALLOCATE, "75.00", "lost-1")
            faults.clear_faults()
            assert result.state == AllocationState.PENDING
            # the provider did move the money; we have no ledger row yet
            assert [t["amount"] for t in _transfers(faults, reseller.indirect_partner_id)] == [75]
            assert db.session.scalars(db.select(Allocation)).all() == []
            # while it is pending, no other move for this reseller is sent
            with pytest.raises(services.PartnersError) as exc:
                _move(staff, reseller, AllocationKind.ALLOCATE, "5.00", "lost-2")
            assert exc.value.code == "pending"
            # the same key replays the pending outcome without calling again
            again = _move(staff, reseller, AllocationKind.ALLOCATE, "75.00", "lost-1")
            assert again.state == AllocationState.PENDING
            assert len(_transfers(faults, reseller.indirect_partner_id)) == 1

        report = services.reconcile_allocations(older_than=NOW)
        assert report.confirmed == [result.request_id]
        assert services.reconcile_allocations(older_than=NOW).examined == 0
        rows = db.session.scalars(db.select(Allocation)).all()
        transfer = _transfers(faults, reseller.indirect_partner_id)[0]
        assert [(r.amount, r.running_total, r.provider_transfer_id) for r in rows] == [
            (Decimal("75.00"), Decimal("75.00"), transfer["trans_id"])
        ]
        req = db.session.get(AllocationRequest, result.request_id)
        assert req is not None and req.state == AllocationState.CONFIRMED
        assert services.provider_balance(reseller.indirect_partner_id) == Decimal("75.00")
        with store_context(store):  # the key now replays the confirmed result
            replay = _move(staff, reseller, AllocationKind.ALLOCATE, "75.00", "lost-1")
            assert replay.state == AllocationState.CONFIRMED
            assert replay.transfer_id == transfer["trans_id"]
    assert len(_transfers(faults, reseller.indirect_partner_id)) == 1


def test_refused_by_the_provider_fails_and_moves_nothing(
    app: Flask, make_staff: Any, reseller: Any, sandbox: Any
) -> None:
    with app.test_request_context():
        store, staff = _finance(app, make_staff)
        with store_context(store):
            result = _move(staff, reseller, AllocationKind.RECLAIM, "500.00", "refused-1")
        assert result.state == AllocationState.FAILED
        assert "CBC.99005003" in str(result.error)
        assert db.session.scalars(db.select(Allocation)).all() == []
        assert _transfers(sandbox, reseller.indirect_partner_id) == []
        assert services.provider_balance(reseller.indirect_partner_id) == Decimal("0.00")
        assert services.reconcile_allocations(older_than=NOW).examined == 0


def test_no_answer_and_never_applied_fails_after_the_grace_period(
    app: Flask, make_staff: Any, reseller: Any, faults: Any
) -> None:
    with app.test_request_context():
        store, staff = _finance(app, make_staff)
        with store_context(store):
            faults.set_faults(fault_rate=1.0, mode="error")
            result = _move(staff, reseller, AllocationKind.ALLOCATE, "20.00", "down-1")
            assert result.state == AllocationState.PENDING
            # the provider is still down: the reconcile cannot ask, the request stays pending
            report = services.reconcile_allocations(older_than=NOW, give_up_after=NOW)
            assert report.pending == [result.request_id]
            faults.clear_faults()
        # the provider answers and has no record: within the grace period it stays pending…
        report = services.reconcile_allocations(older_than=NOW)
        assert report.pending == [result.request_id]
        # …and after it the request fails; nothing moved, nothing in the ledger
        report = services.reconcile_allocations(older_than=NOW, give_up_after=NOW)
        assert report.failed == [result.request_id]
        assert db.session.scalars(db.select(Allocation)).all() == []
        assert _transfers(faults, reseller.indirect_partner_id) == []
