"""The customer's billing profile: who invoices are made out to. Every change adds a version
(never an update), so an invoice shows the profile as it was when issued."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from storefront.accounts.models import Customer
from storefront.accounts.validators import valid_credit_code
from storefront.billing.ledger import lock_row
from storefront.extensions import db
from storefront.statements.errors import StatementsError
from storefront.statements.models import BillingProfile, ProfileKind

LIMITS = {"title": 200, "tax_id": 32, "address": 255, "phone": 40, "bank": 120, "account": 64}
PHONE = set("0123456789+-() ")


def current(customer: Customer) -> BillingProfile | None:
    return db.session.scalar(
        select(BillingProfile)
        .where(BillingProfile.customer_id == customer.id)
        .order_by(BillingProfile.version.desc())
        .limit(1)
    )


def history(customer: Customer, limit: int = 20) -> list[BillingProfile]:
    return list(
        db.session.scalars(
            select(BillingProfile)
            .where(BillingProfile.customer_id == customer.id)
            .order_by(BillingProfile.version.desc())
            .limit(limit)
        )
    )


def clean(data: dict[str, Any]) -> tuple[ProfileKind, dict[str, str]]:
    """Validated profile fields, or a ``StatementsError`` naming every bad field."""
    problems: dict[str, str] = {}
    values: dict[str, str] = {}
    for name, limit in LIMITS.items():
        raw = data.get(name, "")
        if raw is None:
            raw = ""
        if not isinstance(raw, str):
            problems[name] = _("Text expected.")
            continue
        value = " ".join(raw.split())
        if len(value) > limit:
            problems[name] = _("At most %(n)s characters.", n=limit)
        values[name] = value
    try:
        kind = ProfileKind(str(data.get("kind", "")))
    except ValueError:
        kind = ProfileKind.INDIVIDUAL
        problems["kind"] = _("Choose individual or company.")
    if not values.get("title") and "title" not in problems:
        problems["title"] = _("The invoice title is required.")
    tax_id = values.get("tax_id", "").upper()
    values["tax_id"] = tax_id
    if kind is ProfileKind.COMPANY and "tax_id" not in problems:
        if not tax_id:
            problems["tax_id"] = _("A company needs its tax id (unified social credit code).")
        elif not valid_credit_code(tax_id):
            problems["tax_id"] = _("This is not a valid unified social credit code.")
    phone = values.get("phone", "")
    if phone and "phone" not in problems and (set(phone) - PHONE or len(phone) < 5):
        problems["phone"] = _("Enter a phone number.")
    if bool(values.get("bank")) != bool(values.get("account")) and "bank" not in problems:
        problems["account" if values.get("bank") else "bank"] = _(
            "Give both the bank and the account, or neither."
        )
    if problems:
        raise StatementsError(_("Check the billing profile."), fields=problems)
    return kind, values


def save(customer: Customer, data: dict[str, Any]) -> BillingProfile:
    """Validate and store a new version (an unchanged profile adds none). Flushes."""
    kind, values = clean(data)
    lock_row(Customer, customer.id, "phone", customer.store_id)  # one new version at a time
    latest = current(customer)
    if (
        latest is not None
        and latest.kind is kind
        and latest.as_dict()
        == {
            "kind": kind.value,
            **values,
        }
    ):
        return latest
    version = (
        db.session.scalar(
            select(func.max(BillingProfile.version)).where(
                BillingProfile.customer_id == customer.id
            )
        )
        or 0
    ) + 1
    profile = BillingProfile(
        store_id=customer.store_id, customer_id=customer.id, version=version, kind=kind, **values
    )
    db.session.add(profile)
    db.session.flush()
    return profile


def profile_json(profile: BillingProfile | None) -> dict[str, Any] | None:
    if profile is None:
        return None
    return {
        **profile.as_dict(),
        "version": profile.version,
        "updated_at": profile.created_at.isoformat(),
    }
