"""Distributor rules: invitations, resellers, allocations and the distributor's views.

Every function that acts for staff checks the partner permission first, so a reseller's staff
are refused here, before any provider call. Allocations use the distributor's own credentials
(:func:`distributor_provider`), never the platform's partner client.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storefront.accounts.bootstrap import ensure_owner
from storefront.accounts.models import Customer, Staff
from storefront.accounts.permissions import require_permission
from storefront.accounts.validators import password_problem
from storefront.backoffice import audit
from storefront.billing.errors import IdempotencyConflict
from storefront.billing.idempotency import MAX_KEY_LENGTH, request_hash
from storefront.billing.models import LIVE_ORDER_STATUSES, Order
from storefront.cloud import build_provider
from storefront.cloud.interface import (
    CloudProvider,
    PartnerBalance,
    UpstreamRejected,
    UpstreamUnavailable,
)
from storefront.extensions import db
from storefront.mail import send_template
from storefront.partners.errors import PartnerNotFound, PartnersError
from storefront.partners.models import (
    Allocation,
    AllocationKind,
    AllocationRequest,
    AllocationState,
    Invitation,
    Reseller,
)
from storefront.partners.settings import partner_settings
from storefront.stores.models import Store, StoreDomain
from storefront.stores.services import StoreError, create_store, normalise_host
from storefront.stores.tenancy import all_stores, store_context

log = logging.getLogger(__name__)
CENT = Decimal("0.01")
MAX_ALLOCATION = Decimal("10000000")


def now() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- provider clients


def distributor_provider() -> CloudProvider:
    """A provider client signing with the distributor's own AK/SK (built once per app)."""
    key = "storefront.partners.distributor_cloud"
    provider: CloudProvider | None = current_app.extensions.get(key)
    if provider is None:
        ps = partner_settings()
        cloud = current_app.config["SETTINGS"].cloud
        provider = build_provider(
            replace(
                cloud,
                ak=ps.distributor_ak,
                sk=ps.distributor_sk,
                domain_id=ps.distributor_domain_id,
                partner_id=ps.distributor_domain_id,
            )
        )
        current_app.extensions[key] = provider
    return provider


def _upstream_error(exc: Exception) -> PartnersError:
    if isinstance(exc, UpstreamRejected):
        return PartnersError(refusal_message(exc.code, exc.message), code=exc.code)
    return PartnersError(_l("The provider cannot be reached right now. Nothing was changed."))


# --------------------------------------------------------------------------- invitations


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key or "", salt="partners.invitation")


def invitation_token(invitation: Invitation) -> str:
    return str(_serializer().dumps({"i": invitation.id, "n": invitation.nonce}))


def invitation_state(invitation: Invitation, at: datetime | None = None) -> str:
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.accepted_at is not None:
        return "accepted"
    if (at or now()) >= invitation.expires_at:
        return "expired"
    return "pending"


def list_invitations(staff: Any) -> list[Invitation]:
    require_permission(staff, "resellers.view")
    return list(db.session.scalars(select(Invitation).order_by(Invitation.created_at.desc())))


def _send_invitation(invitation: Invitation) -> None:
    from storefront.stores.urls import external_url

    link = external_url("partners_public.join", token=invitation_token(invitation))
    send_template(
        "partners_invitation",
        to=invitation.email,
        subject=_subject(invitation.locale),
        locale=invitation.locale,
        invitation=invitation,
        link=link,
    )


def _subject(locale: str) -> str:
    from flask_babel import force_locale, gettext

    with force_locale(locale):
        return gettext("You are invited to open your cloud store")


