"""Back-office pages for staff funding's limits and dual control, on the ``billing`` blueprint.

The funding form itself is ``/staff/customers/<id>/funds`` (``wallet_views``); here: the second
approval or rejection of a funding waiting above the store's threshold, and the owner's form
for the store's funding limits (shown on the payment settings page).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from storefront.accounts.guards import staff_page
from storefront.accounts.models import Staff
from storefront.accounts.permissions import PermissionDenied
from storefront.billing import funding
from storefront.billing.blueprint import bp
from storefront.billing.errors import (
    DailyLimitReached,
    FundingAlreadyDecided,
    FundingLimitError,
    InvalidAmount,
    SameApprover,
    WrongStore,
)
from storefront.billing.funding_models import StaffFunding
from storefront.extensions import db


def _staff() -> Staff:
    user = current_user
    staff = db.session.get(Staff, user.id) if isinstance(user, Staff) else None
    if staff is None:
        abort(403)
    return staff


def funded_message(result: dict[str, Any]) -> str:
    if result["status"] == "pending_approval":
        return _(
            "Above the store's approval threshold: this funding of %(amount)s %(currency)s "
            "waits for a second, different staff member to approve it.",
            amount=result["amount"],
            currency=result["currency"],
        )
    return _("Done. New balance: %(balance)s %(currency)s", **result)


def limit_message(exc: FundingLimitError) -> str:
    if isinstance(exc, DailyLimitReached):
        return _(
            "This would take you over the store's daily funding limit of %(limit)s "
            "(%(used)s funded today).",
            limit=exc.limit,
            used=exc.used,
        )
    return _("The amount is over the store's limit of %(limit)s for one funding.", limit=exc.limit)


def _back(record_id: int) -> ResponseReturnValue:
    db.session.rollback()  # a refusal leaves nothing to keep (and releases the funding's lock)
    record = db.session.get(StaffFunding, record_id)
    if record is None:
        return redirect(url_for("billing.staff_claims"))
    return redirect(url_for("billing.staff_funds", customer_id=record.customer_id))


@bp.post("/staff/fundings/<id:funding_id>/approve")
@staff_page("funds.manage")
def staff_funding_approve(funding_id: int) -> ResponseReturnValue:
    try:
        record = funding.approve_funding(funding_id, _staff())
        db.session.commit()
    except WrongStore:
        abort(404)
    except SameApprover:
        flash(
            _("You asked for this funding: a second, different staff member must approve it."),
            "error",
        )
    except FundingAlreadyDecided:
        flash(_("This funding has already been decided."), "error")
    except FundingLimitError as exc:
        flash(limit_message(exc), "error")
    else:
        flash(
            _(
                "Funding approved: %(amount)s %(currency)s added.",
                amount=record.amount,
                currency=record.currency,
            ),
            "success",
        )
    return _back(funding_id)


@bp.post("/staff/fundings/<id:funding_id>/reject")
@staff_page("funds.manage")
def staff_funding_reject(funding_id: int) -> ResponseReturnValue:
    try:
        funding.reject_funding(funding_id, _staff(), request.form.get("reason", ""))
        db.session.commit()
    except WrongStore:
        abort(404)
    except FundingAlreadyDecided:
        flash(_("This funding has already been decided."), "error")
    else:
        flash(_("Funding rejected: no money moved."), "success")
    return _back(funding_id)


@bp.post("/staff/payments/funding-limits")
@staff_page("funds.limits")
def staff_funding_limits() -> ResponseReturnValue:
    """The owner sets the store's staff funding limits (other roles: 403)."""
    try:
        funding.update_limits(
            _staff(), request.form.get("per_operation", ""), request.form.get("per_day", "")
        )
    except PermissionDenied:
        abort(403)
    except InvalidAmount:
        db.session.rollback()
        flash(_('Enter each limit as an amount such as "50000.00".'), "error")
    else:
        db.session.commit()
        flash(_("Funding limits saved."), "success")
    return redirect(url_for("billing.staff_payment_settings") + "#funding-limits")
