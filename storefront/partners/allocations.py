"""Moving funds to (or back from) a reseller's provider account, once per idempotency key.

Refused locally (``PermissionDenied``) unless the staff member is the distributor's owner or
finance staff: nothing reaches the provider then. Three steps, so that money never moves at the
provider without a trace here; the edge commits after the first and the last
(:func:`storefront.partners.distributor_views.move_funds`):

1. :func:`open_move` records the request as ``pending`` with its idempotency key and client
   reference;
2. :func:`ask_provider` calls the provider (distributor credentials) outside any transaction;
3. :func:`settle_move`: success -> ``confirmed`` plus its ledger row (running total);
   a refusal -> ``failed``; no answer (timeout, 5xx) -> stays ``pending`` for
   :func:`storefront.partners.reconcile.reconcile_allocations`, which asks the provider's
   adjust records.

The same key with the same request answers the recorded outcome without calling again; with a
different request it raises ``IdempotencyConflict``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storefront.accounts.permissions import require_permission
from storefront.backoffice import audit
from storefront.billing.errors import IdempotencyConflict
from storefront.billing.idempotency import MAX_KEY_LENGTH, request_hash
from storefront.clock import utcnow
from storefront.cloud.interface import UpstreamRejected, UpstreamUnavailable
from storefront.extensions import db
from storefront.partners.errors import PartnersError
from storefront.partners.inputs import CENT, parse_amount
from storefront.partners.models import (
    Allocation,
    AllocationKind,
    AllocationRequest,
    AllocationState,
    Reseller,
)
from storefront.partners.provider import distributor_provider, refusal_message
from storefront.partners.resellers import get_reseller


@dataclass(frozen=True)
class MoveResult:
    """What happened to an allocation request (also what a replay of its key answers)."""

    request_id: int
    state: AllocationState
    kind: str
    amount: Decimal
    transfer_id: str | None
    running_total: Decimal | None
    error: Any = None  # a lazy message when failed


@dataclass(frozen=True)
class PendingMove:
    """A request recorded as pending: what the provider is asked."""

    request_id: int
    partner_id: str
    kind: AllocationKind
    amount: Decimal


@dataclass(frozen=True)
class ProviderAnswer:
    """The provider's transfer id, its refusal, or no answer at all."""

    transfer: str | None = None
    refused: UpstreamRejected | None = None
    unknown: UpstreamUnavailable | None = None


def _result(req: AllocationRequest) -> MoveResult:
    running = None
    if req.allocation_id is not None:
        entry = db.session.get(Allocation, req.allocation_id)
        running = entry.running_total if entry is not None else None
    error = None
    if req.state == AllocationState.FAILED:
        error = refusal_message(req.error_code, req.error_message)
    return MoveResult(
        request_id=req.id,
        state=AllocationState(req.state),
        kind=str(req.kind),
        amount=req.amount,
        transfer_id=req.provider_transfer_id,
        running_total=running,
        error=error,
    )


def open_move(
    staff: Any,
    reseller_id: int,
    *,
    kind: AllocationKind,
    amount: Any,
    reason: str,
    idempotency_key: str | None,
) -> PendingMove | MoveResult:
    """Step 1: record the request as pending (flushed), or answer what this key already has.

    Start it with no transaction pending: on a refusal or a lost race the caller rolls back."""
    require_permission(staff, "resellers.funds")
    value = parse_amount(amount)
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise PartnersError(_l("Give a reason (at least 3 characters)."), "reason")
    reseller = get_reseller(staff, reseller_id)
    if not reseller.indirect_partner_id:
        raise PartnersError(_l("This reseller is not linked to its provider account yet."))
    partner_id = reseller.indirect_partner_id
    key = idempotency_key or uuid.uuid4().hex
    if len(key) > MAX_KEY_LENGTH:
        raise PartnersError(_l("The request key is too long."))
    payload = {"reseller": reseller.id, "kind": str(kind), "amount": str(value), "reason": reason}
    digest = request_hash(payload)
    existing = _request_by_key(staff.store_id, key)
    if existing is not None:
        return _replay(existing, digest)
    _refuse_while_pending(reseller_id)
    req = AllocationRequest(
        store_id=staff.store_id,
        idempotency_key=key,
        request_hash=digest,
        client_reference=uuid.uuid4().hex,
        reseller_id=reseller_id,
        kind=kind,
        amount=value,
        reason=reason[:500],
        state=AllocationState.PENDING,
        staff_id=staff.id,
        staff_label=audit.actor_key(staff)[1][:255],
        created_at=utcnow(),
    )
    db.session.add(req)
    try:
        db.session.flush()
    except IntegrityError:  # the same key, recorded by a concurrent request meanwhile
        db.session.rollback()
        existing = _request_by_key(staff.store_id, key)
        if existing is None:  # pragma: no cover - the winner's row is committed by now
            raise
        return _replay(existing, digest)
    audit.record(
        staff,
        f"partners.{kind}_requested",
        f"reseller:{reseller_id}",
        {"amount": str(value), "reason": reason, "reference": req.client_reference},
    )
    return PendingMove(req.id, partner_id, kind, value)


