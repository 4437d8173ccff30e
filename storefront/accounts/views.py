"""Account pages: register, verify email, login (+2FA), logout, password reset; and the
blueprint's wiring. The account page (:mod:`~storefront.accounts.account_views`) and the
real-name pages (:mod:`~storefront.accounts.realname_views`) add their routes to the same
blueprint (:mod:`~storefront.accounts.view_helpers`)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user

from storefront.accounts import (
    account_views,
    forms,
    realname_views,
    registration,
    services,
)
from storefront.accounts.errors import AccountError, TooManyAttempts
from storefront.accounts.limits import ip_and_email, ip_and_phone, ip_only, limit
from storefront.accounts.models import Customer, Staff
from storefront.accounts.permissions import has_permission
from storefront.accounts.principals import start_session
from storefront.accounts.terms import LABELS, current_terms
from storefront.accounts.view_helpers import PENDING_2FA, apply_errors, bp, too_many
from storefront.extensions import db
from storefront.navigation import NavItem, add_nav
from storefront.ratelimit import rate_limited
from storefront.security import safe_next
from storefront.stores.tenancy import current_store

ROUTE_MODULES = (account_views, realname_views)  # imported for the routes they add to ``bp``


# --------------------------------------------------------------------------- registration


def _form_phone(form: forms.RegisterForm) -> str | None:
    number = "".join(ch for ch in (form.phone.data or "") if ch.isdigit())
    return f"{form.phone_code.data}{number.lstrip('0')}" if number else None


def _register_page(form: forms.RegisterForm, consent_error: str | None = None) -> str:
    return render_template(
        "accounts/register.html",
        form=form,
        terms=current_terms(),
        labels=LABELS,
        consent_error=consent_error,
    )


@bp.route("/register", methods=["GET", "POST"], endpoint="register")
def register_page() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    form = forms.RegisterForm()
    consent_error = None
    if form.validate_on_submit():
        reg = registration.Registration(
            email=form.email.data or "",
            password=form.password.data or "",
            name=form.name.data or "",
            account_name=form.account_name.data or None,
            phone=_form_phone(form),
            verification_code=form.verification_code.data or None,
            country=form.country.data or "",
            accept_terms=bool(form.accept_terms.data),
            consent_personal_info=bool(form.consent_personal_info.data),
            ip=request.remote_addr,
            user_agent=request.user_agent.string,
            locale=str(get_locale()),
        )
        try:
            customer = registration.register_customer(reg)
        except AccountError as exc:
            if exc.code == "consent_required":
                consent_error = str(exc.message)
            elif exc.code == "email_taken":
                form.email.errors = [str(exc.message)]
            elif isinstance(exc, TooManyAttempts):
                labels = {"terms": current_terms(), "labels": LABELS, "consent_error": None}
                return too_many(exc, "accounts/register.html", form=form, **labels)
            else:
                apply_errors(form, exc)
        else:
            db.session.commit()
            start_session(customer)
            flash(_l("Welcome! We sent a link to %(email)s to confirm it.", email=customer.email))
            return redirect(url_for("accounts.account"))
    return _register_page(form, consent_error)


@bp.post("/register/send-code")
@rate_limited(
    limit("ACCOUNTS_LIMIT_SMS"), key_func=ip_and_phone, deduct_when=lambda r: r.status_code == 200
)  # per number: codes sent
@rate_limited(limit("ACCOUNTS_LIMIT_SMS_IP"), key_func=ip_only)
def register_send_code() -> ResponseReturnValue:
    """The register form's "Send code" button: SMS the provider's code, show the form again."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    form = forms.RegisterForm()
    if not forms.EmptyForm().validate_on_submit():
        flash(_l("The form expired. Please try again."), "error")
        return _register_page(form), 400
    phone = _form_phone(form)
    try:
        registration.send_registration_code(phone, locale=str(get_locale()))
    except AccountError as exc:
        apply_errors(form, exc)
        return _register_page(form), 422 if exc.code != "upstream_unavailable" else 503
    flash(_l("We sent a verification code to %(phone)s.", phone=phone))
    return _register_page(form)


@bp.get("/verify-email/<token>")
@rate_limited(limit("ACCOUNTS_LIMIT_VERIFY"), key_func=ip_only)
def verify_email(token: str) -> ResponseReturnValue:
    try:
        customer = services.verify_email(token)
    except AccountError:
        return render_template("accounts/verify_email.html", ok=False), 400
    db.session.commit()
    return render_template("accounts/verify_email.html", ok=True, customer=customer)


@bp.post("/account/verify/resend")
@login_required
@rate_limited(limit("ACCOUNTS_LIMIT_RESET"), key_func=ip_only)
def resend_verification() -> ResponseReturnValue:
    if (
        isinstance(current_user, Customer)
        and current_user.email_verified_at is None
        and forms.EmptyForm().validate_on_submit()
    ):
        services.send_verification(current_user)
        db.session.commit()
        flash(_l("We sent a new confirmation link."))
    return redirect(url_for("accounts.account"))


# --------------------------------------------------------------------------- login


