"""Wallet pages (customers) and money pages (staff), on the shared ``billing`` blueprint.

Customers: ``/wallet`` (balance, statement, top-ups, claims), online top-up, remittance claims,
vouchers. Staff: funding a customer, the remittance claim queue, vouchers, payment settings.
The gateway's notification endpoint ``/payments/notify/<gateway>`` is CSRF-exempt and
signature-verified. Role checks live in the services (``accounts.permissions``); staff pages
mirror them with ``accounts.guards.staff_page``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar, cast

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from storefront.accounts.guards import staff_page
from storefront.accounts.models import Customer, Staff
from storefront.accounts.permissions import PermissionDenied, has_permission, require_permission
from storefront.accounts.principals import current_principal
from storefront.billing import funding, funding_views, remittance, services, topup, vouchers
from storefront.billing.blueprint import bp, register_once
from storefront.billing.errors import (
    BillingError,
    ClaimAlreadyDecided,
    IdempotencyConflict,
    InsufficientBalance,
    InvalidAmount,
    InvalidProof,
    OfflineTopupDisabled,
    RemittanceError,
    SameApprover,
    SerialNumberTaken,
    WrongStore,
)
from storefront.billing.models import ClaimStatus, RemittanceClaim, Voucher
from storefront.extensions import csrf, db
from storefront.navigation import NavItem, add_nav
from storefront.routing import parse_id
from storefront.stores.tenancy import current_store_id

F = TypeVar("F", bound=Callable[..., Any])
MAX_PROOF_UPLOAD = remittance.MAX_PROOF_BYTES + 64 * 1024  # the file plus the form fields


def _messages() -> dict[str, str]:
    """Translated messages for the services' error codes."""
    return {
        "invalid_amount": _('Enter an amount such as "100.00".'),
        "insufficient_balance": _("The balance cannot go below zero."),
        "idempotency_conflict": _("This form was already used for something else: reload it."),
        "online_topup_disabled": _("This store does not take online payments."),
        "offline_topup_disabled": _("This store does not take bank transfers."),
        "invalid_topup": _("This top-up could not be started: reload the page and try again."),
        "serial_number_taken": _("This bank serial number was already claimed."),
        "invalid_proof": _("The proof must be a PNG, JPEG or PDF file of at most 5 MB."),
        "upload_quota_exceeded": _(
            "You have stored too many files: contact the store to make room."
        ),
        "invalid_remittance": _("Check the claim: every field except the proof is required."),
        "claim_already_decided": _("This claim has already been decided."),
        "second_approver_required": _(
            "You already approved this claim: a second, different staff member must approve it."
        ),
        "forbidden": _("Your role does not allow this."),
        "not_found": _("Not found."),
        "voucher_not_found": _("No such voucher."),
        "voucher_not_applicable": _("This voucher cannot be used here."),
        "invalid_voucher": _("Check the voucher's fields."),
    }


def _message(exc: BillingError | PermissionDenied) -> str:
    return _messages().get(exc.code, _("That did not work."))


def customer_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        user = current_user
        if not user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        if not isinstance(user, Customer):
            abort(403)
        return view(*args, **kwargs)

    return cast(F, wrapper)


def _me() -> Customer:
    user = current_principal()
    assert isinstance(user, Customer)
    return user


def _staff() -> Staff:
    user = current_principal()
    assert isinstance(user, Staff)
    return user


def _claims_of(customer: Customer, limit: int = 20) -> list[RemittanceClaim]:
    return list(
        db.session.scalars(
            select(RemittanceClaim)
            .where(RemittanceClaim.customer_id == customer.id)
            .order_by(RemittanceClaim.id.desc())
            .limit(limit)
        )
    )


# --- customer pages ---------------------------------------------------------------------------


