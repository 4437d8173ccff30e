"""Money pages for staff, on the shared ``billing`` blueprint: funding a customer, the
remittance claim queue, vouchers and the store's payment settings. Role checks live in the
services (``accounts.permissions``); the pages mirror them with ``accounts.guards.staff_page``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from flask import (
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
from sqlalchemy import select

from storefront.accounts.guards import current_staff, staff_page
from storefront.accounts.models import Customer
from storefront.accounts.permissions import PermissionDenied, has_permission, require_permission
from storefront.billing import (
    funding,
    funding_views,
    remittance,
    services,
    topup,
    voucher_mirror,
    vouchers,
)
from storefront.billing.blueprint import bp
from storefront.billing.errors import (
    BillingError,
    FundingLimitError,
    InvalidAmount,
    VoucherError,
    WrongStore,
)
from storefront.billing.models import ClaimStatus, RemittanceClaim, Voucher
from storefront.billing.page_helpers import page_message
from storefront.catalog.models import CustomerGroup
from storefront.extensions import db
from storefront.routing import parse_id
from storefront.stores.tenancy import current_store_id


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
    staff = current_staff()
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
                    customer,
                    amount,
                    request.form.get("note", "")[:500],
                    staff,
                    request.form.get("form_key") or None,
                )
                flash(funding_views.funded_message(result), "success")
                return redirect(url_for("billing.staff_funds", customer_id=customer.id))
        except FundingLimitError as exc:
            db.session.commit()  # the refusal's entry in the audit trail
            error = funding_views.limit_message(exc)
        except (BillingError, PermissionDenied) as exc:
            error = page_message(exc)
        except ValueError:  # a form key no idempotency key can be
            error = _('Enter an amount such as "100.00".')
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
            if next_cursor
            else None
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
            RemittanceClaim.status.in_([ClaimStatus.PENDING, ClaimStatus.AWAITING_SECOND_APPROVAL])
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
    staff = current_staff()
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
    staff = current_staff()
    if request.form.get("confirmed") != "1":  # first a confirmation page (works without JS)
        return _approve_confirmation(claim_id)
    try:
        claim = remittance.approve_claim(claim_id, staff)
        db.session.commit()
    except (BillingError, PermissionDenied) as exc:
        db.session.rollback()
        flash(page_message(exc), "error")
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
    staff = current_staff()
    try:
        remittance.reject_claim(claim_id, staff, request.form.get("reason", ""))
        db.session.commit()
    except (BillingError, PermissionDenied) as exc:
        db.session.rollback()
        flash(page_message(exc), "error")
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
    staff = current_staff()
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
            except InvalidAmount as exc:
                errors["face_value"] = page_message(exc)
            except VoucherError as exc:
                errors[exc.field or "form"] = exc.message
            except PermissionDenied as exc:
                errors["form"] = page_message(exc)
            else:
                db.session.commit()
                if voucher_mirror.mirror(voucher) is not None:  # after the commit: a provider call
                    db.session.commit()
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
        voucher: Voucher = vouchers.revoke_voucher(current_staff(), voucher_id)
        db.session.commit()
    except (BillingError, PermissionDenied) as exc:
        db.session.rollback()
        flash(page_message(exc), "error")
    else:
        if voucher_mirror.mirror(voucher) is not None:  # after the commit: a provider call
            db.session.commit()
        flash(_("Voucher %(code)s revoked.", code=voucher.code), "success")
    return redirect(url_for("billing.staff_vouchers"))


@bp.route("/staff/payments", methods=["GET", "POST"])
@staff_page("billing.settings")
def staff_payment_settings() -> ResponseReturnValue:
    staff = current_staff()
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
        except InvalidAmount as exc:
            db.session.rollback()
            errors["second_approval_threshold"] = page_message(exc)
        except WrongStore:
            abort(403)
        else:
            db.session.commit()
            flash(_("Payment settings saved."), "success")
            return redirect(url_for("billing.staff_payment_settings"))
    return render_template(
        "billing/staff_payment_settings.html",
        settings=remittance.billing_settings(staff.store_id),
        gateway=topup.gateway(),
        errors=errors,
    ), (422 if errors else 200)
