"""The real-name pages: the submission form, its "Send code" button, the review status."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from storefront.accounts import forms, realname_routes, services
from storefront.accounts.errors import AccountError
from storefront.accounts.limits import ip_only, limit
from storefront.accounts.models import Customer
from storefront.accounts.realname_routes import ip_and_mobile
from storefront.accounts.view_helpers import apply_errors, bp, signed_in_customer
from storefront.extensions import db
from storefront.ratelimit import rate_limited


@bp.route("/account/realname", methods=["GET", "POST"])
@login_required
def realname() -> ResponseReturnValue:
    customer = signed_in_customer()
    if customer is None:
        return redirect(url_for("accounts.account"))
    form = forms.RealnameForm()
    if form.validate_on_submit():
        files = request.files.getlist(form.documents.name)
        payload = services.RealnameInput(
            kind=form.type.data or "",
            name=form.name.data or "",
            id_number=form.id_number.data or "",
            company_name=form.company_name.data or "",
            credit_code=form.credit_code.data or "",
            legal_person=form.legal_person.data or "",
            documents=[f.read() for f in files if f and f.filename],
            document_type=form.document_type.data or "",
            bank_account=form.bank_account.data or "",
            mobile=form.mobile.data or "",
            verification_code=form.verification_code.data or "",
        )
        try:
            services.submit_realname(customer, payload)
        except AccountError as exc:
            apply_errors(form, exc)
        else:
            db.session.commit()  # the provider has it: kept whatever the review poll does
            services.refresh_realname(customer, max_age_s=0)
            db.session.commit()
            flash(_l("Your details were submitted for review."))
            return redirect(url_for("accounts.realname"))
    else:
        services.refresh_realname(customer)
        db.session.commit()
    return _realname_page(customer, form)


def _realname_page(customer: Customer, form: forms.RealnameForm) -> str:
    return render_template(
        "accounts/realname.html",
        form=form,
        customer=customer,
        can_switch=services.can_switch_to_enterprise(customer),
        switching=services.pending_change(customer) is not None,
        history=services.realname_history(customer),
    )


@bp.post("/account/realname/send-code")
@login_required
@rate_limited(
    limit("ACCOUNTS_LIMIT_SMS"), key_func=ip_and_mobile, deduct_when=lambda r: r.status_code == 200
)  # per number: codes sent
@rate_limited(limit("ACCOUNTS_LIMIT_SMS_IP"), key_func=ip_only)
def realname_send_code() -> ResponseReturnValue:
    """The real-name form's "Send code" button: SMS the bank-card code, show the form again."""
    customer = signed_in_customer()
    if customer is None:
        return redirect(url_for("accounts.account"))
    form = forms.RealnameForm()
    if not forms.EmptyForm().validate_on_submit():
        flash(_l("The form expired. Please try again."), "error")
        return _realname_page(customer, form), 400
    try:
        mobile = realname_routes.send_realname_code(
            customer, form.mobile.data, locale=str(get_locale())
        )
    except AccountError as exc:
        apply_errors(form, exc)
        return _realname_page(customer, form), 422 if exc.code != "upstream_unavailable" else 503
    flash(_l("We sent a verification code to %(phone)s.", phone=mobile))
    return _realname_page(customer, form)