@bp.get("/wallet")
@customer_required
def wallet() -> ResponseReturnValue:
    customer = _me()
    cursor = request.args.get("cursor") or None
    try:
        lines, next_cursor = services.ledger_lines(customer, cursor=cursor, limit=20)
    except services.InvalidCursor:
        return redirect(url_for("billing.wallet"))
    info = remittance.remittance_instructions(customer)
    return render_template(
        "billing/wallet.html",
        summary=services.wallet_summary(customer),
        lines=lines,
        next_url=url_for("billing.wallet", cursor=next_cursor) if next_cursor else None,
        online=topup.online_available(customer.store_id),
        offline="offline" in info["methods"],
        form_key=uuid.uuid4().hex,
        prefill=request.args.get("amount", "")[:20],
        topups=topup.recent_topups(customer),
        claims=_claims_of(customer, 5),
    )


@bp.post("/wallet/topup")
@customer_required
def topup_start() -> ResponseReturnValue:
    customer = _me()
    try:
        started = topup.start_topup(
            customer, request.form.get("amount", ""), request.form.get("form_key", "")
        )
    except BillingError as exc:
        flash(_message(exc), "error")
        return redirect(url_for("billing.wallet"))
    gw = topup.gateway()
    assert gw is not None
    if started.status is not topup.TopupStatus.PENDING:
        return redirect(url_for("billing.topup_return", reference=started.reference))
    from storefront.stores.urls import base_url, external_url

    return redirect(
        gw.checkout_url(
            reference=started.reference,
            amount=started.amount,
            currency=started.currency,
            # the store's configured domain, never the request's Host (see stores.urls)
            return_url=external_url("billing.topup_return", reference=started.reference),
            notify_url=external_url("billing.payment_notify", gateway=gw.name),
            base_url=base_url(),
        )
    )


@bp.post("/payments/notify/<gateway>")
def payment_notify(gateway: str) -> ResponseReturnValue:
    """The gateway's signed asynchronous notification. 200 unless we failed to process it
    (then 500, so the gateway retries); ignored notifications move no money."""
    outcome = topup.handle_notification(
        gateway, request.get_data(cache=False), dict(request.headers)
    )
    return {"received": True, "outcome": outcome}


@bp.route("/wallet/remittance", methods=["GET", "POST"])
@customer_required
def remittance_page() -> ResponseReturnValue:
    customer = _me()
    info = remittance.remittance_instructions(customer)
    errors: dict[str, str] = {}
    values = request.form if request.method == "POST" else {}
    if request.method == "POST":
        if (request.content_length or 0) > MAX_PROOF_UPLOAD:
            errors["proof"] = _messages()["invalid_proof"]
        else:
            upload = request.files.get("proof")
            proof = (
                upload.read(remittance.MAX_PROOF_BYTES + 1)
                if upload and upload.filename
                else None
            )
            try:
                paid_on = date.fromisoformat(request.form.get("paid_on", ""))
            except ValueError:
                errors["paid_on"] = _("Give the date of the transfer.")
            if not errors:
                try:
                    remittance.submit_claim(
                        customer,
                        request.form.get("amount", ""),
                        paid_on,
                        request.form.get("payer_name", ""),
                        request.form.get("bank_serial", ""),
                        proof,
                    )
                except InvalidAmount:
                    errors["amount"] = _messages()["invalid_amount"]
                except (SerialNumberTaken, InvalidProof, OfflineTopupDisabled) as exc:
                    errors[getattr(exc, "field", None) or "form"] = _message(exc)
                except RemittanceError as exc:
                    errors[exc.field or "form"] = {
                        "paid_on": _("The payment date cannot be in the future."),
                        "payer_name": _("Give the payer's name (at most 120 characters)."),
                        "bank_serial": _("Give the bank's serial number."),
                    }.get(exc.field or "", _message(exc))
                else:
                    flash(_("Claim submitted: staff will check it against the bank statement."),
                          "success")
                    return redirect(url_for("billing.remittance_page"))
        if errors:
            db.session.rollback()
    return render_template(
        "billing/wallet_remittance.html",
        info=info,
        claims=_claims_of(customer),
        errors=errors,
        values=values,
        today=date.today().isoformat(),
    ), (422 if errors else 200)


