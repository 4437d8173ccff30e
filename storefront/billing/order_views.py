"""Order pages: checkout (``billing.checkout``), orders, an order with its timeline and
printable receipt, and resources, on the shared ``billing`` blueprint (``billing.blueprint``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from storefront.accounts.models import Customer
from storefront.billing import checkout as buying
from storefront.billing import orders, services, vouchers
from storefront.billing.blueprint import bp, register_once
from storefront.billing.errors import BillingError
from storefront.billing.models import Resource
from storefront.billing.vouchers import VoucherError
from storefront.catalog.models import Quote
from storefront.extensions import db
from storefront.labels import poll_delay
from storefront.navigation import NavItem, add_nav
from storefront.servers import choices, live
from storefront.servers.errors import ServersError

FINAL = frozenset({"active", "refunded"})  # an order page stops refreshing here


def _customer() -> Customer | Response:
    user = current_user
    if not isinstance(user, Customer) or not user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    return user


def _wallet_url() -> str | None:
    return url_for("billing.wallet") if "billing.wallet" in current_app.view_functions else None


def _place(customer: Customer, quote_id: str) -> tuple[str | None, ResponseReturnValue | None]:
    """Try to place the order: (error to show, or the redirect to the new order)."""
    key = request.form.get("idempotency_key", "")[:64] or None
    voucher_code = request.form.get("voucher_code", "")[:40] or None
    try:  # a server's name and login (#17)
        choices.record_login(customer, quote_id, choices.login_from_form(request.form))
    except ServersError as exc:
        return choices.refusal_text(exc), None
    try:
        result = orders.place_order(customer, quote_id, key, voucher_code=voucher_code)
    except VoucherError:
        return str(_l("This voucher cannot be used for this order.")), None
    except orders.QuoteAlreadyOrdered:
        found = db.session.scalar(select(orders.Order.id).where(orders.Order.quote_id == quote_id))
        if found is not None:
            return None, redirect(url_for("billing.order", order_id=found))
        return str(_l("This quote was already bought.")), None
    except BillingError:  # a blocker that appeared meanwhile: the list below names it
        db.session.rollback()
        return None, None
    choices.provision_now(customer.store_id, quote_id, result["id"])  # with a password only
    flash(_l("Thank you: your order is paid and being set up."), "success")
    return None, redirect(url_for("billing.order", order_id=result["id"]))


def checkout(quote_id: str) -> ResponseReturnValue:
    customer = _customer()
    if isinstance(customer, Response):
        return customer
    quote = db.session.scalar(
        select(Quote).where(Quote.id == quote_id, Quote.customer_id == customer.id)
    )
    if quote is None:
        abort(404)
    balance = services.balance(customer)
    blockers = buying.checkout_blockers(customer, quote, balance)
    # a short balance a voucher may cover does not stop Pay (the voucher field is below)
    voucher_may_cover = bool(
        quote.billing_mode != "on_demand"
        and [b.code for b in blockers] == [buying.BALANCE_SHORT]
        and vouchers.customer_vouchers(customer)
    )
    error: str | None = None
    tried = request.method == "POST"
    if tried and (not blockers or voucher_may_cover):
        error, done = _place(customer, quote_id)
        if done is not None:
            return done
        blockers = buying.checkout_blockers(customer, quote, services.balance(customer))
    status = 200
    if tried:
        short = bool(blockers) and blockers[0].code == buying.BALANCE_SHORT
        status = 402 if short else (409 if blockers or error else 200)
    return render_template(
        "billing/checkout.html",
        quote=quote,
        balance=balance,
        blockers=blockers,
        can_pay=not blockers or voucher_may_cover,
        voucher_may_cover=voucher_may_cover,
        error=error,
        wallet_url=_wallet_url(),
        idempotency_key=uuid.uuid4().hex,
    ), status


def order_list() -> ResponseReturnValue:
    customer = _customer()
    if isinstance(customer, Response):
        return customer
    cursor = request.args.get("cursor")
    try:
        rows, next_cursor = orders.customer_orders(customer, cursor, 20)
    except services.InvalidCursor:
        abort(404)
    next_url = url_for("billing.orders", cursor=next_cursor) if next_cursor else None
    return render_template(
        "billing/orders.html",
        orders=rows,
        next_url=next_url,
    )


def _poll_attempt() -> int:
    raw = request.args.get("n", "0")
    return min(int(raw), 50) if raw.isascii() and raw.isdigit() and len(raw) < 4 else 0


def order_page(order_id: int) -> ResponseReturnValue:
    customer = _customer()
    if isinstance(customer, Response):
        return customer
    order = orders.customer_order(customer, order_id)
    if order is None:
        abort(404)
    return render_template(
        "billing/orders_detail.html", order=order, final=FINAL, attempt=0, delay=poll_delay(0)
    )


def order_progress(order_id: int) -> ResponseReturnValue:
    """The order's status and timeline (htmx): asks again, later each time, until final."""
    customer = _customer()
    if isinstance(customer, Response):
        return customer
    order = orders.customer_order(customer, order_id)
    if order is None:
        abort(404)
    attempt = _poll_attempt()
    return render_template(
        "billing/_order_progress.html",
        order=order,
        final=FINAL,
        attempt=attempt,
        delay=poll_delay(attempt),
    )


def resource_list() -> ResponseReturnValue:
    customer = _customer()
    if isinstance(customer, Response):
        return customer
    rows = db.session.scalars(
        select(Resource).where(Resource.customer_id == customer.id).order_by(Resource.id.desc())
    ).all()
    states = live.refresh(customer, rows)  # status, IPs and expiry as the provider has them
    # drawn before the commit, which expires every row: drawn after, the page would load each
    # row again, one statement a resource
    page = render_template("billing/orders_resources.html", resources=rows, live=states)
    db.session.commit()
    return page


def _is_customer(user: Any) -> bool:
    return isinstance(user, Customer) and bool(user.is_authenticated)


ROUTES: list[tuple[str, str, Callable[..., ResponseReturnValue], list[str]]] = [
    ("/checkout/<quote_id>", "billing.checkout", checkout, ["GET", "POST"]),
    ("/orders", "billing.orders", order_list, ["GET"]),
    ("/orders/<id:order_id>", "billing.order", order_page, ["GET"]),
    ("/orders/<id:order_id>/progress", "billing.order_progress", order_progress, ["GET"]),
    ("/resources", "billing.resources", resource_list, ["GET"]),
]


for _rule, _endpoint, _view, _methods in ROUTES:
    bp.add_url_rule(_rule, _endpoint.removeprefix("billing."), _view, methods=_methods)


def register(app: Flask) -> None:
    register_once(app)
    add_nav(
        app,
        NavItem("billing.orders", _l("Orders"), section="account", order=40, visible=_is_customer),
    )
    add_nav(
        app,
        NavItem(
            "billing.resources", _l("Resources"), section="account", order=41, visible=_is_customer
        ),
    )
