"""Allocations (idempotency, refusals), invitations (expiry, revoke), eligibility rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from storefront.accounts.models import Staff, StaffRole
from storefront.accounts.permissions import PermissionDenied
from storefront.cloud import build_provider
from storefront.cloud.interface import UpstreamRejected
from storefront.extensions import db
from storefront.partners import inputs, services, workspace
from storefront.partners.distributor_views import move_funds
from storefront.partners.errors import PartnersError
from storefront.partners.models import Allocation, AllocationKind, Invitation
from storefront.stores.models import Store
from storefront.stores.tenancy import store_context
from tests.resellers import control


def _as(app: Flask, staff: Any) -> Any:
    store = db.session.get(Store, staff.store_id)
    return store, db.session.get(Staff, staff.id)


def _calls(sandbox: Any, partner_id: str) -> list[dict[str, Any]]:
    state = control(sandbox, "GET", "/_sandbox/partners/state")
    return [c for c in state["calls"] if c["indirect_partner_id"] == partner_id]


def test_allocation_is_idempotent_and_ledgered(
    app: Flask, make_staff: Any, reseller: Any, sandbox: Any
) -> None:
    finance = make_staff(role=StaffRole.FINANCE)
    with app.test_request_context():
        store, staff = _as(app, finance)
        with store_context(store):
            first = move_funds(
                staff,
                reseller.id,
                kind=AllocationKind.ALLOCATE,
                amount="150.00",
                reason="launch budget",
                idempotency_key="k-1",
            )
            again = move_funds(
                staff,
                reseller.id,
                kind=AllocationKind.ALLOCATE,
                amount="150.00",
                reason="launch budget",
                idempotency_key="k-1",
            )
            assert again == first
            move_funds(
                staff,
                reseller.id,
                kind=AllocationKind.RECLAIM,
                amount="40.00",
                reason="unused",
                idempotency_key="k-2",
            )
            rows = db.session.scalars(db.select(Allocation).order_by(Allocation.sequence)).all()
            assert [(r.kind, r.amount, r.running_total) for r in rows] == [
                (AllocationKind.ALLOCATE, Decimal("150.00"), Decimal("150.00")),
                (AllocationKind.RECLAIM, Decimal("40.00"), Decimal("110.00")),
            ]
            assert services.provider_balance(reseller.indirect_partner_id) == Decimal("110.00")
            with pytest.raises(services.PartnersError):
                move_funds(
                    staff,
                    reseller.id,
                    kind=AllocationKind.ALLOCATE,
                    amount="0",
                    reason="x y z",
                    idempotency_key="k-3",
                )
            rows[0].reason = "edited"
            with pytest.raises(Exception, match="append-only"):
                db.session.flush()
            db.session.rollback()
    ok = [c for c in _calls(sandbox, reseller.indirect_partner_id) if c["outcome"] == "ok"]
    assert len(ok) == 2  # the replay never reached the provider


def test_reseller_staff_refused_locally_before_any_call(
    app: Flask, make_staff: Any, reseller: Any, sandbox: Any
) -> None:
    for role in (StaffRole.OWNER, StaffRole.FINANCE):
        member = make_staff(store=reseller.store, role=role)
        with app.test_request_context():
            store, staff = _as(app, member)
            with store_context(store), pytest.raises(PermissionDenied):
                move_funds(
                    staff,
                    reseller.id,
                    kind=AllocationKind.ALLOCATE,
                    amount="10.00",
                    reason="sneaky",
                    idempotency_key="r-1",
                )
    support = make_staff(role=StaffRole.SUPPORT)
    with app.test_request_context():
        store, staff = _as(app, support)
        with store_context(store), pytest.raises(PermissionDenied):
            move_funds(
                staff,
                reseller.id,
                kind=AllocationKind.ALLOCATE,
                amount="10.00",
                reason="sneaky",
                idempotency_key="r-2",
            )
    assert _calls(sandbox, reseller.indirect_partner_id) == []


def test_reseller_credentials_refused_by_the_sandbox(
    app: Flask, sandbox_reseller: dict[str, str], sandbox: Any
) -> None:
    with app.app_context():
        cloud = app.config["SETTINGS"].cloud
        as_reseller = build_provider(
            replace(
                cloud,
                ak=sandbox_reseller["ak"],
                sk=sandbox_reseller["sk"],
                domain_id=sandbox_reseller["id"],
            )
        )
        with pytest.raises(UpstreamRejected) as exc:
            as_reseller.allocate_to_indirect_partner(
                indirect_partner_id=sandbox_reseller["id"], amount=Decimal("5.00")
            )
        assert exc.value.code == "CBC.0151" and exc.value.status == 403
        partner = build_provider(cloud)  # the platform's own (non-distributor) partner keys
        with pytest.raises(UpstreamRejected) as exc:
            partner.reclaim_from_indirect_partner(
                indirect_partner_id=sandbox_reseller["id"], amount=Decimal("5.00")
            )
        assert exc.value.code == "CBC.0151"
    outcomes = [c["outcome"] for c in _calls(sandbox, sandbox_reseller["id"])]
    assert outcomes == ["CBC.0151", "CBC.0151"]


def test_invitation_expiry_resend_revoke(
    app: Flask, make_staff: Any, sandbox_reseller: dict[str, str], mail_dir: Any
) -> None:
    owner = make_staff(role=StaffRole.OWNER)
    with app.test_request_context():
        store, staff = _as(app, owner)
        with store_context(store):
            inv = services.invite(
                staff,
                email="boss@reseller.example",
                account_name=sandbox_reseller["name"],
                company_name="Reseller Ltd",
                locale="zh_Hans_CN",
            )
            db.session.commit()
            services.send_invitation(inv)
            token = services.invitation_token(inv)
            assert services.open_invitation(token).id == inv.id
            assert len(list(mail_dir.glob("*.eml"))) == 1
            inv.expires_at = datetime.now(UTC) - timedelta(seconds=1)
            db.session.commit()
            assert services.invitation_state(inv) == "expired"
            with pytest.raises(services.PartnersError) as exc:
                services.open_invitation(token)
            assert exc.value.code == "expired"
            services.resend(staff, inv.id)
            db.session.commit()
            with pytest.raises(services.PartnersError):
                services.open_invitation(token)  # the old link died with the resend
            new_token = services.invitation_token(db.session.get(Invitation, inv.id))
            services.revoke(staff, inv.id)
            db.session.commit()
            with pytest.raises(services.PartnersError) as exc:
                services.open_invitation(new_token)
            assert exc.value.code == "revoked"
    resp = app.test_client().get(f"/join/{new_token}")
    assert resp.status_code == 410


def test_accept_creates_store_owner_and_links(
    app: Flask, make_staff: Any, sandbox_reseller: dict[str, str]
) -> None:
    owner = make_staff(role=StaffRole.OWNER)
    with app.test_request_context():
        store, staff = _as(app, owner)
        with store_context(store):
            inv = services.invite(
                staff,
                email="boss@reseller.example",
                account_name=sandbox_reseller["name"],
                company_name="Reseller Ltd",
            )
            token = services.invitation_token(inv)
        data = services.Acceptance(
            "Reseller Ltd",
            "Reseller Shop",
            "reseller-shop",
            "shop.reseller.example",
            "boss@reseller.example",
            "long enough pass 42",
        )
        reseller = services.accept(token, data)
        db.session.commit()
        services.link_provider(reseller)
        db.session.commit()
        assert reseller.indirect_partner_id == sandbox_reseller["id"]
        new_store = db.session.get(Store, reseller.store_id)
        assert new_store is not None and not new_store.is_default
        assert [d.host for d in new_store.domains] == ["shop.reseller.example"]
        with pytest.raises(services.PartnersError):
            services.accept(token, data)  # single use


@pytest.mark.parametrize(
    ("kinds", "eligible"),
    [
        (set(), False),
        ({"HCIE"}, True),
        ({"HCCDE"}, True),
        ({"HCCDP"}, False),
        ({"PMP"}, False),
        ({"HCCDP", "PMP"}, True),
        ({"HCIP", "PMP"}, False),
        ({"HCIA", "HCIP", "HCSP"}, False),
        ({"HCCDA", "PMP"}, False),
    ],
)
def test_expert_service_eligibility(kinds: set[str], eligible: bool) -> None:
    assert workspace.expert_eligible(kinds) is eligible


def test_expired_certificates_do_not_count() -> None:
    from storefront.partners.models import Certification

    old = Certification(kind="HCIE", issued_on=date(2020, 1, 1), expires_on=date(2023, 1, 1))
    fresh = Certification(kind="HCCDP", issued_on=date(2024, 1, 1), expires_on=None)
    assert workspace.valid_kinds([old, fresh], on=date(2025, 1, 1)) == {"HCCDP"}


def test_proof_sniffing() -> None:
    assert workspace.sniff(b"%PDF-1.7\n") == ("application/pdf", "pdf")
    assert workspace.sniff(b"\x89PNG\r\n\x1a\n....") == ("image/png", "png")
    assert workspace.sniff(b"\xff\xd8\xff\xe0") == ("image/jpeg", "jpg")
    assert workspace.sniff(b"<html>") is None


def test_cert_reminders_mail_once(app: Flask, make_staff: Any, mail_dir: Any) -> None:
    from storefront.partners.cli import send_cert_reminders
    from storefront.partners.models import Certification

    member = make_staff(role=StaffRole.FINANCE)
    with app.app_context():
        db.session.add(
            Certification(
                store_id=member.store_id,
                staff_id=member.id,
                kind="HCIP",
                number="N-1",
                issued_on=date.today() - timedelta(days=700),
                expires_on=date.today() + timedelta(days=10),
                created_at=datetime.now(UTC),
            )
        )
        db.session.commit()
        assert send_cert_reminders(30) == 1
        assert send_cert_reminders(30) == 0
    assert len(list(mail_dir.glob("*.eml"))) == 1


def test_the_distributor_sees_each_resellers_own_customers_and_staff(
    app: Flask, make_staff: Any, make_customer: Any, reseller: Any
) -> None:
    owner = make_staff(role=StaffRole.OWNER)
    make_customer()  # the distributor's own customer, not the reseller's
    theirs = make_customer(store=reseller.store)
    their_owner = make_staff(store=reseller.store, role=StaffRole.OWNER)
    with app.test_request_context():
        store, staff = _as(app, owner)
        with store_context(store):
            rows = services.reseller_rows(staff, with_balances=False)
            assert [(r.reseller.id, r.customers, r.orders) for r in rows] == [(reseller.id, 1, 0)]
            detail = services.reseller_detail(staff, reseller.id)
            assert [c.id for c in detail["recent_customers"]] == [theirs.id]
            assert [s.id for s in detail["staff"]] == [their_owner.id]


@pytest.mark.parametrize("raw", ["780028159973379966975099744", "9" * 60, "10000000.01"])
def test_an_allocation_too_large_for_any_decimal_is_refused_as_too_large(raw: str) -> None:
    """A 27-digit amount cannot be quantized to cents (decimal.InvalidOperation: was a 500)."""
    with pytest.raises(PartnersError) as refused:
        inputs.parse_amount(raw)
    assert refused.value.field == "amount"
    assert "too large" in str(refused.value)