@bp.get("/wallet/vouchers")
@customer_required
def vouchers_page() -> ResponseReturnValue:
    customer = _me()
    return render_template(
        "billing/vouchers.html", vouchers=vouchers.customer_vouchers(customer),
        now=datetime.now(UTC),
    )


# --- staff pages --------------------------------------------------------------------------------


def _store_customer(customer_id: int) -> Customer:
    customer = db.session.scalar(
        select(Customer).where(Customer.id == customer_id, Customer.store_id == current_store_id())
    )
    if customer is None:
        abort(404)
    return customer


@bp.route("/staff/customers/<id:customer_id>/funds", methods=["GET", "POST"])
@staff_page("money.view")
def staff_funds(customer_id: int) -> ResponseReturnValue:
    customer = _store_customer(customer_id)
    staff = _staff()
    error: str | None = None
    if request.method == "POST":
        amount = request.form.get("amount", "").strip()
        take_back = amount.startswith("-")
        try:
            require_permission(staff, "funds.manage")
            if take_back and request.form.get("confirm") != "yes":
                error = _("Tick the box to confirm taking funds back.")
            else:
                result = funding.fund_customer(
                    customer, amount, request.form.get("note", "")[:500], staff,
                    request.form.get("form_key") or None,
                )
                flash(funding_views.funded_message(result), "success")
                return redirect(url_for("billing.staff_funds", customer_id=customer.id))
        except funding.FundingLimitError as exc:
            error = funding_views.limit_message(exc)
        except (InvalidAmount, InsufficientBalance, IdempotencyConflict, WrongStore,
                PermissionDenied) as exc:
            error = _message(exc)
        except ValueError:
            error = _messages()["invalid_amount"]
    lines, next_cursor = services.ledger_lines(
        customer, cursor=request.args.get("cursor") or None, limit=20
    )
    pending = funding.pending_fundings(customer)
    return render_template(
        "billing/staff_funds.html",
        customer=customer,
        summary=services.wallet_summary(customer),
        lines=lines,
        next_url=(
            url_for("billing.staff_funds", customer_id=customer.id, cursor=next_cursor)
            if next_cursor else None
        ),
        form_key=uuid.uuid4().hex,
        error=error,
        can_write=has_permission(staff, "funds.manage"),
        values=request.form,
        pending=pending,
        requesters=funding.staff_names(pending),
        limits=remittance.billing_settings(staff.store_id),
    ), (422 if error else 200)


CLAIM_STATES = [s.value for s in ClaimStatus]


@bp.get("/staff/claims")
@staff_page("claims.view")
def staff_claims() -> ResponseReturnValue:
    state = request.args.get("state", "open")
    query = select(RemittanceClaim).order_by(RemittanceClaim.id.desc()).limit(200)
    if state == "open":
        query = query.where(
            RemittanceClaim.status.in_(
                [ClaimStatus.PENDING, ClaimStatus.AWAITING_SECOND_APPROVAL]
            )
        )
    elif state in CLAIM_STATES:
        query = query.where(RemittanceClaim.status == ClaimStatus(state))
    claims = list(db.session.scalars(query))
    customers = {
        c.id: c
        for c in db.session.scalars(
            select(Customer).where(Customer.id.in_({cl.customer_id for cl in claims}))
        )
    }
    staff = _staff()
    return render_template(
        "billing/staff_claims.html",
        claims=claims,
        customers=customers,
        state=state,
        states=["open", *CLAIM_STATES, "all"],
        threshold=remittance.billing_settings(staff.store_id).second_approval_threshold,
        can_write=has_permission(staff, "claims.approve"),
        me=staff.id,
    )


@bp.post("/staff/claims/<id:claim_id>/approve")
@staff_page("claims.approve")
def staff_claim_approve(claim_id: int) -> ResponseReturnValue:
    staff = _staff()
    if request.form.get("confirmed") != "1":  # first a confirmation page (works without JS)
        return _approve_confirmation(claim_id)
    try:
        claim = remittance.approve_claim(claim_id, staff)
    except (SameApprover, ClaimAlreadyDecided, WrongStore, PermissionDenied) as exc:
        flash(_message(exc), "error")
    else:
        if claim.status is ClaimStatus.APPROVED:
            flash(_("Claim #%(id)s approved: the wallet was credited.", id=claim.id), "success")
        else:
            flash(
                _("Claim #%(id)s needs a second approval by another staff member.", id=claim.id),
                "info",
            )
    return redirect(url_for("billing.staff_claims", state=request.args.get("state", "open")))


