"""Back-office rules for one customer: staff notes, the real-name review, view-as grants, and
the dashboard. Every function that acts for staff checks the permission here (views and the API
only parse and render), as do its siblings: ``staff_members`` (staff management),
``customer_search`` (search, a customer, the summary), ``customer_freeze`` (freeze and unfreeze),
``branding`` and ``association`` (a customer leaves the partner).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from storefront import mail
from storefront.accounts.models import (
    Customer,
    CustomerStatus,
    RealnameStatus,
    RealnameSubmission,
    Staff,
)
from storefront.accounts.permissions import has_permission, require_permission
from storefront.backoffice import audit, money
from storefront.backoffice.customer_search import get_customer
from storefront.backoffice.errors import (
    BackofficeError,
    Expired,
    NotFound,
    NothingPending,
    ReasonRequired,
    ReviewNotLocal,
    required_reason,
)
from storefront.backoffice.models import StaffNote, ViewAsGrant
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.stores.tenancy import current_store

VIEW_AS_TTL = timedelta(minutes=15)

# --------------------------------------------------------------------------- notes


def notes(actor: Staff, customer: Customer) -> Sequence[StaffNote]:
    require_permission(actor, "customers.view")
    return db.session.scalars(
        select(StaffNote)
        .where(StaffNote.customer_id == customer.id)
        .order_by(StaffNote.created_at.desc(), StaffNote.id.desc())
    ).all()


def add_note(actor: Staff, customer: Customer, body: str, ip: str | None = None) -> StaffNote:
    require_permission(actor, "customers.notes")
    text = (body or "").strip()
    if not text or len(text) > 4000:
        raise BackofficeError(
            _("Write a note (up to 4000 characters)."), fields={"body": _("Empty.")}
        )
    note = StaffNote(
        store_id=customer.store_id,
        customer_id=customer.id,
        staff_id=actor.id,
        staff_label=f"{actor.name} <{actor.email}>",
        body=text,
        created_at=utcnow(),
    )
    db.session.add(note)
    audit.record(actor, "customer.note", customer, {"length": len(text)}, ip)
    db.session.flush()
    return note


# --------------------------------------------------------------------------- real-name


def review_realname(
    actor: Staff, customer: Customer, approve: bool, opinion: str = "", ip: str | None = None
) -> RealnameSubmission:
    """Manual decision, only when the store reviews real-name cases itself."""
    require_permission(actor, "realname.review")
    if not current_store().realname_review_local:
        raise ReviewNotLocal(_("This store leaves real-name review to the provider."))
    latest = db.session.scalar(
        select(RealnameSubmission)
        .where(RealnameSubmission.customer_id == customer.id)
        .order_by(RealnameSubmission.id.desc())
        .limit(1)
    )
    if latest is None or latest.status != RealnameStatus.PENDING:
        raise NothingPending(_("No real-name case is pending."))
    if not approve and not (opinion or "").strip():
        raise ReasonRequired(_("Say why it is rejected."), fields={"opinion": _("Give a reason.")})
    status = RealnameStatus.VERIFIED if approve else RealnameStatus.REJECTED
    latest.status, latest.opinion, latest.reviewed_at = status, opinion.strip() or None, utcnow()
    customer.realname_status = status
    customer.realname_opinion = latest.opinion
    customer.realname_checked_at = utcnow()
    mail.queue_customer_mail(
        "realname_approved" if approve else "realname_rejected", f"submission:{latest.id}",
        customer.id, customer.store_id, reason=latest.opinion or "",
    )  # fmt: skip
    audit.record(
        actor,
        "realname.approve" if approve else "realname.reject",
        customer,
        {"opinion": latest.opinion, "submission": latest.id},
        ip,
    )
    db.session.flush()
    return latest


def pending_realname(actor: Staff, limit: int = 50) -> Sequence[Customer]:
    require_permission(actor, "customers.view")
    return db.session.scalars(
        select(Customer)
        .where(Customer.realname_status == RealnameStatus.PENDING)
        .order_by(Customer.created_at.desc(), Customer.id.desc())
        .limit(limit)
    ).all()


# --------------------------------------------------------------------------- view as customer


def start_view_as(
    actor: Staff, customer: Customer, reason: str | None, ip: str | None = None
) -> ViewAsGrant:
    require_permission(actor, "customers.view_as")
    text = required_reason(reason)
    grant = ViewAsGrant(
        store_id=customer.store_id,
        token=secrets.token_urlsafe(24),
        staff_id=actor.id,
        customer_id=customer.id,
        reason=text,
        created_at=utcnow(),
        expires_at=utcnow() + VIEW_AS_TTL,
    )
    db.session.add(grant)
    audit.record(
        actor,
        "customer.view_as",
        customer,
        {"reason": text, "minutes": int(VIEW_AS_TTL.total_seconds() // 60), "staff": actor.name},
        ip,
    )
    db.session.flush()
    return grant


def view_as_grant(actor: Staff, token: str) -> tuple[ViewAsGrant, Customer]:
    """The live grant ``actor`` holds under ``token`` and its customer; else 404/410."""
    require_permission(actor, "customers.view_as")
    grant = db.session.scalar(select(ViewAsGrant).where(ViewAsGrant.token == token))
    if grant is None or grant.staff_id != actor.id:
        raise NotFound(_("No such view."))
    if grant.expires_at <= utcnow():
        raise Expired(_("This view has expired. Start a new one."))
    customer = get_customer(actor, grant.customer_id)
    return grant, customer


# --------------------------------------------------------------------------- dashboard


def dashboard(actor: Staff, days: int = 30) -> dict[str, Any]:
    require_permission(actor, "dashboard.view")
    since = utcnow() - timedelta(days=7)
    new_customers = (
        db.session.scalar(select(func.count(Customer.id)).where(Customer.created_at >= since)) or 0
    )
    pending = (
        db.session.scalar(
            select(func.count(Customer.id)).where(
                Customer.realname_status == RealnameStatus.PENDING
            )
        )
        or 0
    )
    frozen = (
        db.session.scalar(
            select(func.count(Customer.id)).where(Customer.status == CustomerStatus.FROZEN)
        )
        or 0
    )
    sales = money.sales_series(days) if has_permission(actor, "reports.view") else None
    return {
        "new_customers": new_customers,
        "realname_pending": pending,
        "frozen": frozen,
        "claims_pending": money.claims_pending(),
        "low_balances": money.low_balances(),
        "sales": sales,
        "reports_allowed": has_permission(actor, "reports.view"),
    }
