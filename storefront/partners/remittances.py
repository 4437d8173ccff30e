"""Offline remittances a partner makes to the provider, and the incentives the provider pays
it (and how they are paid out)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront.accounts.permissions import require_permission
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.partners.errors import PartnerNotFound, PartnersError
from storefront.partners.inputs import parse_amount, parse_date
from storefront.partners.models import (
    Incentive,
    PartnerProfile,
    ProviderRemittance,
    RemittanceState,
)
from storefront.partners.profile import ensure_profile, topup_routes

# --------------------------------------------------------------------------- remittances


def remittances(staff: Any) -> list[ProviderRemittance]:
    require_permission(staff, "workspace.view")
    return list(
        db.session.scalars(select(ProviderRemittance).order_by(ProviderRemittance.id.desc()))
    )


def record_remittance(
    staff: Any, *, amount: Any, remitted_on: Any, payer_account: str, serial_number: str
) -> ProviderRemittance:
    require_permission(staff, "workspace.manage")
    profile = ensure_profile(staff.store_id)
    if "offline" not in topup_routes(profile):
        raise PartnersError(
            _l(
                "Offline remittance is offered only to partners contracted with Huawei's own "
                "entities. Contact your ecosystem manager."
            )
        )
    value = parse_amount(amount)
    day = parse_date(remitted_on, "remitted_on")
    if day > date.today():
        raise PartnersError(_l("The remittance date cannot be in the future."), "remitted_on")
    payer, serial = payer_account.strip(), serial_number.strip()
    if not payer:
        raise PartnersError(_l("Enter the paying bank account."), "payer_account")
    if not serial:
        raise PartnersError(_l("Enter the bank serial number."), "serial_number")
    if db.session.scalar(
        select(ProviderRemittance.id).where(ProviderRemittance.serial_number == serial)
    ):
        raise PartnersError(_l("This serial number is already recorded."), "serial_number")
    row = ProviderRemittance(
        store_id=staff.store_id,
        amount=value,
        remitted_on=day,
        payer_account=payer[:64],
        serial_number=serial[:64],
        state=RemittanceState.RECORDED,
        created_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row


REMITTANCE_MOVES = {
    RemittanceState.RECORDED: {RemittanceState.CLAIMED},
    RemittanceState.CLAIMED: {RemittanceState.CONFIRMED, RemittanceState.REJECTED},
    RemittanceState.CONFIRMED: set(),
    RemittanceState.REJECTED: set(),
}


def move_remittance(staff: Any, remittance_id: int, state: str) -> ProviderRemittance:
    require_permission(staff, "workspace.manage")
    row = db.session.get(ProviderRemittance, remittance_id)
    if row is None or row.store_id != staff.store_id:
        raise PartnerNotFound(_l("No such remittance."))
    try:
        target = RemittanceState(state)
    except ValueError:
        raise PartnersError(_l("Unknown state.")) from None
    if target not in REMITTANCE_MOVES[RemittanceState(row.state)]:
        raise PartnersError(_l("That change is not possible from the current state."))
    row.state = target
    if target == RemittanceState.CLAIMED:
        row.claimed_at = utcnow()
    else:
        row.settled_at = utcnow()
    db.session.flush()
    return row


# --------------------------------------------------------------------------- incentives

PAYOUT_METHODS: dict[str, Any] = {
    "cloud_account": _l("To the Huawei Cloud account (as cash balance)"),
    "bank": _l("Bank transfer"),
}


def incentives(staff: Any) -> list[Incentive]:
    require_permission(staff, "workspace.view")
    return list(db.session.scalars(select(Incentive).order_by(Incentive.id.desc())))


def add_incentive(staff: Any, *, period: str, kind: str, amount: Any) -> Incentive:
    require_permission(staff, "workspace.manage")
    if not period.strip() or not kind.strip():
        raise PartnersError(_l("Enter the period and the kind of incentive."), "period")
    row = Incentive(
        store_id=staff.store_id,
        period=period.strip()[:16],
        kind=kind.strip()[:120],
        amount=parse_amount(amount),
        status="pending",
        created_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def set_payout_method(staff: Any, method: str) -> PartnerProfile:
    require_permission(staff, "workspace.manage")
    if method not in PAYOUT_METHODS:
        raise PartnersError(_l("Choose a payout method."), "payout_method")
    profile = ensure_profile(staff.store_id)
    profile.payout_method = method
    db.session.flush()
    return profile