def _approve_confirmation(claim_id: int) -> ResponseReturnValue:
    """What approving credits, and to whom, before it happens."""
    claim = db.session.scalar(select(RemittanceClaim).where(RemittanceClaim.id == claim_id))
    if claim is None:
        abort(404)
    customer = db.session.scalar(select(Customer).where(Customer.id == claim.customer_id))
    return render_template(
        "backoffice/claim_approve_confirm.html",
        claim=claim,
        customer=customer,
        state=request.args.get("state", "open"),
    )


@bp.post("/staff/claims/<id:claim_id>/reject")
@staff_page("claims.approve")
def staff_claim_reject(claim_id: int) -> ResponseReturnValue:
    staff = _staff()
    try:
        remittance.reject_claim(claim_id, staff, request.form.get("reason", ""))
    except RemittanceError as exc:
        if exc.field == "reason":
            flash(_("Give a reason for the rejection."), "error")
        else:
            flash(_message(exc), "error")
    except (WrongStore, PermissionDenied) as exc:
        flash(_message(exc), "error")
    else:
        flash(_("Claim #%(id)s rejected.", id=claim_id), "success")
    return redirect(url_for("billing.staff_claims", state=request.args.get("state", "open")))


@bp.get("/staff/claims/<id:claim_id>/proof")
@staff_page("claims.view")
def staff_claim_proof(claim_id: int) -> ResponseReturnValue:
    claim = db.session.get(RemittanceClaim, claim_id)
    if claim is None or claim.store_id != current_store_id() or not claim.proof_path:
        abort(404)
    root = Path(current_app.instance_path).resolve()
    path = (root / claim.proof_path).resolve()
    if root not in path.parents or not path.is_file():
        abort(404)
    response: Response = send_file(path, as_attachment=True)
    return response


def _parse_day(raw: str, end: bool) -> datetime | None:
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return None
    if end:
        return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
    return datetime.combine(day, time(), tzinfo=UTC)


@bp.route("/staff/vouchers", methods=["GET", "POST"])
@staff_page("money.view")
def staff_vouchers() -> ResponseReturnValue:
    from storefront.catalog.models import CustomerGroup

    staff = _staff()
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        valid_from = _parse_day(form.get("valid_from", ""), end=False)
        valid_until = _parse_day(form.get("valid_until", ""), end=True)
        if valid_from is None:
            errors["valid_from"] = _("Give a date.")
        if valid_until is None:
            errors["valid_until"] = _("Give a date.")
        customer = None
        email = form.get("customer_email", "").strip()
        if email:
            customer = db.session.scalar(
                select(Customer).where(Customer.email == email.lower())
            ) or db.session.scalar(select(Customer).where(Customer.email == email))
            if customer is None:
                errors["customer_email"] = _("No customer with this email.")
        group_raw = form.get("group_id", "")
        limit_raw = form.get("usage_limit", "").strip()
        if limit_raw and (not (limit_raw.isascii() and limit_raw.isdigit()) or len(limit_raw) > 9):
            errors["usage_limit"] = _("A whole number, or empty for no limit.")
        if not errors:
            assert valid_from is not None and valid_until is not None
            try:
                voucher = vouchers.issue_voucher(
                    staff,
                    face_value=form.get("face_value", ""),
                    valid_from=valid_from,
                    valid_until=valid_until,
                    products=form.getlist("products"),
                    customer=customer,
                    group_id=parse_id(group_raw),
                    usage_limit=int(limit_raw) if limit_raw else None,
                    memo=form.get("memo", ""),
                )
            except InvalidAmount:
                errors["face_value"] = _messages()["invalid_amount"]
            except vouchers.VoucherError as exc:
                errors[exc.field or "form"] = {
                    "valid_until": _("The voucher must end after it starts, in the future."),
                    "usage_limit": _("A whole number, or empty for no limit."),
                    "group": _("Restrict to a customer or to a group, not both."),
                }.get(exc.field or "", _message(exc))
            except PermissionDenied as exc:
                errors["form"] = _message(exc)
            else:
                flash(_("Voucher %(code)s issued.", code=voucher.code), "success")
                return redirect(url_for("billing.staff_vouchers"))
    groups = list(db.session.scalars(select(CustomerGroup).order_by(CustomerGroup.name)))
    return render_template(
        "billing/staff_vouchers.html",
        vouchers=vouchers.list_vouchers(staff, request.args.get("status")),
        groups=groups,
        products=vouchers.PRODUCTS,
        errors=errors,
        values=request.form,
        can_write=has_permission(staff, "vouchers.manage"),
        today=date.today().isoformat(),
    ), (422 if errors else 200)