def _refuse_while_pending(reseller_id: int) -> None:
    """One request per reseller at a time: lock its row, refuse while one is pending."""
    db.session.scalar(select(Reseller.id).where(Reseller.id == reseller_id).with_for_update())
    if db.session.scalar(
        select(AllocationRequest.id).where(
            AllocationRequest.reseller_id == reseller_id,
            AllocationRequest.state == AllocationState.PENDING,
        )
    ):
        raise PartnersError(
            _l(
                "An earlier allocation or reclaim for this reseller is still pending at the "
                "provider. It is checked automatically; try again once it is settled."
            ),
            code="pending",
        )


def ask_provider(move: PendingMove) -> ProviderAnswer:
    """Step 2: the provider moves the money (or refuses, or does not answer)."""
    provider = distributor_provider()
    try:
        if move.kind == AllocationKind.ALLOCATE:
            transfer = provider.allocate_to_indirect_partner(
                indirect_partner_id=move.partner_id, amount=move.amount
            )
        else:
            transfer = provider.reclaim_from_indirect_partner(
                indirect_partner_id=move.partner_id, amount=move.amount
            )
    except UpstreamRejected as exc:
        return ProviderAnswer(refused=exc)
    except UpstreamUnavailable as exc:
        return ProviderAnswer(unknown=exc)
    return ProviderAnswer(transfer=transfer)


def settle_move(move: PendingMove, answer: ProviderAnswer, actor: Any) -> MoveResult:
    """Step 3: record the provider's answer (flushed; the caller commits)."""
    req = locked_request(move.request_id)
    req.attempted_at = utcnow()
    if answer.transfer is not None and req.state == AllocationState.PENDING:
        confirm(req, answer.transfer, actor)
    elif answer.refused is not None and req.state == AllocationState.PENDING:
        fail(req, answer.refused.code, answer.refused.message, actor)
    elif answer.unknown is not None:
        req.error_message = f"no answer: {answer.unknown.message}"[:500]
    db.session.flush()
    return _result(req)


def _request_by_key(store_id: int, key: str) -> AllocationRequest | None:
    return db.session.scalar(
        select(AllocationRequest)
        .where(AllocationRequest.store_id == store_id, AllocationRequest.idempotency_key == key)
        .execution_options(populate_existing=True)
    )


def _replay(req: AllocationRequest, digest: str) -> MoveResult:
    if req.request_hash != digest:
        raise IdempotencyConflict("This Idempotency-Key was used with a different request.")
    return _result(req)


def locked_request(request_id: int) -> AllocationRequest:
    req = db.session.scalar(
        select(AllocationRequest)
        .where(AllocationRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert req is not None
    return req


def confirm(req: AllocationRequest, transfer: str, actor: Any) -> None:
    """Append the ledger row and mark ``req`` confirmed (flushed; the caller commits)."""
    locked = db.session.scalar(
        select(Reseller)
        .where(Reseller.id == req.reseller_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert locked is not None
    last = db.session.scalar(
        select(func.max(Allocation.sequence)).where(Allocation.reseller_id == req.reseller_id)
    )
    value = req.amount
    signed = value if req.kind == AllocationKind.ALLOCATE else -value
    locked.allocated_total = (locked.allocated_total + signed).quantize(CENT)
    entry = Allocation(
        reseller_id=req.reseller_id,
        sequence=(last or 0) + 1,
        kind=req.kind,
        amount=value,
        running_total=locked.allocated_total,
        reason=req.reason,
        provider_transfer_id=transfer[:64],
        staff_id=req.staff_id,
        staff_label=req.staff_label,
        created_at=utcnow(),
    )
    db.session.add(entry)
    db.session.flush()
    req.state = AllocationState.CONFIRMED
    req.provider_transfer_id = transfer[:64]
    req.allocation_id = entry.id
    req.resolved_at = utcnow()
    req.error_code = req.error_message = None
    audit.record(
        actor,
        f"partners.{req.kind}",
        f"reseller:{req.reseller_id}",
        {"amount": str(value), "reason": req.reason, "transfer_id": transfer},
        store_id=req.store_id,
    )


def fail(req: AllocationRequest, code: str, message: str, actor: Any) -> None:
    """Mark ``req`` failed: nothing moved at the provider."""
    req.state = AllocationState.FAILED
    req.error_code = code[:64]
    req.error_message = message[:500]
    req.resolved_at = utcnow()
    audit.record(
        actor,
        f"partners.{req.kind}_failed",
        f"reseller:{req.reseller_id}",
        {"amount": str(req.amount), "code": code},
        store_id=req.store_id,
    )
