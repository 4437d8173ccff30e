"""Distributor rules: invitations, resellers, allocations and the distributor's views.

Every function that acts for staff checks the partner permission first, so a reseller's staff
are refused here, before any provider call. Allocations use the distributor's own credentials
(:func:`distributor_provider`), never the platform's partner client.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select

from storefront.accounts.bootstrap import ensure_owner
from storefront.accounts.models import Customer, Staff
from storefront.accounts.validators import password_problem
from storefront.backoffice import audit
from storefront.billing.idempotency import run_once
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
from storefront.partners.models import Allocation, AllocationKind, Invitation, Reseller
from storefront.partners.permissions import partner_settings, require_partner_permission
from storefront.stores.models import Store, StoreDomain
from storefront.stores.services import StoreError, create_store, normalise_host
from storefront.stores.tenancy import all_stores, store_context

CENT = Decimal("0.01")
MAX_ALLOCATION = Decimal("10000000")


class PartnersError(ValueError):
    """A rule refused the request; ``field`` names the input when there is one."""

    def __init__(self, message: str, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


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
        return PartnersError(f"The provider refused: {exc.code} {exc.message}", code=exc.code)
    return PartnersError("The provider cannot be reached right now. Nothing was changed.")


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
    require_partner_permission(staff, "resellers.view")
    return list(db.session.scalars(select(Invitation).order_by(Invitation.created_at.desc())))


def _send_invitation(invitation: Invitation) -> None:
    from flask import url_for

    link = url_for("partners_public.join", token=invitation_token(invitation), _external=True)
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
    require_partner_permission(staff, "resellers.invite")
    email = email.strip().lower()
    if "@" not in email or len(email) > 255:
        raise PartnersError("Enter a valid email address.", "email")
    account_name = account_name.strip()
    if not account_name or len(account_name) > 64:
        raise PartnersError("Enter the reseller's provider account name.", "account_name")
    company_name = company_name.strip()
    if not company_name:
        raise PartnersError("Enter the reseller's company name.", "company_name")
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
    require_partner_permission(staff, "resellers.invite")
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        raise PartnersError("No such invitation.")
    return invitation


def resend(staff: Any, invitation_id: int) -> Invitation:
    invitation = _invitation_for_staff(staff, invitation_id)
    if invitation_state(invitation) not in ("pending", "expired"):
        raise PartnersError("Only a pending or expired invitation can be sent again.")
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
        raise PartnersError("Only a pending invitation can be revoked.")
    invitation.revoked_at = now()
    audit.record(staff, "partners.invite_revoke", f"invitation:{invitation.id}")
    db.session.commit()
    return invitation


def open_invitation(token: str) -> Invitation:
    """The pending invitation behind ``token``; else :class:`PartnersError` saying why not."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        raise PartnersError("This invitation link is not valid.", code="invalid") from None
    invitation = db.session.get(Invitation, int(data.get("i", 0)))
    if invitation is None or not secrets.compare_digest(invitation.nonce, str(data.get("n"))):
        raise PartnersError(
            "This invitation link is no longer valid. Ask for a new one.", code="invalid"
        )
    state = invitation_state(invitation)
    if state == "expired":
        raise PartnersError("This invitation has expired. Ask for a new one.", code="expired")
    if state == "revoked":
        raise PartnersError("This invitation was withdrawn.", code="revoked")
    if state == "accepted":
        raise PartnersError("This invitation was already used.", code="accepted")
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
        raise PartnersError("Enter your company name.", "company_name")
    if not data.store_name.strip():
        raise PartnersError("Enter a store name.", "store_name")
    host = normalise_host(data.domain)
    if not host or "." not in host or "/" in host:
        raise PartnersError("Enter a host name such as shop.example.com.", "domain")
    if db.session.scalar(select(StoreDomain.id).where(StoreDomain.host == host)):
        raise PartnersError("This domain is already used by another store.", "domain")
    if db.session.scalar(select(Store.id).where(Store.slug == data.slug.strip())):
        raise PartnersError("This short name is taken.", "slug")
    owner_email = data.owner_email.strip().lower()
    if "@" not in owner_email:
        raise PartnersError("Enter a valid email address.", "owner_email")
    problem = password_problem(data.password, email=owner_email)
    if problem:
        raise PartnersError(str(problem), "password")
    try:
        store = create_store(
            slug=data.slug.strip(),
            name=data.store_name.strip()[:120],
            domains=[host],
            contact_email=owner_email,
        )
    except StoreError as exc:
        db.session.rollback()
        raise PartnersError(str(exc), exc.field) from None
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
    require_partner_permission(staff, "resellers.invite")
    return link_provider(get_reseller(staff, reseller_id))


