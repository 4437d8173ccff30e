"""Partner-tier models: resellers and invitations (distributor), the allocation ledger, and each
store's partner workspace (profile, provider remittances, incentives, certifications,
opportunities)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Enum,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from storefront.errors import DomainError
from storefront.extensions import Model
from storefront.stores.models import StoreScoped

MONEY = Numeric(18, 2, asdecimal=True)


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        cls, name=name, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e]
    )


# --------------------------------------------------------------------------- distributor tier


class Reseller(Model):
    """A tier-2 cloud reseller: its own store here, its indirect-partner id at the provider."""

    __tablename__ = "partners_resellers"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), unique=True)
    company_name: Mapped[str] = mapped_column(String(200))
    account_name: Mapped[str] = mapped_column(String(64))  # the reseller's provider account name
    email: Mapped[str] = mapped_column(String(255))
    indirect_partner_id: Mapped[str | None] = mapped_column(String(64), index=True)
    allocated_total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))
    created_at: Mapped[datetime]


class Invitation(Model):
    """An invitation to a cloud reseller: an expiring signed link, resendable, revocable."""

    __tablename__ = "partners_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), index=True)
    account_name: Mapped[str] = mapped_column(String(64))
    company_name: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    nonce: Mapped[str] = mapped_column(String(32))  # changes on resend: older links stop working
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    send_count: Mapped[int] = mapped_column(default=1)
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    reseller_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners_resellers.id", ondelete="SET NULL")
    )


class AllocationKind(enum.StrEnum):
    ALLOCATE = "allocate"
    RECLAIM = "reclaim"


class Allocation(Model):
    """The append-only ledger of distributor -> reseller allocations and reclaims."""

    __tablename__ = "partners_allocations"
    __table_args__ = (UniqueConstraint("reseller_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reseller_id: Mapped[int] = mapped_column(
        ForeignKey("partners_resellers.id", ondelete="RESTRICT"), index=True
    )
    sequence: Mapped[int]  # 1, 2, … per reseller
    kind: Mapped[AllocationKind] = mapped_column(_enum(AllocationKind, "allocation_kind"))
    amount: Mapped[Decimal] = mapped_column(MONEY)  # always positive
    running_total: Mapped[Decimal] = mapped_column(MONEY)  # allocated minus reclaimed so far
    reason: Mapped[str] = mapped_column(String(500))
    provider_transfer_id: Mapped[str] = mapped_column(String(64))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    staff_label: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]


class AllocationState(enum.StrEnum):
    PENDING = "pending"  # recorded; the provider's answer is not known yet
    CONFIRMED = "confirmed"  # the provider carried it out: it is in the ledger
    FAILED = "failed"  # the provider refused it, or has no record of it: nothing moved


class AllocationRequest(Model):
    """One allocation or reclaim as asked, before and after the provider's answer.

    Committed as ``pending`` (with its idempotency key and client reference) *before* the
    provider is called, outside any transaction; then ``confirmed`` (with its ledger row) or
    ``failed``. A request whose answer was lost stays ``pending`` until the reconcile asks the
    provider's adjust records (``partners-reconcile``). At most one request per reseller is
    pending at a time, so a provider record matches exactly one request.
    """

    __tablename__ = "partners_allocation_requests"
    __table_args__ = (UniqueConstraint("store_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    client_reference: Mapped[str] = mapped_column(String(32), unique=True)
    reseller_id: Mapped[int] = mapped_column(
        ForeignKey("partners_resellers.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[AllocationKind] = mapped_column(_enum(AllocationKind, "allocation_kind"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(String(500))
    state: Mapped[AllocationState] = mapped_column(
        _enum(AllocationState, "allocation_state"), default=AllocationState.PENDING, index=True
    )
    provider_transfer_id: Mapped[str | None] = mapped_column(String(64))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(String(500))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    staff_label: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    attempted_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    allocation_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners_allocations.id", ondelete="RESTRICT")
    )


class AllocationAppendOnly(DomainError):
    """Something tried to change or delete a recorded allocation: a fault in the code, answered
    as one (500)."""

    code = "internal_error"
    status = 500


@event.listens_for(Session, "before_flush")
def _allocations_append_only(session: Session, flush_context: object, instances: object) -> None:
    for obj in session.deleted:
        if isinstance(obj, Allocation):
            raise AllocationAppendOnly(f"allocation {obj.id} is append-only")
    for obj in session.dirty:
        if isinstance(obj, Allocation) and session.is_modified(obj, include_collections=False):
            raise AllocationAppendOnly(f"allocation {obj.id} is append-only")


# --------------------------------------------------------------------------- partner workspace


class PartnerProfile(StoreScoped, Model):
    """A store's standing at the provider: contracting entity, programme, path, payout."""

    __tablename__ = "partners_profiles"
    __table_args__ = (UniqueConstraint("store_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_account_name: Mapped[str | None] = mapped_column(String(64))
    contracting_entity: Mapped[str] = mapped_column(String(32), default="other")
    programme_member_since: Mapped[date | None]
    programme_member_id: Mapped[str | None] = mapped_column(String(64))
    development_path: Mapped[str | None] = mapped_column(String(32))
    payout_method: Mapped[str | None] = mapped_column(String(16))  # cloud_account | bank


class RemittanceState(enum.StrEnum):
    RECORDED = "recorded"  # sent to the provider's account, not claimed yet
    CLAIMED = "claimed"  # claimed at the provider, waiting for it to match
    CONFIRMED = "confirmed"  # the provider credited it
    REJECTED = "rejected"


class ProviderRemittance(StoreScoped, Model):
    """An offline remittance from the partner to the provider; counts only once claimed."""

    __tablename__ = "partners_remittances"
    __table_args__ = (UniqueConstraint("store_id", "serial_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    remitted_on: Mapped[date]
    payer_account: Mapped[str] = mapped_column(String(64))
    serial_number: Mapped[str] = mapped_column(String(64))
    state: Mapped[RemittanceState] = mapped_column(
        _enum(RemittanceState, "partner_remittance_state"), default=RemittanceState.RECORDED
    )
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    settled_at: Mapped[datetime | None]


class Incentive(StoreScoped, Model):
    """An incentive the provider granted (copied from the partner centre by staff)."""

    __tablename__ = "partners_incentives"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(16))  # e.g. 2026-Q3
    kind: Mapped[str] = mapped_column(String(120))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | paid
    created_at: Mapped[datetime]


class Certification(StoreScoped, Model):
    __tablename__ = "partners_certifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # HCIA … PMP
    track: Mapped[str | None] = mapped_column(String(80))  # e.g. "Cloud Computing"
    number: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[date]
    expires_on: Mapped[date | None]
    proof_file: Mapped[str | None] = mapped_column(String(128))  # under the instance folder
    proof_type: Mapped[str | None] = mapped_column(String(40))
    reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class OpportunityStatus(enum.StrEnum):
    REVIEW = "review"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    FOLLOW_UP = "follow_up"  # joint follow-up with the provider


class Opportunity(StoreScoped, Model):
    """A sales opportunity reported to the provider (no API: kept here, exported as CSV)."""

    __tablename__ = "partners_opportunities"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_name: Mapped[str] = mapped_column(String(200))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    products: Mapped[str] = mapped_column(String(500))
    estimated_amount: Mapped[Decimal] = mapped_column(MONEY)
    stage: Mapped[str] = mapped_column(String(32))
    expected_close: Mapped[date]
    status: Mapped[OpportunityStatus] = mapped_column(
        _enum(OpportunityStatus, "opportunity_status"), default=OpportunityStatus.REVIEW
    )
    quote_id: Mapped[str | None] = mapped_column(String(32), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
