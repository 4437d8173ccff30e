"""The distributor's pages: resellers, invitations, one reseller's store, fund moves, links
to the provider and store freezes."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, flash, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from storefront.accounts.models import Staff
from storefront.billing.errors import IdempotencyConflict, IdempotencyInProgress
from storefront.extensions import db
from storefront.partners import forms, reseller_freeze, services
from storefront.partners.errors import PartnersError
from storefront.partners.form_views import submit
from storefront.partners.models import AllocationKind, AllocationState
from storefront.partners.pages import (
    back,
    bp,
    button_ok,
    field_error,
    flash_refusal,
    partner_page,
    require,
    staff_member,
)
from storefront.stores.forms import StoreFreezeForm
from storefront.stores.freeze import StoreFreezeError


@bp.get("/resellers")
@partner_page("resellers.view")
def resellers() -> ResponseReturnValue:
    return render_template("partners/resellers.html", rows=services.reseller_rows(staff_member()))


def _invitations(form: forms.InviteForm | None = None, status: int = 200) -> Any:
    staff = staff_member()
    rows = [(i, services.invitation_state(i)) for i in services.list_invitations(staff)]
    return render_template(
        "partners/invitations.html",
        rows=rows,
        form=form or forms.InviteForm(formdata=None),
        button=forms.EmptyForm(),
    ), status


@bp.route("/resellers/invitations", methods=["GET", "POST"])
@partner_page("resellers.view")
def invitations() -> ResponseReturnValue:
    if request.method == "GET":
        return _invitations()
    require("resellers.invite")
    form = forms.InviteForm()
    return submit(
        form,
        _invitations,
        lambda: services.invite(
            staff_member(),
            email=form.email.data or "",
            account_name=form.account_name.data or "",
            company_name=form.company_name.data or "",
            locale=form.locale.data,
        ),
        done=_("Invitation sent."),
        endpoint="partners.invitations",
        after=services.send_invitation,
    )


@bp.post("/resellers/invitations/<id:invitation_id>/resend")
@partner_page("resellers.invite")
def invitation_resend(invitation_id: int) -> ResponseReturnValue:
    if not button_ok():
        return back("partners.invitations")
    try:
        invitation = services.resend(staff_member(), invitation_id)
        db.session.commit()
        services.send_invitation(invitation)
        flash(_("Invitation sent again; the earlier link no longer works."))
    except PartnersError as exc:
        flash_refusal(exc)
    return back("partners.invitations")


@bp.post("/resellers/invitations/<id:invitation_id>/revoke")
@partner_page("resellers.invite")
def invitation_revoke(invitation_id: int) -> ResponseReturnValue:
    if not button_ok():
        return back("partners.invitations")
    try:
        services.revoke(staff_member(), invitation_id)
        db.session.commit()
        flash(_("Invitation revoked."))
    except PartnersError as exc:
        flash_refusal(exc)
    return back("partners.invitations")


def _reseller_page(
    reseller_id: int, form: forms.FundsForm | None = None, status: int = 200
) -> ResponseReturnValue:
    try:
        data = services.reseller_detail(staff_member(), reseller_id)
    except PartnersError:
        abort(404)
    if form is None:
        form = forms.FundsForm(formdata=None, data={"idempotency_key": uuid.uuid4().hex})
    return render_template(
        "partners/reseller.html",
        form=form,
        button=forms.EmptyForm(),
        refusal=services.refusal_message,
        freeze_form=StoreFreezeForm(),
        **data,
    ), status


@bp.get("/resellers/<id:reseller_id>")
@partner_page("resellers.view")
def reseller(reseller_id: int) -> ResponseReturnValue:
    return _reseller_page(reseller_id)


@bp.post("/resellers/<id:reseller_id>/funds")
@partner_page("resellers.funds")
def reseller_funds(reseller_id: int) -> ResponseReturnValue:
    form = forms.FundsForm()
    if not form.validate():
        return _reseller_page(reseller_id, form, 422)
    kind = AllocationKind.RECLAIM if form.kind.data == "reclaim" else AllocationKind.ALLOCATE
    try:
        result = move_funds(
            staff_member(),
            reseller_id,
            kind=kind,
            amount=form.amount.data,
            reason=form.reason.data or "",
            idempotency_key=form.idempotency_key.data or None,
        )
        _flash_move(result)
    except PartnersError as exc:
        if field_error(form, exc):
            return _reseller_page(reseller_id, form, 422)
        flash_refusal(exc)
    except (IdempotencyConflict, IdempotencyInProgress):
        flash(_("This form was already submitted with other values. Reload the page."), "error")
    return back("partners.reseller", reseller_id=reseller_id)


def move_funds(
    staff: Staff,
    reseller_id: int,
    *,
    kind: AllocationKind,
    amount: Any,
    reason: str,
    idempotency_key: str | None,
) -> services.MoveResult:
    """Allocate to (or reclaim from) a reseller's provider account, once per idempotency key.

    The edge of the three steps in :mod:`storefront.partners.allocations`: the pending request
    is committed before the provider is called, and its outcome after; a refusal rolls back.
    """
    try:
        opened = services.open_move(
            staff,
            reseller_id,
            kind=kind,
            amount=amount,
            reason=reason,
            idempotency_key=idempotency_key,
        )
    except Exception:
        db.session.rollback()
        raise
    if isinstance(opened, services.MoveResult):
        return opened
    db.session.commit()
    answer = services.ask_provider(opened)
    result = services.settle_move(opened, answer, staff)
    db.session.commit()
    return result


def _flash_move(result: services.MoveResult) -> None:
    if result.state == AllocationState.CONFIRMED:
        flash(
            _(
                "Done: %(amount)s (provider transfer %(transfer)s).",
                amount=f"{result.amount:.2f}",
                transfer=result.transfer_id,
            )
        )
    elif result.state == AllocationState.FAILED:
        flash(str(result.error), "error")
    else:
        flash(
            _(
                "The provider did not answer in time. The request is pending: it is checked "
                "with the provider automatically and never applied twice."
            ),
            "warning",
        )


@bp.post("/resellers/<id:reseller_id>/link")
@partner_page("resellers.invite")
def reseller_link(reseller_id: int) -> ResponseReturnValue:
    if not button_ok():
        return back("partners.reseller", reseller_id=reseller_id)
    try:
        found = services.relink(staff_member(), reseller_id)
        db.session.commit()
        flash(_("Linked.") if found else _("No matching reseller at the provider yet."))
    except PartnersError as exc:
        flash_refusal(exc)
    return back("partners.reseller", reseller_id=reseller_id)


@bp.post("/resellers/<id:reseller_id>/freeze")
@partner_page(reseller_freeze.PERMISSION)
def reseller_freeze_store(reseller_id: int) -> ResponseReturnValue:
    """Freeze (reason mandatory) or unfreeze the reseller's store, after a confirm dialog."""
    form = StoreFreezeForm()
    if not form.validate_on_submit():
        flash(_("Choose freeze or unfreeze and give a reason (at most 500 characters)."), "error")
        return back("partners.reseller", reseller_id=reseller_id)
    frozen = form.action.data == "freeze"
    try:
        reseller_freeze.set_reseller_store_frozen(
            staff_member(),
            reseller_id,
            frozen=frozen,
            reason=form.reason.data,
            ip=request.remote_addr,
        )
    except StoreFreezeError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    except PartnersError:
        abort(404)
    else:
        db.session.commit()
        if frozen:
            flash(_("The reseller's store is frozen."))
        else:
            flash(_("The reseller's store is open."))
    return back("partners.reseller", reseller_id=reseller_id)