def invite(
    staff: Any, *, email: str, account_name: str, company_name: str, locale: str = "en"
) -> Invitation:
    require_permission(staff, "resellers.invite")
    email = email.strip().lower()
    if "@" not in email or len(email) > 255:
        raise PartnersError(_l("Enter a valid email address."), "email")
    account_name = account_name.strip()
    if not account_name or len(account_name) > 64:
        raise PartnersError(_l("Enter the reseller's provider account name."), "account_name")
    company_name = company_name.strip()
    if not company_name:
        raise PartnersError(_l("Enter the reseller's company name."), "company_name")
    if locale not in ("en", "zh_Hans_CN"):
        locale = "en"
    at = now()
    invitation = Invitation(
        email=email,
        account_name=account_name,
        company_name=company_name[:200],
        locale=locale,
        nonce=secrets.token_hex(16),
        invited_by_id=staff.id,
        created_at=at,
        sent_at=at,
        expires_at=at + timedelta(days=partner_settings().invitation_days),
        send_count=1,
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(staff, "partners.invite", f"invitation:{invitation.id}", {"email": email})
    db.session.commit()
    _send_invitation(invitation)
    return invitation


def _invitation_for_staff(staff: Any, invitation_id: int) -> Invitation:
    require_permission(staff, "resellers.invite")
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        raise PartnerNotFound(_l("No such invitation."))
    return invitation


def resend(staff: Any, invitation_id: int) -> Invitation:
    invitation = _invitation_for_staff(staff, invitation_id)
    if invitation_state(invitation) not in ("pending", "expired"):
        raise PartnersError(_l("Only a pending or expired invitation can be sent again."))
    at = now()
    invitation.nonce = secrets.token_hex(16)  # the earlier link stops working
    invitation.sent_at = at
    invitation.expires_at = at + timedelta(days=partner_settings().invitation_days)
    invitation.send_count += 1
    audit.record(staff, "partners.invite_resend", f"invitation:{invitation.id}")
    db.session.commit()
    _send_invitation(invitation)
    return invitation


def revoke(staff: Any, invitation_id: int) -> Invitation:
    invitation = _invitation_for_staff(staff, invitation_id)
    if invitation_state(invitation) != "pending":
        raise PartnersError(_l("Only a pending invitation can be revoked."))
    invitation.revoked_at = now()
    audit.record(staff, "partners.invite_revoke", f"invitation:{invitation.id}")
    db.session.commit()
    return invitation


def open_invitation(token: str) -> Invitation:
    """The pending invitation behind ``token``; else :class:`PartnersError` saying why not."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        raise PartnersError(_l("This invitation link is not valid."), code="invalid") from None
    invitation = db.session.get(Invitation, int(data.get("i", 0)))
    if invitation is None or not secrets.compare_digest(invitation.nonce, str(data.get("n"))):
        raise PartnersError(
            _l("This invitation link is no longer valid. Ask for a new one."), code="invalid"
        )
    state = invitation_state(invitation)
    if state == "expired":
        raise PartnersError(_l("This invitation has expired. Ask for a new one."), code="expired")
    if state == "revoked":
        raise PartnersError(_l("This invitation was withdrawn."), code="revoked")
    if state == "accepted":
        raise PartnersError(_l("This invitation was already used."), code="accepted")
    return invitation


@dataclass
class Acceptance:
    company_name: str
    store_name: str
    slug: str
    domain: str
    owner_email: str
    password: str


def accept(token: str, data: Acceptance) -> Reseller:
    """Create the reseller's store and owner, and link its indirect-partner id if found."""
    invitation = open_invitation(token)
    company = data.company_name.strip()
    if not company:
        raise PartnersError(_l("Enter your company name."), "company_name")
    if not data.store_name.strip():
        raise PartnersError(_l("Enter a store name."), "store_name")
    host = normalise_host(data.domain)
    if not host or "." not in host or "/" in host:
        raise PartnersError(_l("Enter a host name such as shop.example.com."), "domain")
    if db.session.scalar(select(StoreDomain.id).where(StoreDomain.host == host)):
        raise PartnersError(_l("This domain is already used by another store."), "domain")
    if db.session.scalar(select(Store.id).where(Store.slug == data.slug.strip())):
        raise PartnersError(_l("This short name is taken."), "slug")
    owner_email = data.owner_email.strip().lower()
    if "@" not in owner_email:
        raise PartnersError(_l("Enter a valid email address."), "owner_email")
    problem = password_problem(data.password, email=owner_email)
    if problem:
        from storefront.accounts.services import PASSWORD_MESSAGES

        raise PartnersError(
            PASSWORD_MESSAGES.get(problem, _l("Choose another password.")), "password"
        )
    try:
        store = create_store(
            slug=data.slug.strip(),
            name=data.store_name.strip()[:120],
            domains=[host],
            contact_email=owner_email,
        )
    except StoreError as exc:
        db.session.rollback()
        if exc.field == "slug":
            raise PartnersError(
                _l("Use 2-63 lowercase letters, digits and hyphens."), "slug"
            ) from None
        raise PartnersError(_l("The store could not be created."), exc.field) from None
    owner = ensure_owner(store, owner_email, data.password)
    owner.name = company[:120]
    reseller = Reseller(
        store_id=store.id,
        company_name=company[:200],
        account_name=invitation.account_name,
        email=invitation.email,
        created_at=now(),
    )
    db.session.add(reseller)
    db.session.flush()
    invitation.accepted_at = now()
    invitation.reseller_id = reseller.id
    from storefront.partners.workspace import ensure_profile

    with store_context(store):
        profile = ensure_profile(store.id)
        profile.provider_account_name = invitation.account_name
    audit.record(
        "reseller",
        "partners.invite_accept",
        f"invitation:{invitation.id}",
        {"store": store.slug},
        store_id=store.id,
    )
    db.session.commit()
    with contextlib.suppress(PartnersError):  # else "not linked" on the distributor's page
        link_provider(reseller)
    return reseller


def link_provider(reseller: Reseller) -> str | None:
    """Find the reseller's indirect-partner id by its account name (else its email)."""
    provider = distributor_provider()
    try:
        page = provider.list_indirect_partners(account_name=reseller.account_name, limit=10)
        match = next(
            (p for p in page.items if p.account_name.lower() == reseller.account_name.lower()),
            None,
        )
        if match is None:
            page = provider.list_indirect_partners(limit=100)
            match = next(
                (p for p in page.items if (p.email or "").lower() == reseller.email.lower()), None
            )
    except (UpstreamRejected, UpstreamUnavailable) as exc:
        raise _upstream_error(exc) from None
    if match is not None:
        reseller.indirect_partner_id = match.indirect_partner_id
        db.session.commit()
    return reseller.indirect_partner_id


def relink(staff: Any, reseller_id: int) -> str | None:
    require_permission(staff, "resellers.invite")
    return link_provider(get_reseller(staff, reseller_id))


# --------------------------------------------------------------------------- resellers


def get_reseller(staff: Any, reseller_id: int) -> Reseller:
    require_permission(staff, "resellers.view")
    reseller = db.session.get(Reseller, reseller_id)
    if reseller is None:
        raise PartnerNotFound(_l("No such reseller."))
    return reseller


def reseller_for_store(store_id: int) -> Reseller | None:
    return db.session.scalar(select(Reseller).where(Reseller.store_id == store_id))


@dataclass
class ResellerRow:
    reseller: Reseller
    store: Store
    customers: int
    orders: int
    sales: Decimal
    balance: Decimal | None


def provider_balance(indirect_partner_id: str | None) -> Decimal | None:
    """A reseller's cash balance at the provider (distributor credentials); None if unknown."""
    if not indirect_partner_id:
        return None
    try:
        balances = distributor_provider().list_partner_balances(
            indirect_partner_id=indirect_partner_id
        )
    except (UpstreamRejected, UpstreamUnavailable):
        return None
    return _cash(balances)


def _cash(balances: tuple[PartnerBalance, ...]) -> Decimal:
    return sum((b.amount for b in balances if b.account_type == 1), Decimal("0.00"))


def store_stats(store_id: int) -> tuple[int, int, Decimal]:
    with all_stores():
        customers = db.session.scalar(
            select(func.count(Customer.id)).where(Customer.store_id == store_id)
        )
        orders, sales = db.session.execute(
            select(func.count(Order.id), func.coalesce(func.sum(Order.total), 0)).where(
                Order.store_id == store_id, Order.status.in_(LIVE_ORDER_STATUSES)
            )
        ).one()
    return int(customers or 0), int(orders or 0), Decimal(str(sales)).quantize(CENT)


def reseller_rows(staff: Any, *, with_balances: bool = True) -> list[ResellerRow]:
    require_permission(staff, "resellers.view")
    rows = []
    for reseller in db.session.scalars(select(Reseller).order_by(Reseller.company_name)):
        store = db.session.get(Store, reseller.store_id)
        assert store is not None
        customers, orders, sales = store_stats(store.id)
        balance = provider_balance(reseller.indirect_partner_id) if with_balances else None
        rows.append(ResellerRow(reseller, store, customers, orders, sales, balance))
    return rows


def reseller_detail(staff: Any, reseller_id: int) -> dict[str, Any]:
    """Read-only drill-down into a reseller's store (no session in that store is opened)."""
    reseller = get_reseller(staff, reseller_id)
    store = db.session.get(Store, reseller.store_id)
    assert store is not None
    customers, orders, sales = store_stats(store.id)
    with all_stores():
        recent_customers = list(
            db.session.scalars(
                select(Customer)
                .where(Customer.store_id == store.id)
                .order_by(Customer.created_at.desc())
                .limit(10)
            )
        )
        recent_orders = list(
            db.session.scalars(
                select(Order)
                .where(Order.store_id == store.id)
                .order_by(Order.created_at.desc())
                .limit(10)
            )
        )
        staff_members = list(db.session.scalars(select(Staff).where(Staff.store_id == store.id)))
    return {
        "reseller": reseller,
        "store": store,
        "customers": customers,
        "orders": orders,
        "sales": sales,
        "recent_customers": recent_customers,
        "recent_orders": recent_orders,
        "staff": staff_members,
        "balance": provider_balance(reseller.indirect_partner_id),
        "allocations": allocations(staff, reseller.id),
        "requests": recent_requests(staff, reseller.id),
    }


# --------------------------------------------------------------------------- allocations


def parse_amount(raw: Any) -> Decimal:
    try:
        amount = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise PartnersError(_l("Enter an amount such as 1000.00."), "amount") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        raise PartnersError(_l("Enter an amount above zero with at most 2 decimals."), "amount")
    if amount > MAX_ALLOCATION:
        raise PartnersError(_l("That amount is too large for one allocation."), "amount")
    return amount


def allocations(staff: Any, reseller_id: int) -> list[Allocation]:
    require_permission(staff, "resellers.view")
    return list(
        db.session.scalars(
            select(Allocation)
            .where(Allocation.reseller_id == reseller_id)
            .order_by(Allocation.sequence.desc())
        )
    )


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


def refusal_message(code: str | None, message: str | None) -> Any:
    if code == NO_RECORD:
        return _l("The provider has no record of this request: nothing was moved.")
    return _l("The provider refused: %(code)s %(message)s", code=code or "", message=message or "")


NO_RECORD = "no_record"


def pending_requests(staff: Any, reseller_id: int | None = None) -> list[AllocationRequest]:
    require_permission(staff, "resellers.view")
    query = select(AllocationRequest).where(AllocationRequest.state == AllocationState.PENDING)
    if reseller_id is not None:
        query = query.where(AllocationRequest.reseller_id == reseller_id)
    return list(db.session.scalars(query.order_by(AllocationRequest.id)))


def recent_requests(staff: Any, reseller_id: int, limit: int = 20) -> list[AllocationRequest]:
    """Pending and failed requests (confirmed ones are in the ledger), newest first."""
    require_permission(staff, "resellers.view")
    return list(
        db.session.scalars(
            select(AllocationRequest)
            .where(
                AllocationRequest.reseller_id == reseller_id,
                AllocationRequest.state != AllocationState.CONFIRMED,
            )
            .order_by(AllocationRequest.id.desc())
            .limit(limit)
        )
    )


def move_funds(
    staff: Any,
    reseller_id: int,
    *,
    kind: AllocationKind,
    amount: Any,
    reason: str,
    idempotency_key: str | None,
) -> MoveResult:
    """Allocate to (or reclaim from) a reseller's provider account, once per idempotency key.

    Refused locally (``PermissionDenied``) unless ``staff`` is the distributor's owner or finance
    staff: nothing reaches the provider then. Three steps, so that money never moves at the
    provider without a trace here:

    1. the request is committed as ``pending`` with its idempotency key and client reference;
    2. the provider is called (distributor credentials) outside any database transaction;
    3. success -> ``confirmed`` plus its ledger row (running total) in one transaction;
       a refusal -> ``failed``; no answer (timeout, 5xx) -> stays ``pending`` for
       :func:`reconcile_allocations`, which asks the provider's adjust records.

    The same key with the same request answers the recorded outcome without calling again; with
    a different request it raises ``IdempotencyConflict``.
    """
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

    # step 1: record the request (pending), unless this key already has one
    db.session.commit()
    existing = _request_by_key(staff.store_id, key)
    if existing is not None:
        return _replay(existing, digest)
    db.session.scalar(  # one request per reseller at a time: serialise on its row
        select(Reseller.id).where(Reseller.id == reseller_id).with_for_update()
    )
    if db.session.scalar(
        select(AllocationRequest.id).where(
            AllocationRequest.reseller_id == reseller_id,
            AllocationRequest.state == AllocationState.PENDING,
        )
    ):
        db.session.rollback()
        raise PartnersError(
            _l(
                "An earlier allocation or reclaim for this reseller is still pending at the "
                "provider. It is checked automatically; try again once it is settled."
            ),
            code="pending",
        )
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
        created_at=now(),
    )
    db.session.add(req)
    try:
        db.session.flush()
    except IntegrityError:
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
    db.session.commit()
    request_id = req.id

    # step 2: the provider, outside any transaction
    provider = distributor_provider()
    transfer: str | None = None
    refused: UpstreamRejected | None = None
    unknown: UpstreamUnavailable | None = None
    try:
        if kind == AllocationKind.ALLOCATE:
            transfer = provider.allocate_to_indirect_partner(
                indirect_partner_id=partner_id, amount=value
            )
        else:
            transfer = provider.reclaim_from_indirect_partner(
                indirect_partner_id=partner_id, amount=value
            )
    except UpstreamRejected as exc:
        refused = exc
    except UpstreamUnavailable as exc:
        unknown = exc

    # step 3: record the outcome
    req = _locked_request(request_id)
    req.attempted_at = now()
    if transfer is not None and req.state == AllocationState.PENDING:
        _confirm(req, transfer, staff)
    elif refused is not None and req.state == AllocationState.PENDING:
        _fail(req, refused.code, refused.message, staff)
    elif unknown is not None:
        req.error_message = f"no answer: {unknown.message}"[:500]
    db.session.commit()
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


