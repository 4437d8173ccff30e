"""Wallet pages (customers) and money pages (staff), on the shared ``billing`` blueprint.

Customers: ``/wallet`` (balance, statement, top-ups, claims), online top-up, remittance claims,
vouchers. Staff pages (funding a customer, the remittance claim queue, vouchers, payment
settings) are :mod:`~storefront.billing.staff_money_views`.
The gateway's notification endpoint ``/payments/notify/<gateway>`` is CSRF-exempt and
signature-verified. Role checks live in the services (``accounts.permissions``); staff pages
mirror them with ``accounts.guards.staff_page``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import (
    Flask,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront.accounts.guards import current_customer, customer_required
from storefront.accounts.models import Customer
from storefront.accounts.permissions import has_permission
from storefront.billing import payments_sandbox, remittance, services, topup, vouchers
from storefront.billing.blueprint import bp, register_once
from storefront.billing.errors import (
    BillingError,
    InvalidAmount,
    RemittanceError,
)
from storefront.billing.models import RemittanceClaim
from storefront.billing.page_helpers import page_message
from storefront.clock import utcnow
from storefront.extensions import csrf, db
from storefront.navigation import NavItem, add_nav
from storefront.stores.urls import base_url, external_url

MAX_PROOF_UPLOAD = remittance.MAX_PROOF_BYTES + 64 * 1024  # the file plus the form fields


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
    customer = current_customer()
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
    customer = current_customer()
    try:
        started = topup.start_topup(
            customer, request.form.get("amount", ""), request.form.get("form_key", "")
        )
        db.session.commit()
    except BillingError as exc:
        db.session.rollback()
        flash(page_message(exc), "error")
        return redirect(url_for("billing.wallet"))
    gw = topup.gateway()
    assert gw is not None
    if started.status is not topup.TopupStatus.PENDING:
        return redirect(url_for("billing.topup_return", reference=started.reference))
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
    db.session.commit()
    return {"received": True, "outcome": outcome}


@bp.route("/wallet/remittance", methods=["GET", "POST"])
@customer_required
def remittance_page() -> ResponseReturnValue:
    customer = current_customer()
    info = remittance.remittance_instructions(customer)
    errors: dict[str, str] = {}
    values = request.form if request.method == "POST" else {}
    if request.method == "POST":
        if (request.content_length or 0) > MAX_PROOF_UPLOAD:
            errors["proof"] = _("The proof must be a PNG, JPEG or PDF file of at most 5 MB.")
        else:
            upload = request.files.get("proof")
            proof = (
                upload.read(remittance.MAX_PROOF_BYTES + 1) if upload and upload.filename else None
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
                except InvalidAmount as exc:
                    errors["amount"] = page_message(exc)
                except RemittanceError as exc:
                    errors[exc.field or "form"] = exc.message
                else:
                    db.session.commit()
                    flash(
                        _("Claim submitted: staff will check it against the bank statement."),
                        "success",
                    )
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
    customer = current_customer()
    return render_template(
        "billing/vouchers.html",
        vouchers=vouchers.customer_vouchers(customer),
        now=utcnow(),
    )


def _is_customer(user: Any) -> bool:
    return isinstance(user, Customer) and bool(user.is_authenticated)


def _staff_with(permission: str) -> Callable[[Any], bool]:
    return lambda user: bool(user.is_authenticated) and has_permission(user, permission)


def register(app: Flask) -> None:
    register_once(app)
    csrf.exempt(payment_notify)  # the gateway signs its notifications instead
    if topup.wallet_settings(app).gateway == "sandbox" and not app.config["SETTINGS"].is_production:
        payments_sandbox.mount(app)
    add_nav(app, NavItem("billing.wallet", _l("Wallet"), "account", 15, _is_customer))
    add_nav(
        app,
        NavItem(
            "billing.staff_claims",
            _l("Remittance claims"),
            "staff",
            40,
            _staff_with("claims.view"),
            menu="money",
        ),
    )
    add_nav(
        app,
        NavItem(
            "billing.staff_vouchers",
            _l("Vouchers"),
            "staff",
            50,
            _staff_with("money.view"),
            menu="money",
        ),
    )
    add_nav(
        app,
        NavItem(
            "billing.staff_payment_settings",
            _l("Payment settings"),
            "staff",
            60,
            _staff_with("billing.settings"),
            menu="settings",
        ),
    )