@bp.post("/staff/vouchers/<id:voucher_id>/revoke")
@staff_page("vouchers.manage")
def staff_voucher_revoke(voucher_id: int) -> ResponseReturnValue:
    try:
        voucher: Voucher = vouchers.revoke_voucher(_staff(), voucher_id)
    except (BillingError, PermissionDenied) as exc:
        flash(_message(exc), "error")
    else:
        flash(_("Voucher %(code)s revoked.", code=voucher.code), "success")
    return redirect(url_for("billing.staff_vouchers"))


@bp.route("/staff/payments", methods=["GET", "POST"])
@staff_page("billing.settings")
def staff_payment_settings() -> ResponseReturnValue:
    staff = _staff()
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        threshold = form.get("second_approval_threshold", "").strip()
        # the dual-control threshold bounds staff themselves: only the owner moves it
        dual_control = (
            {"second_approval_threshold": threshold or None}
            if has_permission(staff, "funds.limits")
            else {}
        )
        try:
            remittance.update_billing_settings(
                staff,
                online_topup_enabled=form.get("online_topup_enabled") == "on",
                offline_topup_enabled=form.get("offline_topup_enabled") == "on",
                bank_name=form.get("bank_name", "").strip()[:120],
                bank_account=form.get("bank_account", "").strip()[:64],
                bank_holder=form.get("bank_holder", "").strip()[:120],
                **dual_control,
            )
        except InvalidAmount:
            db.session.rollback()
            errors["second_approval_threshold"] = _messages()["invalid_amount"]
        except WrongStore:
            abort(403)
        else:
            flash(_("Payment settings saved."), "success")
            return redirect(url_for("billing.staff_payment_settings"))
    return render_template(
        "billing/staff_payment_settings.html",
        settings=remittance.billing_settings(staff.store_id),
        gateway=topup.gateway(),
        errors=errors,
    ), (422 if errors else 200)


def _is_customer(user: Any) -> bool:
    return isinstance(user, Customer) and bool(user.is_authenticated)


def _staff_with(permission: str) -> Callable[[Any], bool]:
    return lambda user: bool(user.is_authenticated) and has_permission(user, permission)


def register(app: Flask) -> None:
    register_once(app)
    csrf.exempt(payment_notify)  # the gateway signs its notifications instead
    if topup.wallet_settings(app).gateway == "sandbox" and not app.config["SETTINGS"].is_production:
        from storefront.billing import payments_sandbox

        payments_sandbox.mount(app)
    add_nav(app, NavItem("billing.wallet", _l("Wallet"), "account", 15, _is_customer))
    add_nav(app, NavItem("billing.staff_claims", _l("Remittance claims"), "staff", 40,
                         _staff_with("claims.view")))
    add_nav(app, NavItem("billing.staff_vouchers", _l("Vouchers"), "staff", 50,
                         _staff_with("money.view")))
    add_nav(app, NavItem("billing.staff_payment_settings", _l("Payment settings"), "staff", 60,
                         _staff_with("billing.settings")))

