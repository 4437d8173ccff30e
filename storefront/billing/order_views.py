"""Order pages: checkout (``billing.checkout``), orders, an order with its timeline and
printable receipt, and resources. Endpoints are named ``billing.*`` on the app directly, so
the wallet pages (``wallet_views``) may own a ``billing`` blueprint of their own."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from storefront.accounts.models import Customer
from storefront.billing import ledger, orders, services
from storefront.billing.blueprint import bp, register_once
from storefront.billing.errors import BillingError, InsufficientBalance
from storefront.billing.models import Resource
from storefront.billing.vouchers import VoucherError
from storefront.catalog.models import Quote
from storefront.extensions import db
from storefront.navigation import NavItem, add_nav

STATUS_LABELS = {
    "pending": _l("Pending"),
    "paid": _l("Paid"),
    "provisioning": _l("Provisioning"),
    "active": _l("Active"),
    "failed": _l("Failed"),
    "refunded": _l("Refunded"),
    "creating": _l("Creating"),
    "stopped": _l("Stopped"),
    "frozen": _l("Frozen"),
    "expired": _l("Expired"),
    "released": _l("Released"),
    "reconciled": _l("Reconciled"),
    "reclaimed": _l("Funds reclaimed"),
    "reclaim_failed": _l("Reclaim failed"),
    "funding_found": _l("Funding confirmed with the provider"),
}
MODE_LABELS = {"on_demand": _l("On demand"), "monthly": _l("Monthly"), "yearly": _l("Yearly")}


def _customer() -> Customer | Response:
    user = current_user
    if not isinstance(user, Customer) or not user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    return user


def _wallet_url() -> str | None:
    from flask import current_app

    return url_for("billing.wallet") if "billing.wallet" in current_app.view_functions else None


def checkout(quote_id: str) -> ResponseReturnValue:
    customer = _customer()
    if isinstance(customer, Response):
        return customer
    quote = db.session.scalar(
        select(Quote).where(Quote.id == quote_id, Quote.customer_id == customer.id)
    )
    if quote is None:
        abort(404)
    error: str | None = None
    short = False
    if request.method == "POST":
        key = request.form.get("idempotency_key", "")[:64] or None
        voucher_code = request.form.get("voucher_code", "")[:40] or None
        try:
            result = orders.place_order(customer, quote_id, key, voucher_code=voucher_code)
        except VoucherError:
            error = str(_l("This voucher cannot be used for this order."))
        except InsufficientBalance:
            error, short = str(_l("Your balance is too low for this order.")), True
        except orders.QuoteAlreadyOrdered:
            found = db.session.scalar(
                select(orders.Order.id).where(orders.Order.quote_id == quote_id)
            )
            if found is not None:
                return redirect(url_for("billing.order", order_id=found))
            error = str(_l("This quote was already bought."))
        except orders.OrderError as exc:
            error = {
                "realname_required": str(_l("Complete real-name verification before buying.")),
                "account_frozen": str(_l("Your account is frozen: contact support.")),
                "store_frozen": str(_l("This store is not taking orders at the moment.")),
                "quote_expired": str(_l("This quote has expired: price it again.")),
            }.get(exc.code, str(_l("This order cannot be placed.")))
        except BillingError:
            error = str(_l("This order cannot be placed."))
        else:
            flash(_l("Thank you: your order is paid and being set up."), "success")
            return redirect(url_for("billing.order", order_id=result["id"]))
    status = 402 if short else (409 if error else 200)
    return render_template(
        "billing/checkout.html",
        quote=quote,
        balance=services.balance(customer),
        error=error,
        short=short,
        wallet_url=_wallet_url(),
        idempotency_key=uuid.uuid4().hex,
        modes=MODE_LABELS,
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
        labels=STATUS_LABELS,
        modes=MODE_LABELS,
    )


def order_page(order_id: int) -> ResponseReturnValue:
    customer = _customer()
    if isinstance(customer, Response):
        return customer
    order = orders.customer_order(customer, order_id)
    if order is None:
        abort(404)
    return render_template(
        "billing/orders_detail.html",
        order=order,
        labels=STATUS_LABELS,
        modes=MODE_LABELS,
        fmt=ledger.format_amount,
    )


def resource_list() -> ResponseReturnValue:
    customer = _customer()
    if isinstance(customer, Response):
        return customer
    rows = db.session.scalars(
        select(Resource).where(Resource.customer_id == customer.id).order_by(Resource.id.desc())
    ).all()
    return render_template("billing/orders_resources.html", resources=rows, labels=STATUS_LABELS)


def _is_customer(user: Any) -> bool:
    return isinstance(user, Customer) and bool(user.is_authenticated)


ROUTES: list[tuple[str, str, Callable[..., ResponseReturnValue], list[str]]] = [
    ("/checkout/<quote_id>", "billing.checkout", checkout, ["GET", "POST"]),
    ("/orders", "billing.orders", order_list, ["GET"]),
    ("/orders/<id:order_id>", "billing.order", order_page, ["GET"]),
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
