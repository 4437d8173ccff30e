"""The account page and what it changes: email, password, API tokens, sessions, 2FA."""

from __future__ import annotations

import base64

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user

from storefront import qr
from storefront.accounts import forms, services
from storefront.accounts.errors import AccountError
from storefront.accounts.limits import ip_only, limit
from storefront.accounts.principals import current_principal, start_session
from storefront.accounts.view_helpers import bp, flash_invalid, signed_in_customer
from storefront.extensions import db
from storefront.ratelimit import rate_limited


@bp.get("/account")
@login_required
def account() -> ResponseReturnValue:
    customer = signed_in_customer()
    if customer is not None:
        services.refresh_realname(customer)
        db.session.commit()
    return render_template(
        "accounts/account.html",
        customer=customer,
        principal=current_user,
        tokens=services.list_tokens(current_user),
        recovery_left=services.remaining_recovery_codes(current_user),
        email_form=forms.ChangeEmailForm(prefix="email"),
        password_form=forms.ChangePasswordForm(prefix="pw"),
        token_form=forms.TokenForm(prefix="tok"),
        disable_form=forms.PasswordConfirmForm(prefix="off"),
        empty=forms.EmptyForm(),
        new_token=session.pop("accounts_new_token", None),
        can_buy=services.can_buy(customer) if customer else False,
    )


@bp.post("/account/email")
@login_required
def change_email() -> ResponseReturnValue:
    form = forms.ChangeEmailForm(prefix="email")
    customer = signed_in_customer()
    if customer and form.validate_on_submit():
        try:
            services.change_email(customer, form.email.data or "", form.password.data or "")
            db.session.commit()
            flash(_l("Email changed. Please confirm the new address from the link we sent."))
        except AccountError as exc:
            flash(str(exc.message), "error")
    elif customer:
        flash_invalid(form)
    return redirect(url_for("accounts.account"))


@bp.post("/account/password")
@login_required
def change_password() -> ResponseReturnValue:
    form = forms.ChangePasswordForm(prefix="pw")
    # the object itself: login_user() must not store the current_user proxy (it would load itself)
    principal = current_principal()
    assert principal is not None  # login_required
    if form.validate_on_submit():
        try:
            services.change_password(
                principal, form.current_password.data or "", form.password.data or ""
            )
        except AccountError as exc:
            flash(str(exc.message), "error")
        else:
            db.session.commit()
            start_session(principal)
            flash(_l("Password changed. Other sessions and API tokens were ended."))
    else:
        flash_invalid(form)
    return redirect(url_for("accounts.account"))


@bp.post("/account/tokens")
@login_required
def create_token() -> ResponseReturnValue:
    form = forms.TokenForm(prefix="tok")
    if form.validate_on_submit():
        raw, _token = services.issue_token(current_user, name=form.name.data or "API")
        db.session.commit()
        session["accounts_new_token"] = raw
    else:
        flash_invalid(form)
    return redirect(url_for("accounts.account") + "#tokens")


@bp.post("/account/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> ResponseReturnValue:
    if forms.EmptyForm().validate_on_submit() and services.revoke_token(current_user, token_id):
        db.session.commit()
        flash(_l("Token revoked."))
    return redirect(url_for("accounts.account") + "#tokens")


@bp.post("/account/sessions/logout-all")
@login_required
def logout_everywhere() -> ResponseReturnValue:
    if forms.EmptyForm().validate_on_submit():
        services.log_out_everywhere(current_user)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_l("You are logged out on every device."))
        return redirect(url_for("accounts.login"))
    return redirect(url_for("accounts.account"))


def _qr_data_uri(uri: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr.svg(uri)).decode()


@bp.route("/account/2fa", methods=["GET", "POST"])
@login_required
@rate_limited(limit("ACCOUNTS_LIMIT_OTP"), key_func=ip_only, methods=["POST"])
def totp_enrol() -> ResponseReturnValue:
    if current_user.totp_enabled:
        return redirect(url_for("accounts.account") + "#security")
    form = forms.OtpForm()
    if form.validate_on_submit():
        try:
            codes = services.confirm_totp(current_user, form.code.data or "")
        except AccountError as exc:
            form.code.errors = [str(exc.message)]
        else:
            db.session.commit()
            return render_template("accounts/recovery_codes.html", codes=codes)
    if request.method == "GET" or not current_user.totp_secret_enc:
        uri = services.begin_totp(current_user)
        db.session.commit()
    else:
        uri = services.totp_uri(current_user)
    secret = uri.split("secret=")[1].split("&")[0]
    return render_template("accounts/totp.html", form=form, qr=_qr_data_uri(uri), secret=secret)


@bp.post("/account/2fa/disable")
@login_required
def totp_disable() -> ResponseReturnValue:
    form = forms.PasswordConfirmForm(prefix="off")
    if form.validate_on_submit():
        try:
            services.disable_totp(current_user, form.password.data or "")
            db.session.commit()
            flash(_l("Two-factor authentication is off."))
        except AccountError as exc:
            flash(str(exc.message), "error")
    else:
        flash_invalid(form)
    return redirect(url_for("accounts.account") + "#security")