def _locked_request(request_id: int) -> AllocationRequest:
    req = db.session.scalar(
        select(AllocationRequest)
        .where(AllocationRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert req is not None
    return req


def _confirm(req: AllocationRequest, transfer: str, actor: Any) -> None:
    """Append the ledger row and mark ``req`` confirmed (the caller commits)."""
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
        created_at=now(),
    )
    db.session.add(entry)
    db.session.flush()
    req.state = AllocationState.CONFIRMED
    req.provider_transfer_id = transfer[:64]
    req.allocation_id = entry.id
    req.resolved_at = now()
    req.error_code = req.error_message = None
    audit.record(
        actor,
        f"partners.{req.kind}",
        f"reseller:{req.reseller_id}",
        {"amount": str(value), "reason": req.reason, "transfer_id": transfer},
        store_id=req.store_id,
    )


def _fail(req: AllocationRequest, code: str, message: str, actor: Any) -> None:
    req.state = AllocationState.FAILED
    req.error_code = code[:64]
    req.error_message = message[:500]
    req.resolved_at = now()
    audit.record(
        actor,
        f"partners.{req.kind}_failed",
        f"reseller:{req.reseller_id}",
        {"amount": str(req.amount), "code": code},
        store_id=req.store_id,
    )


# --------------------------------------------------------------------------- reconcile

RECONCILE_AFTER = timedelta(seconds=30)  # leave a request alone while its call may run
GIVE_UP_AFTER = timedelta(minutes=15)  # no provider record by then: it never happened
CLOCK_SKEW = timedelta(minutes=5)


@dataclass
class AllocationReconcileReport:
    examined: int = 0
    confirmed: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)


