"""Top-ups through the API: ``POST /api/v1/wallet/topups`` ``{amount, method}`` with
``method`` ``alipay`` | ``wechat`` (a pending top-up and where to pay it: ``pay_url`` for
Alipay's cashier, ``qr_code`` for WeChat Pay's Native QR) or ``bank_transfer`` (the store's
bank details and the customer's transfer reference, to claim afterwards); and
``GET /api/v1/wallet/topups/<reference>`` (asks the gateway while it is still pending).

An ``Idempotency-Key`` header makes a retried request return the first top-up.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from storefront.api import bp
from storefront.api.auth import api_customer, require_customer_token
from storefront.api.errors import ApiError
from storefront.billing import ledger, remittance, topup
from storefront.billing.errors import WrongStore
from storefront.billing.idempotency import MAX_KEY_LENGTH
from storefront.billing.models import Topup, TopupStatus
from storefront.extensions import db
from storefront.payments import gateway as gateways
from storefront.payments import services

METHODS = ("alipay", "wechat", "bank_transfer")


def _topup_json(found: Topup) -> dict[str, Any]:
    charge = services.charge_of(found)
    body: dict[str, Any] = {
        "reference": found.reference,
        "status": found.status.value,
        "method": found.gateway,
        "amount": ledger.format_amount(found.amount),
        "currency": found.currency,
        "created_at": found.created_at.isoformat(),
        "paid_at": found.paid_at.isoformat() if found.paid_at else None,
    }
    if charge is not None and found.status is TopupStatus.PENDING:
        if charge.pay_url:
            body["pay_url"] = charge.pay_url
        if charge.qr_code:
            body["qr_code"] = charge.qr_code
    return body


def _bank_transfer(amount: Any) -> ResponseReturnValue:
    customer = api_customer()
    info = remittance.remittance_instructions(customer)
    if "offline" not in info["methods"]:
        raise ApiError(
            422,
            "method_not_offered",
            "This store does not take bank transfers.",
            {"method": "not offered"},
        )
    value = ledger.parse_amount(amount)
    return jsonify(
        reference=info["reference"], status="awaiting_transfer", method="bank_transfer",
        amount=ledger.format_amount(value), currency=info["currency"],
        bank={"name": info["bank_name"], "account": info["bank_account"],
              "holder": info["bank_holder"], "reference": info["reference"]},
    ), 201  # fmt: skip


@bp.post("/wallet/topups")
@require_customer_token
def create_topup() -> ResponseReturnValue:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_input", "Send a JSON object.")
    method = body.get("method")
    if method not in METHODS:
        raise ApiError(422, "invalid_input", "Unknown method.", {"method": " | ".join(METHODS)})
    if "amount" not in body or isinstance(body["amount"], bool | float | dict | list):
        raise ApiError(
            422,
            "invalid_input",
            "The amount is a decimal string.",
            {"amount": 'required, e.g. "100.00"'},
        )
    if method == "bank_transfer":
        return _bank_transfer(body["amount"])
    key = (request.headers.get("Idempotency-Key") or "").strip() or uuid.uuid4().hex
    if len(key) > MAX_KEY_LENGTH:
        raise ApiError(
            422,
            "invalid_input",
            "Bad Idempotency-Key header.",
            {"Idempotency-Key": f"1 to {MAX_KEY_LENGTH} characters"},
        )
    try:  # the adapter itself may reach the gateway (WeChat Pay's certificates)
        found = services.start(api_customer(), str(body["amount"]), key, str(method))
        db.session.commit()
        services.open_charge(found)
    except gateways.GatewayError:
        db.session.rollback()
        raise ApiError(
            502, "gateway_unavailable", "The payment service did not answer. Try again later."
        ) from None
    db.session.commit()
    return jsonify(_topup_json(found)), 201


@bp.get("/wallet/topups/<reference>")
@require_customer_token
def get_topup(reference: str) -> ResponseReturnValue:
    try:
        found = topup.topup_for(api_customer(), reference[:40])
    except WrongStore:
        raise ApiError(404, "not_found", "No such top-up.") from None
    if found.status is TopupStatus.PENDING and found.gateway in services.ONLINE:
        try:
            services.sync(found)
            db.session.commit()
        except gateways.GatewayError:
            db.session.rollback()  # answer what we know; the notification will come
        found = topup.topup_for(api_customer(), reference[:40])
    return jsonify(_topup_json(found))
