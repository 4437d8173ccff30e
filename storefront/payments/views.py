"""Pages and endpoints of online payment through Alipay and WeChat Pay.

- ``POST /payments/notify/alipay`` and ``/payments/notify/wechat``: the gateways' signed
  asynchronous notifications (CSRF-exempt; answered as each gateway's documentation asks);
- ``POST /wallet/pay``: start a top-up with a method; Alipay goes to its cashier page, WeChat
  Pay shows its QR code at ``/wallet/topup/<reference>/pay``, which also asks the gateway
  (``…/check``) when the customer says they paid;
- staff: ``/staff/payments/methods`` (the store's online methods), ``/staff/payments/differences``
  (what the daily bill reconciliation found), ``/staff/topups/<reference>/refund``.
"""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from storefront import qr
from storefront.accounts.guards import (
    current_customer,
    current_staff,
    customer_required,
    staff_page,
)
from storefront.accounts.permissions import has_permission
from storefront.billing import topup, topup_gateways
from storefront.billing.errors import BillingError, WrongStore
from storefront.billing.models import Topup
from storefront.billing.page_helpers import page_message
from storefront.errors import DomainError
from storefront.extensions import csrf, db
from storefront.navigation import NavItem, add_nav
from storefront.payments import adapters, refunds, services
from storefront.payments import gateway as gateways
from storefront.payments.emulators import alipay, wechat
from storefront.payments.models import BillDifference
from storefront.payments.settings import payment_settings
from storefront.stores.tenancy import in_store

bp = Blueprint("payments", __name__)
PAGE = 50
METHOD_LABELS = {"alipay": _l("Alipay"), "wechat": _l("WeChat Pay")}


def qr_svg(text: str) -> Markup:
    return Markup(qr.svg(text).decode())  # noqa: S704 - our own SVG of an escaped payload


@bp.post("/payments/notify/alipay")
def notify_alipay() -> ResponseReturnValue:
    outcome = topup.handle_notification("alipay", request.get_data(cache=False), {})
    db.session.commit()
    # "success" stops Alipay's retries; anything else (a forgery, ...) is retried, harmlessly
    return (
        ("fail" if outcome in ("invalid", "unknown_gateway") else "success"),
        200,
        {"Content-Type": "text/plain"},
    )


@bp.post("/payments/notify/wechat")
def notify_wechat() -> ResponseReturnValue:
    outcome = topup.handle_notification(
        "wechat", request.get_data(cache=False), dict(request.headers)
    )
    db.session.commit()
    if outcome in ("invalid", "unknown_gateway"):
        return {"code": "FAIL", "message": "verification failed"}, 400
    return "", 204


def _own_topup(reference: str) -> Topup:
    try:
        return topup.topup_for(current_customer(), reference)
    except WrongStore:
        abort(404)


@bp.post("/wallet/pay")
@customer_required
def start() -> ResponseReturnValue:
    customer = current_customer()
    method = request.form.get("method", "")
    try:
        found = services.start(
            customer, request.form.get("amount", ""), request.form.get("form_key", ""), method
        )
        db.session.commit()
        charge = services.open_charge(found)
        db.session.commit()
    except (BillingError, DomainError) as exc:
        db.session.rollback()
        flash(page_message(exc), "error")
        return redirect(url_for("billing.wallet"))
    if charge.pay_url:
        return redirect(charge.pay_url)
    return redirect(url_for("payments.pay_page", reference=found.reference))


@bp.get("/wallet/topup/<reference>/pay")
@customer_required
def pay_page(reference: str) -> ResponseReturnValue:
    found = _own_topup(reference)
    charge = services.charge_of(found)
    if charge is None or not charge.qr_code:
        return redirect(url_for("billing.topup_return", reference=reference))
    return render_template(
        "payments/pay.html", topup=found, charge=charge, qr=qr_svg(charge.qr_code),
        method=METHOD_LABELS.get(found.gateway, found.gateway),
        emulated=payment_settings().emulators,
    )  # fmt: skip


@bp.post("/wallet/topup/<reference>/check")
@customer_required
def check(reference: str) -> ResponseReturnValue:
    """The customer says they paid: ask the gateway now instead of waiting for its notice."""
    found = _own_topup(reference)
    if found.gateway in services.ONLINE:
        try:
            services.sync(found)
            db.session.commit()
        except gateways.GatewayError:
            db.session.rollback()
            flash(_("The payment service did not answer. Try again later."), "error")
    return redirect(url_for("billing.topup_return", reference=reference))


def _wallet_methods(store_id: int) -> list[tuple[str, Any]]:
    return [(m, METHOD_LABELS[m]) for m in services.offered_methods(store_id)]


