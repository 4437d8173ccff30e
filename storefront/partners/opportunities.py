"""Opportunities a partner shares with the provider, entered by hand or from a large quote."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.accounts.permissions import require_permission
from storefront.catalog.models import Quote
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.partners.errors import PartnerNotFound, PartnersError
from storefront.partners.inputs import parse_amount, parse_date
from storefront.partners.models import Opportunity, OpportunityStatus

# --------------------------------------------------------------------------- opportunities

STAGES: dict[str, Any] = {
    "lead": _l("Lead"),
    "qualified": _l("Qualified"),
    "proposal": _l("Proposal"),
    "negotiation": _l("Negotiation"),
}
OPPORTUNITY_MOVES = {
    OpportunityStatus.REVIEW: {OpportunityStatus.ACCEPTED, OpportunityStatus.REJECTED},
    OpportunityStatus.ACCEPTED: {OpportunityStatus.FOLLOW_UP},
    OpportunityStatus.REJECTED: set(),
    OpportunityStatus.FOLLOW_UP: set(),
}
LARGE_QUOTE = Decimal("5000.00")


def opportunities(staff: Any) -> list[Opportunity]:
    require_permission(staff, "workspace.view")
    return list(db.session.scalars(select(Opportunity).order_by(Opportunity.id.desc())))


def add_opportunity(
    staff: Any,
    *,
    customer_name: str,
    products: str,
    estimated_amount: Any,
    stage: str,
    expected_close: Any,
    customer_id: int | None = None,
    quote_id: str | None = None,
) -> Opportunity:
    require_permission(staff, "workspace.manage")
    if not customer_name.strip():
        raise PartnersError(_l("Enter the customer."), "customer_name")
    if not products.strip():
        raise PartnersError(_l("Enter the products."), "products")
    if stage not in STAGES:
        raise PartnersError(_l("Choose a stage."), "stage")
    at = utcnow()
    row = Opportunity(
        store_id=staff.store_id,
        customer_name=customer_name.strip()[:200],
        customer_id=customer_id,
        products=products.strip()[:500],
        estimated_amount=parse_amount(estimated_amount),
        stage=stage,
        expected_close=parse_date(expected_close, "expected_close"),
        status=OpportunityStatus.REVIEW,
        quote_id=quote_id,
        created_by_id=staff.id,
        created_at=at,
        updated_at=at,
    )
    db.session.add(row)
    db.session.flush()
    return row


def move_opportunity(staff: Any, opportunity_id: int, status: str) -> Opportunity:
    require_permission(staff, "workspace.manage")
    row = db.session.get(Opportunity, opportunity_id)
    if row is None or row.store_id != staff.store_id:
        raise PartnerNotFound(_l("No such opportunity."))
    try:
        target = OpportunityStatus(status)
    except ValueError:
        raise PartnersError(_l("Unknown status.")) from None
    if target not in OPPORTUNITY_MOVES[OpportunityStatus(row.status)]:
        raise PartnersError(_l("That change is not possible from the current status."))
    row.status = target
    row.updated_at = utcnow()
    db.session.flush()
    return row


def opportunities_csv(staff: Any) -> str:
    rows = opportunities(staff)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "id",
            "customer",
            "products",
            "estimated_amount",
            "stage",
            "expected_close",
            "status",
            "quote_id",
            "created_at",
        ]
    )
    for r in rows:
        writer.writerow(
            [
                r.id,
                r.customer_name,
                r.products,
                f"{r.estimated_amount:.2f}",
                r.stage,
                r.expected_close.isoformat(),
                str(r.status),
                r.quote_id or "",
                r.created_at.isoformat(timespec="seconds"),
            ]
        )
    return out.getvalue()


def large_quotes(staff: Any, limit: int = 50) -> list[tuple[Quote, Any, Opportunity | None]]:
    """This store's quotes of at least :data:`LARGE_QUOTE` (monthly estimate or total)."""
    require_permission(staff, "workspace.view")
    quotes = db.session.scalars(select(Quote).order_by(Quote.created_at.desc()).limit(500))
    found = []
    for q in quotes:
        if max(q.total, q.monthly_estimate or Decimal(0)) < LARGE_QUOTE:
            continue
        customer = db.session.get(Customer, q.customer_id) if q.customer_id else None
        existing = db.session.scalar(select(Opportunity).where(Opportunity.quote_id == q.id))
        found.append((q, customer, existing))
        if len(found) >= limit:
            break
    return found


def opportunity_from_quote(staff: Any, quote_id: str) -> Opportunity:
    require_permission(staff, "workspace.manage")
    quote = db.session.get(Quote, quote_id)
    if quote is None or quote.store_id != staff.store_id:
        raise PartnerNotFound(_l("No such quote."))
    existing = db.session.scalar(select(Opportunity).where(Opportunity.quote_id == quote.id))
    if existing is not None:
        return existing
    customer = db.session.get(Customer, quote.customer_id) if quote.customer_id else None
    products = ", ".join(sorted({f"{line.product_code} {line.spec_code}" for line in quote.lines}))
    amount = (
        quote.total
        if quote.billing_mode != "on_demand"
        else (quote.monthly_estimate or quote.total)
    )
    return add_opportunity(
        staff,
        customer_name=customer.name if customer else "—",
        customer_id=customer.id if customer else None,
        products=products or "—",
        estimated_amount=amount,
        stage="qualified",
        expected_close=(utcnow() + timedelta(days=30)).date(),
        quote_id=quote.id,
    )
