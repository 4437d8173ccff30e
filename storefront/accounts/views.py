"""Account pages: register, verify email, login (+2FA), password reset, account, real-name."""

from __future__ import annotations

import base64
import io
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user
from flask_wtf import FlaskForm

from storefront.accounts import forms, realname_routes, registration, services
from storefront.accounts.errors import AccountError, TooManyAttempts
from storefront.accounts.limits import ip_and_email, ip_and_phone, ip_only, limit
from storefront.accounts.models import Customer, Staff
from storefront.accounts.permissions import has_permission
from storefront.accounts.principals import current_principal, start_session
from storefront.accounts.realname_routes import ip_and_mobile
from storefront.accounts.terms import LABELS, current_terms
from storefront.extensions import db, limiter
from storefront.navigation import NavItem, add_nav
from storefront.security import safe_next
from storefront.stores.tenancy import current_store

bp = Blueprint("accounts", __name__)
PENDING_2FA = "accounts_pending_2fa"


def _apply_errors(form: FlaskForm, exc: AccountError) -> None:
    for name, message in exc.fields.items():
        target = getattr(form, name, None)
        if target is not None:
            target.errors = [*list(target.errors or []), str(message)]
    if not exc.fields or not any(hasattr(form, n) for n in exc.fields):
        flash(str(exc.message), "error")


def _flash_invalid(form: FlaskForm) -> None:
    """The account page's small forms redirect back: say what was wrong instead of nothing."""
    for f in form:
        for message in f.errors if isinstance(f.errors, list) else []:
            flash(f"{f.label.text}: {message}", "error")


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
                return _too_many(exc, "accounts/register.html", form=form, **labels)
            else:
                _apply_errors(form, exc)
        else:
            start_session(customer)
            flash(_l("Welcome! We sent a link to %(email)s to confirm it.", email=customer.email))
            return redirect(url_for("accounts.account"))
    return _register_page(form, consent_error)


@bp.post("/register/send-code")
@limiter.limit(
    limit("ACCOUNTS_LIMIT_SMS"), key_func=ip_and_phone, deduct_when=lambda r: r.status_code == 200
)  # per number: codes sent
@limiter.limit(limit("ACCOUNTS_LIMIT_SMS_IP"), key_func=ip_only)
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
        _apply_errors(form, exc)
        return _register_page(form), 422 if exc.code != "upstream_unavailable" else 503
    flash(_l("We sent a verification code to %(phone)s.", phone=phone))
    return _register_page(form)


@bp.get("/verify-email/<token>")
@limiter.limit(limit("ACCOUNTS_LIMIT_VERIFY"), key_func=ip_only)
def verify_email(token: str) -> ResponseReturnValue:
    try:
        customer = services.verify_email(token)
    except AccountError:
        return render_template("accounts/verify_email.html", ok=False), 400
    return render_template("accounts/verify_email.html", ok=True, customer=customer)


@bp.post("/account/verify/resend")
@login_required
@limiter.limit(limit("ACCOUNTS_LIMIT_RESET"), key_func=ip_only)
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
            return _too_many(exc, template, form=form, next=next_url)
        except AccountError as exc:
            flash(str(exc.message), "error")
        else:
            db.session.commit()  # a password hash upgraded to the current argon2 parameters
            if principal.totp_enabled:
                session[PENDING_2FA] = {"p": principal.get_id(), "next": next_url}
                return redirect(url_for("accounts.login_otp"))
            return _finish_login(principal, next_url)
    return render_template(template, form=form, next=next_url)


def _too_many(exc: TooManyAttempts, template: str, **context: Any) -> ResponseReturnValue:
    """The generic answer of a throttled page: the form again, a 429 and ``Retry-After``."""
    flash(str(exc.message), "error")
    return render_template(template, **context), 429, {"Retry-After": str(exc.retry_after)}


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
@limiter.limit(limit("ACCOUNTS_LIMIT_LOGIN"), key_func=ip_and_email, methods=["POST"])
def login() -> ResponseReturnValue:
    return _login(Customer, "accounts/login.html")


@bp.route("/admin/login", methods=["GET", "POST"])
@limiter.limit(limit("ACCOUNTS_LIMIT_LOGIN"), key_func=ip_and_email, methods=["POST"])
def admin_login() -> ResponseReturnValue:
    return _login(Staff, "accounts/admin_login.html")


