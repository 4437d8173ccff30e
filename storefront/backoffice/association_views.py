"""Back-office pages for the association switch (a customer leaves the partner) and the
settlements it records, on the back-office blueprint."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from storefront.accounts.guards import staff_page
from storefront.accounts.models import Customer, Staff
from storefront.accounts.permissions import has_permission
from storefront.backoffice import association
from storefront.backoffice.blueprint import (
    acting_staff,
    bp,
    client_ip,
    customer_or_404,
    flash_error,
)
from storefront.backoffice.errors import BackofficeError, NotFound
from storefront.clock import utcnow
from storefront.extensions import db


class AssociationForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(min=3, max=500)])
    confirm = BooleanField(
        _l("I understand: the account is closed and cannot log in to this store any more."),
        validators=[DataRequired()],
    )


class SettleForm(FlaskForm):
    settlement_id = IntegerField(validators=[DataRequired()], widget=HiddenInput())
    note = TextAreaField(
        _l("How it was settled"), validators=[DataRequired(), Length(min=3, max=500)]
    )


class ProviderUnboundForm(FlaskForm):
    settlement_id = IntegerField(validators=[DataRequired()], widget=HiddenInput())
    done_on = DateField(_l("Done in Partner Center on"), validators=[DataRequired()])
    done_by = StringField(_l("By (who did it)"), validators=[DataRequired(), Length(max=255)])
    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])


@bp.context_processor
def _association_helpers() -> dict[str, Any]:
    def settlements_of(customer: Customer) -> list[Any]:
        user = current_user
        if not isinstance(user, Staff) or not has_permission(user, "customers.view"):
            return []
        return list(association.settlements_for(user, customer))

    return {"association_settlements": settlements_of}


def _confirm_page(c: Customer, form: AssociationForm) -> str:
    return render_template(
        "backoffice/association_confirm.html",
        c=c,
        form=form,
        preview=association.preview(acting_staff(), c),
    )


@bp.get("/customers/<id:customer_id>/association")
@staff_page("customers.association")
def association_confirm(customer_id: int) -> ResponseReturnValue:
    c = customer_or_404(customer_id)
    return _confirm_page(c, AssociationForm(prefix="assoc"))


@bp.post("/customers/<id:customer_id>/association")
@staff_page("customers.association")
def association_switch(customer_id: int) -> ResponseReturnValue:
    c = customer_or_404(customer_id)
    form = AssociationForm(prefix="assoc")
    if form.validate_on_submit():
        try:
            settlement = association.switch_association(
                acting_staff(), c, form.reason.data, client_ip()
            )
        except BackofficeError as exc:
            flash_error(exc, form)
            return _confirm_page(c, form), exc.status
        db.session.commit()
        association.mail_settlement(c, settlement)
        flash(
            _l(
                "The customer has left the store. Settlement #%(id)s records %(total)s %(cur)s "
                "to settle offline. Disassociate the customer in Partner Center too, then record "
                "it on the settlement.",
                id=settlement.id,
                total=settlement.total,
                cur=settlement.currency,
            )
        )
        return redirect(url_for("backoffice.settlements"))
    return _confirm_page(c, form), 422


@bp.get("/settlements")
@staff_page("money.view")
def settlements() -> ResponseReturnValue:
    status = request.args.get("status") or None
    return render_template(
        "backoffice/settlements.html",
        rows=association.list_settlements(acting_staff(), status),
        status=status,
        settle_form=SettleForm(prefix="settle"),
        can_settle=has_permission(acting_staff(), "funds.manage"),
        unbound_form=_unbound_form(),
        can_record_unbound=has_permission(acting_staff(), "customers.association"),
    )


def _unbound_form() -> ProviderUnboundForm:
    form = ProviderUnboundForm(prefix="pc", formdata=None)
    form.done_on.data = utcnow().date()
    form.done_by.data = acting_staff().name
    return form


@bp.post("/settlements/partner-center")
@staff_page("customers.association")
def settlement_provider_unbound() -> ResponseReturnValue:
    form = ProviderUnboundForm(prefix="pc")
    settlement_id = form.settlement_id.data
    if not form.validate_on_submit() or settlement_id is None:
        problems = [str(e) for errors in form.errors.values() for e in errors]
        flash(
            " ".join([str(_l("Give the day and who did it in Partner Center.")), *problems]),
            "error",
        )
        return redirect(url_for("backoffice.settlements", status="partner_center"))
    try:
        association.record_provider_unbound(
            acting_staff(),
            settlement_id,
            form.done_on.data,
            form.done_by.data,
            form.note.data,
            client_ip(),
        )
    except NotFound:
        abort(404)
    except BackofficeError as exc:
        flash(" ".join([str(exc.message), *(str(m) for m in exc.fields.values())]), "error")
        return redirect(url_for("backoffice.settlements", status="partner_center"))
    db.session.commit()
    flash(_l("Recorded: the customer was disassociated in Partner Center."))
    return redirect(url_for("backoffice.settlements"))


@bp.post("/settlements/settle")
@staff_page("funds.manage")
def settlement_settle() -> ResponseReturnValue:
    form = SettleForm(prefix="settle")
    settlement_id = form.settlement_id.data
    if not form.validate_on_submit() or settlement_id is None:
        flash(_l("Say how it was settled."), "error")
        return redirect(url_for("backoffice.settlements"))
    try:
        association.mark_settled(acting_staff(), settlement_id, form.note.data, client_ip())
    except NotFound:
        abort(404)
    except BackofficeError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("backoffice.settlements"))
    db.session.commit()
    flash(_l("Settlement marked as settled."))
    return redirect(url_for("backoffice.settlements"))