def reconcile_allocations(
    *,
    older_than: timedelta = RECONCILE_AFTER,
    give_up_after: timedelta = GIVE_UP_AFTER,
    at: datetime | None = None,
) -> AllocationReconcileReport:
    """Settle pending allocation requests by asking the provider's adjust records.

    A provider record for the reseller of the same kind and amount, made no earlier than the
    request (less :data:`CLOCK_SKEW`) and not yet in our ledger, confirms it (ledger row);
    none while the provider answers, once the request is older than ``give_up_after``, fails
    it (nothing moved). When the provider cannot be asked, the request stays pending. Only one
    request per reseller is ever pending, so a record matches one request.
    """
    moment = at or now()
    report = AllocationReconcileReport()
    ids = db.session.scalars(
        select(AllocationRequest.id)
        .where(
            AllocationRequest.state == AllocationState.PENDING,
            AllocationRequest.created_at <= moment - older_than,
        )
        .order_by(AllocationRequest.id)
    ).all()
    db.session.commit()
    for request_id in ids:
        report.examined += 1
        req = db.session.get(AllocationRequest, request_id, populate_existing=True)
        assert req is not None
        reseller = db.session.get(Reseller, req.reseller_id)
        assert reseller is not None and reseller.indirect_partner_id
        created = _aware(req.created_at)
        try:
            records = distributor_provider().list_adjust_records(
                customer_id=reseller.indirect_partner_id,
                kind=str(req.kind),
                since=created - CLOCK_SKEW,
                until=moment + CLOCK_SKEW,
            )
        except (UpstreamRejected, UpstreamUnavailable) as exc:
            log.warning("allocation %s: provider records unavailable: %s", request_id, exc)
            report.pending.append(request_id)
            db.session.rollback()
            continue
        known = set(
            db.session.scalars(
                select(Allocation.provider_transfer_id).where(
                    Allocation.reseller_id == req.reseller_id
                )
            )
        )
        match = next(
            (
                r
                for r in sorted(records, key=lambda r: r.operation_time or moment)
                if r.amount == req.amount and r.trans_id and r.trans_id not in known
            ),
            None,
        )
        req = _locked_request(request_id)
        if req.state != AllocationState.PENDING:
            db.session.rollback()
            continue
        if match is not None:
            _confirm(req, match.trans_id, "partners-reconcile")
            report.confirmed.append(request_id)
        elif moment - created >= give_up_after:
            _fail(req, NO_RECORD, "no matching provider record", "partners-reconcile")
            report.failed.append(request_id)
        else:
            report.pending.append(request_id)
        db.session.commit()
    return report


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
