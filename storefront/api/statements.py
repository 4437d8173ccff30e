"""Bills, billing profile, invoices and fapiao requests (#20): ``GET /bills?month=YYYY-MM``,
``GET /bills/<YYYY-MM>.csv|.pdf``, ``GET/PUT /billing-profile``, ``GET /invoices``,
``GET /invoices/<id>.pdf``, ``GET/POST /invoice-requests``. Thin: parse, call
:mod:`storefront.statements`, render; its errors are answered by the app's handler."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from storefront.api import bp
from storefront.api.auth import api_customer, require_customer_token
from storefront.clock import utcnow
from storefront.errors import ApiError
from storefront.extensions import db
from storefront.statements import bills, downloads, fapiao, invoices, profiles
from storefront.statements.downloads import download


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_input", "A JSON object is required.")
    return body


@bp.get("/bills")
@require_customer_token
def get_bill() -> ResponseReturnValue:
    value = request.args.get("month")
    month = bills.Month.parse(value) if value is not None else bills.Month.of(utcnow())
    return jsonify(bills.bill_json(bills.bill_for(api_customer(), month)))


@bp.get("/bills/<month>.csv")
@require_customer_token
def get_bill_csv(month: str) -> ResponseReturnValue:
    return download(downloads.bill(api_customer(), month, "csv"))


@bp.get("/bills/<month>.pdf")
@require_customer_token
def get_bill_pdf(month: str) -> ResponseReturnValue:
    return download(downloads.bill(api_customer(), month, "pdf"))


@bp.get("/billing-profile")
@require_customer_token
def get_billing_profile() -> ResponseReturnValue:
    customer = api_customer()
    return jsonify(
        profile=profiles.profile_json(profiles.current(customer)),
        history=[profiles.profile_json(p) for p in profiles.history(customer)],
    )


@bp.put("/billing-profile")
@require_customer_token
def put_billing_profile() -> ResponseReturnValue:
    profile = profiles.save(api_customer(), _body())
    db.session.commit()
    return jsonify(profile=profiles.profile_json(profile))


def _cursor() -> int | None:
    value = request.args.get("cursor")
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 12:
        raise ApiError(422, "invalid_input", "Bad cursor.", {"cursor": "from next_cursor"})
    return int(value)


@bp.get("/invoices")
@require_customer_token
def list_invoices() -> ResponseReturnValue:
    customer = api_customer()
    invoices.ensure_invoices(customer)
    db.session.commit()
    rows, next_cursor = invoices.customer_invoices(customer, _cursor())
    return jsonify(
        items=[invoices.invoice_json(i) for i in rows],
        next_cursor=str(next_cursor) if next_cursor is not None else None,
    )


@bp.get("/invoices/<id:invoice_id>.pdf")
@require_customer_token
def get_invoice_pdf(invoice_id: int) -> ResponseReturnValue:
    return download(downloads.invoice(api_customer(), invoice_id))


@bp.get("/invoice-requests")
@require_customer_token
def list_invoice_requests() -> ResponseReturnValue:
    customer = api_customer()
    return jsonify(
        items=[fapiao.request_json(r) for r in fapiao.customer_requests(customer)],
        invoiceable=str(fapiao.invoiceable_total(customer)),
    )


@bp.post("/invoice-requests")
@require_customer_token
def create_invoice_request() -> ResponseReturnValue:
    body = _body()
    if "amount" not in body:
        raise ApiError(422, "invalid_input", "The amount is required.", {"amount": "required"})
    made = fapiao.request_fapiao(api_customer(), body["amount"], body.get("order_ids"))
    db.session.commit()
    return jsonify(fapiao.request_json(made)), 201


@bp.get("/invoice-requests/<id:request_id>/fapiao.pdf")
@require_customer_token
def get_fapiao_pdf(request_id: int) -> ResponseReturnValue:
    return download(downloads.fapiao_pdf(api_customer(), request_id))