def _login(kind: type[Customer] | type[Staff], template: str) -> ResponseReturnValue:
    form = forms.LoginForm()
    next_url = safe_next(request.args.get("next"), default="")
    if form.validate_on_submit():
        try:
            principal = services.check_password(
                kind, form.email.data or "", form.password.data or "", request.remote_addr
            )
        except TooManyAttempts as exc:
            return too_many(exc, template, form=form, next=next_url)
        except AccountError as exc:
            flash(str(exc.message), "error")
        else:
            db.session.commit()  # a password hash upgraded to the current argon2 parameters
            if principal.totp_enabled:
                session[PENDING_2FA] = {"p": principal.get_id(), "next": next_url}
                return redirect(url_for("accounts.login_otp"))
            return _finish_login(principal, next_url)
    return render_template(template, form=form, next=next_url)


def _finish_login(principal: Customer | Staff, next_url: str) -> ResponseReturnValue:
    start_session(principal)
    if (
        isinstance(principal, Staff)
        and not principal.totp_enabled
        and services.staff_2fa_required(principal.store_id)
    ):
        flash(_l("This store requires two-factor authentication. Please set it up now."))
        return redirect(url_for("accounts.totp_enrol"))
    return redirect(next_url or _landing(principal))


def _landing(principal: Customer | Staff) -> str:
    """Where a login without ``next`` lands: staff on the back-office dashboard (when they may
    open it), customers on their dashboard (the account page)."""
    if (
        isinstance(principal, Staff)
        and has_permission(principal, "dashboard.view")
        and "backoffice.dashboard" in current_app.view_functions
    ):
        return url_for("backoffice.dashboard")
    return url_for("accounts.account")


@bp.route("/login", methods=["GET", "POST"])
@rate_limited(limit("ACCOUNTS_LIMIT_LOGIN"), key_func=ip_and_email, methods=["POST"])
def login() -> ResponseReturnValue:
    return _login(Customer, "accounts/login.html")


@bp.route("/admin/login", methods=["GET", "POST"])
@rate_limited(limit("ACCOUNTS_LIMIT_LOGIN"), key_func=ip_and_email, methods=["POST"])
def admin_login() -> ResponseReturnValue:
    return _login(Staff, "accounts/admin_login.html")


@bp.route("/login/2fa", methods=["GET", "POST"])
@rate_limited(limit("ACCOUNTS_LIMIT_OTP"), key_func=ip_only, methods=["POST"])
def login_otp() -> ResponseReturnValue:
    pending = session.get(PENDING_2FA)
    if not isinstance(pending, dict):
        return redirect(url_for("accounts.login"))
    kind, _, raw = str(pending.get("p")).partition(":")
    principal: Customer | Staff | None = (
        db.session.get(Customer, int(raw)) if kind == "c" else db.session.get(Staff, int(raw))
    )
    if principal is None or principal.store_id != current_store().id:
        session.pop(PENDING_2FA, None)
        return redirect(url_for("accounts.login"))
    form = forms.OtpForm()
    if form.validate_on_submit():
        try:
            passed = services.second_factor(principal, form.code.data or "", request.remote_addr)
        except TooManyAttempts as exc:
            return too_many(exc, "accounts/login_otp.html", form=form)
        if passed:
            db.session.commit()  # the code is spent (a TOTP step or a recovery code)
            return _finish_login(principal, str(pending.get("next") or ""))
        form.code.errors = [str(_l("The code is wrong or was already used."))]
    return render_template("accounts/login_otp.html", form=form)


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> ResponseReturnValue:
    form = forms.EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        logout_user()
        session.clear()
        flash(_l("You are logged out."))
        return redirect(url_for("stores.home"))
    if not current_user.is_authenticated:
        return redirect(url_for("stores.home"))
    return render_template("accounts/logout.html", form=form)


@bp.route("/forgot-password", methods=["GET", "POST"])
@rate_limited(limit("ACCOUNTS_LIMIT_RESET"), key_func=ip_only, methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    form = forms.EmailForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data or "")
        db.session.commit()  # the queued mail (sent by the worker)
        flash(_l("If an account exists for that address, we sent it a link to reset the password."))
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@rate_limited(limit("ACCOUNTS_LIMIT_RESET"), key_func=ip_only, methods=["POST"])
def reset_password(token: str) -> ResponseReturnValue:
    form = forms.ResetForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data or "")
        except AccountError as exc:
            if exc.code == "invalid_token":
                flash(str(exc.message), "error")
                return redirect(url_for("accounts.forgot_password"))
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(_l("Your password is changed. Please log in."))
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


# --------------------------------------------------------------------------- wiring


def _anonymous(user: Any) -> bool:
    return not user.is_authenticated


def _signed_in(user: Any) -> bool:
    return bool(user.is_authenticated)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    add_nav(app, NavItem("accounts.login", _l("Log in"), "account", 10, _anonymous))
    add_nav(app, NavItem("accounts.register", _l("Register"), "account", 20, _anonymous))
    add_nav(app, NavItem("accounts.account", _l("Account"), "account", 10, _signed_in))