@bp.route("/login/2fa", methods=["GET", "POST"])
@limiter.limit(limit("ACCOUNTS_LIMIT_OTP"), key_func=ip_only, methods=["POST"])
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
            return _too_many(exc, "accounts/login_otp.html", form=form)
        if passed:
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
@limiter.limit(limit("ACCOUNTS_LIMIT_RESET"), key_func=ip_only, methods=["POST"])
def forgot_password() -> ResponseReturnValue:
    form = forms.EmailForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data or "")
        db.session.commit()  # the queued mail (sent by the worker)
        flash(_l("If an account exists for that address, we sent it a link to reset the password."))
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(limit("ACCOUNTS_LIMIT_RESET"), key_func=ip_only, methods=["POST"])
def reset_password(token: str) -> ResponseReturnValue:
    form = forms.ResetForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data or "")
        except AccountError as exc:
            if exc.code == "invalid_token":
                flash(str(exc.message), "error")
                return redirect(url_for("accounts.forgot_password"))
            _apply_errors(form, exc)
        else:
            flash(_l("Your password is changed. Please log in."))
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


# --------------------------------------------------------------------------- account


def _customer() -> Customer | None:
    return current_user if isinstance(current_user, Customer) else None


@bp.get("/account")
@login_required
def account() -> ResponseReturnValue:
    customer = _customer()
    if customer is not None:
        services.refresh_realname(customer)
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
    customer = _customer()
    if customer and form.validate_on_submit():
        try:
            services.change_email(customer, form.email.data or "", form.password.data or "")
            flash(_l("Email changed. Please confirm the new address from the link we sent."))
        except AccountError as exc:
            flash(str(exc.message), "error")
    elif customer:
        _flash_invalid(form)
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
            start_session(principal)
            flash(_l("Password changed. Other sessions and API tokens were ended."))
    else:
        _flash_invalid(form)
    return redirect(url_for("accounts.account"))


@bp.post("/account/tokens")
@login_required
def create_token() -> ResponseReturnValue:
    form = forms.TokenForm(prefix="tok")
    if form.validate_on_submit():
        raw, _token = services.issue_token(current_user, name=form.name.data or "API")
        session["accounts_new_token"] = raw
    else:
        _flash_invalid(form)
    return redirect(url_for("accounts.account") + "#tokens")


@bp.post("/account/tokens/<id:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> ResponseReturnValue:
    if forms.EmptyForm().validate_on_submit() and services.revoke_token(current_user, token_id):
        flash(_l("Token revoked."))
    return redirect(url_for("accounts.account") + "#tokens")


@bp.post("/account/sessions/logout-all")
@login_required
def logout_everywhere() -> ResponseReturnValue:
    if forms.EmptyForm().validate_on_submit():
        services.log_out_everywhere(current_user)
        logout_user()
        session.clear()
        flash(_l("You are logged out on every device."))
        return redirect(url_for("accounts.login"))
    return redirect(url_for("accounts.account"))


def _qr_data_uri(uri: str) -> str:
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@bp.route("/account/2fa", methods=["GET", "POST"])
@login_required
@limiter.limit(limit("ACCOUNTS_LIMIT_OTP"), key_func=ip_only, methods=["POST"])
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
            return render_template("accounts/recovery_codes.html", codes=codes)
    if request.method == "GET" or not current_user.totp_secret_enc:
        uri = services.begin_totp(current_user)
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
            flash(_l("Two-factor authentication is off."))
        except AccountError as exc:
            flash(str(exc.message), "error")
    else:
        _flash_invalid(form)
    return redirect(url_for("accounts.account") + "#security")


# --------------------------------------------------------------------------- real-name


@bp.route("/account/realname", methods=["GET", "POST"])
@login_required
def realname() -> ResponseReturnValue:
    customer = _customer()
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
            _apply_errors(form, exc)
        else:
            services.refresh_realname(customer, max_age_s=0)
            flash(_l("Your details were submitted for review."))
            return redirect(url_for("accounts.realname"))
    else:
        services.refresh_realname(customer)
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
@limiter.limit(
    limit("ACCOUNTS_LIMIT_SMS"), key_func=ip_and_mobile, deduct_when=lambda r: r.status_code == 200
)  # per number: codes sent
@limiter.limit(limit("ACCOUNTS_LIMIT_SMS_IP"), key_func=ip_only)
def realname_send_code() -> ResponseReturnValue:
    """The real-name form's "Send code" button: SMS the bank-card code, show the form again."""
    customer = _customer()
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
        _apply_errors(form, exc)
        return _realname_page(customer, form), 422 if exc.code != "upstream_unavailable" else 503
    flash(_l("We sent a verification code to %(phone)s.", phone=mobile))
    return _realname_page(customer, form)


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
