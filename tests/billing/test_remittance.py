"""Offline remittance claims: submit, review, second approver, credit exactly once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from storefront.accounts.models import Customer, Staff, StaffRole
from storefront.billing import remittance, services
from storefront.billing.errors import (
    ClaimAlreadyDecided,
    InvalidAmount,
    InvalidProof,
    OfflineTopupDisabled,
    RemittanceError,
    SameApprover,
    SerialNumberTaken,
    WrongStore,
)
from storefront.billing.models import ClaimStatus, JournalTransaction, TransactionKind
from storefront.extensions import db
from tests.billing.conftest import assert_ledger_invariants
from tests.billing.test_concurrency import run_threads
from tests.billing.wallet_helpers import login

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
TODAY = date.today()


@pytest.fixture
def configured(app: Flask, owner: Staff) -> None:
    with app.app_context():
        remittance.update_billing_settings(
            owner, bank_name="ICBC Shenzhen", bank_account="6222 0000 1111", bank_holder="Blue Co",
            second_approval_threshold="1000.00",
        )
        db.session.commit()


def submit(app: Flask, customer: Customer, amount: str, serial: str) -> int:
    with app.app_context():
        claim_id = remittance.submit_claim(customer, amount, TODAY, "Zhang San", serial).id
        db.session.commit()
        return claim_id


def test_instructions_and_reference(
    app: Flask, customer: Customer, configured: None, make_customer: Callable[..., Customer]
) -> None:
    with app.app_context():
        info = remittance.remittance_instructions(customer)
        assert info["bank_name"] == "ICBC Shenzhen" and info["methods"] == ["online", "offline"]
        assert remittance.parse_reference(info["reference"]) == customer.id
        other = remittance.reference_code(make_customer())
        assert other != info["reference"]
        code = info["reference"]
        typo = code[:-1] + str((int(code[-1]) + 1) % 10)
        assert remittance.parse_reference(typo) is None


def test_claim_validation_and_proof(
    app: Flask, customer: Customer, configured: None
) -> None:
    with app.app_context():
        claim = remittance.submit_claim(customer, "50.00", TODAY, "Zhang San", "SN-1", PNG)
        db.session.commit()
        assert claim.status is ClaimStatus.PENDING and claim.proof_path
        assert (Path(app.instance_path) / claim.proof_path).read_bytes() == PNG
        with pytest.raises(SerialNumberTaken):
            remittance.submit_claim(customer, "50.00", TODAY, "Zhang San", " SN-1 ")
        with pytest.raises(InvalidProof):
            remittance.submit_claim(customer, "5.00", TODAY, "Z", "SN-2", b"MZ\x90\x00exe")
        with pytest.raises(InvalidProof):
            remittance.submit_claim(
                customer, "5.00", TODAY, "Z", "SN-3", PNG + b"\0" * remittance.MAX_PROOF_BYTES
            )
        with pytest.raises(RemittanceError):
            remittance.submit_claim(customer, "5.00", TODAY + timedelta(days=3), "Z", "SN-4")
        with pytest.raises(InvalidAmount):
            remittance.submit_claim(customer, "-5.00", TODAY, "Z", "SN-5")
        assert services.balance(customer) == 0  # a claim alone credits nothing


def test_serial_numbers_are_unique_per_store_only(
    app: Flask, configured: None, make_store: Callable[..., object],
    make_customer: Callable[..., Customer],
) -> None:
    other = make_store()
    mine, theirs = make_customer(), make_customer(store=other)
    with app.app_context():
        settings = remittance.billing_settings(other.id)  # type: ignore[attr-defined]
        settings.bank_name, settings.bank_account, settings.bank_holder = "BOC", "62 01", "Co"
        db.session.commit()
    first, second = submit(app, mine, "10.00", "SN-X"), submit(app, theirs, "10.00", "SN-X")
    assert first != second  # the other store's customer may use the same bank serial number
    with pytest.raises(SerialNumberTaken):  # within one store it stays unique
        submit(app, make_customer(), "10.00", "SN-X")


def test_offline_can_be_switched_off(
    app: Flask, customer: Customer, owner: Staff, configured: None
) -> None:
    with app.app_context():
        remittance.update_billing_settings(owner, offline_topup_enabled=False)
        db.session.commit()
        assert remittance.remittance_instructions(customer)["methods"] == ["online"]
        with pytest.raises(OfflineTopupDisabled):
            remittance.submit_claim(customer, "5.00", TODAY, "Z", "SN-9")


def test_approval_below_threshold_credits_once(
    app: Flask, customer: Customer, owner: Staff, configured: None
) -> None:
    claim_id = submit(app, customer, "300.00", "SN-10")
    with app.app_context():
        claim = remittance.approve_claim(claim_id, owner)
        db.session.commit()
        assert claim.status is ClaimStatus.APPROVED and claim.transaction_id
        with pytest.raises(ClaimAlreadyDecided):
            remittance.approve_claim(claim_id, owner)
        assert services.balance(customer) == Decimal("300.00")
        txn = db.session.get(JournalTransaction, claim.transaction_id)
        assert txn is not None and txn.kind is TransactionKind.REMITTANCE
        assert txn.staff_id == owner.id
        assert_ledger_invariants()


def test_above_threshold_needs_a_second_different_approver(
    app: Flask, customer: Customer, owner: Staff, configured: None,
    make_staff: Callable[..., Staff],
) -> None:
    finance = make_staff(role=StaffRole.FINANCE)
    claim_id = submit(app, customer, "1000.01", "SN-11")
    with app.app_context():
        first = remittance.approve_claim(claim_id, owner)
        db.session.commit()
        assert first.status is ClaimStatus.AWAITING_SECOND_APPROVAL
        assert services.balance(customer) == 0
        with pytest.raises(SameApprover):
            remittance.approve_claim(claim_id, owner)
        assert services.balance(customer) == 0
        done = remittance.approve_claim(claim_id, finance)
        db.session.commit()
        assert done.status is ClaimStatus.APPROVED
        assert (done.first_approver_id, done.second_approver_id) == (owner.id, finance.id)
        assert services.balance(customer) == Decimal("1000.01")
        assert_ledger_invariants()


def test_rejection_and_other_stores_staff(
    app: Flask, customer: Customer, owner: Staff, configured: None,
    make_store: Callable[..., object], make_staff: Callable[..., Staff],
) -> None:
    stranger = make_staff(store=make_store())
    claim_id = submit(app, customer, "20.00", "SN-12")
    with app.app_context():
        with pytest.raises(WrongStore):
            remittance.approve_claim(claim_id, stranger)
        with pytest.raises(RemittanceError):
            remittance.reject_claim(claim_id, owner, "  ")
        claim = remittance.reject_claim(claim_id, owner, "no such transfer on the statement")
        db.session.commit()
        assert claim.status is ClaimStatus.REJECTED and claim.rejected_by_id == owner.id
        with pytest.raises(ClaimAlreadyDecided):
            remittance.approve_claim(claim_id, owner)
        assert services.balance(customer) == 0


def test_concurrent_approvals_credit_once(
    app: Flask, customer: Customer, configured: None, make_staff: Callable[..., Staff]
) -> None:
    staff = [make_staff(role=StaffRole.FINANCE) for _ in range(6)]
    claim_id = submit(app, customer, "500.00", "SN-13")

    def approve(i: int) -> ClaimStatus:
        with app.app_context():
            status = remittance.approve_claim(claim_id, staff[i]).status
            db.session.commit()
            return status

    results, errors, _ = run_threads(6, approve)
    assert results == [ClaimStatus.APPROVED]
    assert len(errors) == 5 and all(isinstance(e, ClaimAlreadyDecided) for e in errors), errors
    with app.app_context():
        assert services.balance(customer) == Decimal("500.00")
        count = db.session.scalar(
            select(func.count(JournalTransaction.id)).execution_options(all_stores=True)
        )
        assert count == 1
        assert_ledger_invariants()


def test_concurrent_double_approval_above_threshold(
    app: Flask, customer: Customer, configured: None, make_staff: Callable[..., Staff]
) -> None:
    staff = [make_staff(role=StaffRole.FINANCE) for _ in range(4)]
    claim_id = submit(app, customer, "5000.00", "SN-14")

    def approve(i: int) -> ClaimStatus:
        with app.app_context():
            status = remittance.approve_claim(claim_id, staff[i]).status
            db.session.commit()
            return status

    results, errors, _ = run_threads(4, approve)
    assert sorted(results) == [ClaimStatus.APPROVED, ClaimStatus.AWAITING_SECOND_APPROVAL]
    assert all(isinstance(e, ClaimAlreadyDecided) for e in errors) and len(errors) == 2
    with app.app_context():
        assert services.balance(customer) == Decimal("5000.00")
        assert_ledger_invariants()


def test_bank_transfer_is_offered_only_with_bank_details(
    app: Flask, client: Any, customer: Customer, owner: Staff
) -> None:
    """A store with no bank details does not offer bank transfer (the customer would have no
    account to pay into); once staff fill them in, the option and the claim form appear."""
    with app.app_context():
        assert remittance.remittance_instructions(customer)["methods"] == ["online"]
        with pytest.raises(OfflineTopupDisabled):
            remittance.submit_claim(customer, "5.00", TODAY, "Z", "SN-X")
    login(client, customer.email)
    assert "Pay by bank transfer" not in client.get("/wallet").get_data(as_text=True)
    with app.app_context():
        remittance.update_billing_settings(owner, bank_name="BOC", bank_account="62 01")
        db.session.commit()
        assert "offline" not in remittance.remittance_instructions(customer)["methods"]
        remittance.update_billing_settings(owner, bank_holder="Blue Co")
        db.session.commit()
        assert remittance.remittance_instructions(customer)["methods"] == ["online", "offline"]
    assert "Pay by bank transfer" in client.get("/wallet").get_data(as_text=True)


def test_the_demo_store_offers_bank_transfer_with_its_details(app: Flask) -> None:
    from storefront.billing.seed import DEMO_BANK
    from storefront.cli import seed_demo_data
    from storefront.stores.services import ensure_default_store

    with app.app_context():
        seed_demo_data()
        store = ensure_default_store()
        settings = remittance.billing_settings(store.id)
        assert remittance.takes_bank_transfers(settings)
        assert settings.bank_account == DEMO_BANK["bank_account"]
        settings.bank_holder = "Our Own Co"
        db.session.commit()
        seed_demo_data()  # idempotent: the store's own details stay
        assert remittance.billing_settings(store.id).bank_holder == "Our Own Co"