# --------------------------------------------------------------------------- resellers


def get_reseller(staff: Any, reseller_id: int) -> Reseller:
    require_partner_permission(staff, "resellers.view")
    reseller = db.session.get(Reseller, reseller_id)
    if reseller is None:
        raise PartnersError("No such reseller.")
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
    require_partner_permission(staff, "resellers.view")
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
    }


# --------------------------------------------------------------------------- allocations


def parse_amount(raw: Any) -> Decimal:
    try:
        amount = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise PartnersError("Enter an amount such as 1000.00.", "amount") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        raise PartnersError("Enter an amount above zero with at most 2 decimals.", "amount")
    if amount > MAX_ALLOCATION:
        raise PartnersError("That amount is too large for one allocation.", "amount")
    return amount


def allocations(staff: Any, reseller_id: int) -> list[Allocation]:
    require_partner_permission(staff, "resellers.view")
    return list(
        db.session.scalars(
            select(Allocation)
            .where(Allocation.reseller_id == reseller_id)
            .order_by(Allocation.sequence.desc())
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
) -> dict[str, Any]:
    """Allocate to (or reclaim from) a reseller's provider account, once per idempotency key.

    Refused locally (``PermissionDenied``) unless ``staff`` is the distributor's owner or finance
    staff: nothing reaches the provider then. The upstream call is signed with the distributor's
    own credentials; on success the allocation is appended to the ledger with its running total
    in the same transaction as the idempotency record.
    """
    require_partner_permission(staff, "resellers.funds")
    value = parse_amount(amount)
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise PartnersError("Give a reason (at least 3 characters).", "reason")
    reseller = get_reseller(staff, reseller_id)
    if not reseller.indirect_partner_id:
        raise PartnersError("This reseller is not linked to its provider account yet.")
    partner_id = reseller.indirect_partner_id
    payload = {"reseller": reseller.id, "kind": str(kind), "amount": str(value), "reason": reason}

    def action() -> dict[str, Any]:
        provider = distributor_provider()
        try:
            if kind == AllocationKind.ALLOCATE:
                transfer = provider.allocate_to_indirect_partner(
                    indirect_partner_id=partner_id, amount=value
                )
            else:
                transfer = provider.reclaim_from_indirect_partner(
                    indirect_partner_id=partner_id, amount=value
                )
        except (UpstreamRejected, UpstreamUnavailable) as exc:
            raise _upstream_error(exc) from None
        locked = db.session.scalar(
            select(Reseller)
            .where(Reseller.id == reseller_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert locked is not None
        last = db.session.scalar(
            select(func.max(Allocation.sequence)).where(Allocation.reseller_id == reseller_id)
        )
        signed = value if kind == AllocationKind.ALLOCATE else -value
        locked.allocated_total = (locked.allocated_total + signed).quantize(CENT)
        entry = Allocation(
            reseller_id=reseller_id,
            sequence=(last or 0) + 1,
            kind=kind,
            amount=value,
            running_total=locked.allocated_total,
            reason=reason[:500],
            provider_transfer_id=transfer[:64],
            staff_id=staff.id,
            staff_label=audit.actor_key(staff)[1][:255],
            created_at=now(),
        )
        db.session.add(entry)
        db.session.flush()
        audit.record(
            staff,
            f"partners.{kind}",
            f"reseller:{reseller_id}",
            {"amount": str(value), "reason": reason, "transfer_id": transfer},
        )
        return {
            "allocation_id": entry.id,
            "transfer_id": transfer,
            "kind": str(kind),
            "amount": str(value),
            "running_total": str(locked.allocated_total),
        }

    return run_once(staff.store_id, f"partners.{kind}", idempotency_key, payload, action)