@bp.route("/staff/payments/methods", methods=["GET", "POST"])
@staff_page("billing.settings")
def staff_methods() -> ResponseReturnValue:
    staff = current_staff()
    server = payment_settings().methods
    if request.method == "POST":
        services.set_methods(staff.store_id, {m for m in server if request.form.get(m) == "on"})
        db.session.commit()
        flash(_("Online payment methods saved."), "success")
        return redirect(url_for("payments.staff_methods"))
    choice = services.store_choice(staff.store_id)
    chosen = {m for m in server if choice is None or getattr(choice, m)}
    return render_template(
        "payments/staff_methods.html", server=[(m, METHOD_LABELS[m]) for m in server],
        chosen=chosen,
    )  # fmt: skip


@bp.get("/staff/payments/differences")
@staff_page("money.view")
def staff_differences() -> ResponseReturnValue:
    staff = current_staff()
    query = select(BillDifference).order_by(BillDifference.id.desc()).limit(PAGE + 1)
    before = request.args.get("before", "")
    if before.isdigit() and len(before) < 19:
        query = query.where(BillDifference.id < int(before))
    rows = list(db.session.scalars(in_store(query, staff.store_id)))
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return render_template(
        "payments/staff_differences.html", rows=rows, labels=METHOD_LABELS,
        next_url=url_for("payments.staff_differences", before=rows[-1].id) if more else None,
    )  # fmt: skip


@bp.get("/staff/payments/topups")
@staff_page("money.view")
def staff_topups() -> ResponseReturnValue:
    """Online top-ups through the gateways, newest first, each with its refund page."""
    staff = current_staff()
    query = (
        select(Topup)
        .where(Topup.gateway.in_(services.ONLINE))
        .order_by(Topup.id.desc())
        .limit(PAGE + 1)
    )
    before = request.args.get("before", "")
    if before.isdigit() and len(before) < 19:
        query = query.where(Topup.id < int(before))
    wanted = request.args.get("reference", "").strip()[:40]
    if wanted:
        query = query.where(Topup.reference == wanted)
    rows = list(db.session.scalars(in_store(query, staff.store_id)))
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return render_template(
        "payments/staff_topups.html", rows=rows, labels=METHOD_LABELS, wanted=wanted,
        can_refund=has_permission(staff, "refunds.manage"),
        next_url=url_for("payments.staff_topups", before=rows[-1].id) if more else None,
    )  # fmt: skip


@bp.route("/staff/topups/<reference>/refund", methods=["GET", "POST"])
@staff_page("refunds.manage")
def staff_refund(reference: str) -> ResponseReturnValue:
    staff = current_staff()
    found = db.session.scalar(
        in_store(select(Topup).where(Topup.reference == reference), staff.store_id)
    )
    if found is None:
        abort(404)
    error = None
    if request.method == "POST":
        try:
            refunds.refund_topup(
                staff, found.id, request.form.get("amount", ""), request.form.get("reason", "")
            )
            db.session.commit()
        except (BillingError, DomainError) as exc:
            db.session.rollback()
            error = page_message(exc)
        else:
            flash(_("Refund sent to the payment method."), "success")
            return redirect(url_for("payments.staff_refund", reference=reference))
    return render_template(
        "payments/staff_refund.html", topup=found, left=refunds.refundable(found),
        done=refunds.refunds_of(found), error=error, method=METHOD_LABELS.get(found.gateway),
    ), (422 if error else 200)  # fmt: skip


def _staff_with(permission: str) -> Any:
    return lambda user: bool(user.is_authenticated) and has_permission(user, permission)


def register(app: Flask) -> None:
    for name in ("alipay", "wechat"):
        topup_gateways.register(name, partial(adapters.adapter, name))
    csrf.exempt(notify_alipay)
    csrf.exempt(notify_wechat)
    app.register_blueprint(bp)
    app.jinja_env.globals["online_payment_methods"] = _wallet_methods
    app.jinja_env.globals["new_form_key"] = lambda: uuid.uuid4().hex
    settings = payment_settings(app)
    if settings.emulators and not app.config["SETTINGS"].is_production:
        alipay.mount(app)
        wechat.mount(app)
    add_nav(
        app,
        NavItem(
            "payments.staff_methods",
            _l("Online payment methods"),
            "staff",
            61,
            _staff_with("billing.settings"),
            menu="settings",
        ),
    )
    add_nav(
        app,
        NavItem(
            "payments.staff_topups",
            _l("Online top-ups"),
            "staff",
            62,
            _staff_with("money.view"),
            menu="money",
        ),
    )
    add_nav(
        app,
        NavItem(
            "payments.staff_differences",
            _l("Payment differences"),
            "staff",
            63,
            _staff_with("money.view"),
            menu="money",
        ),
    )
