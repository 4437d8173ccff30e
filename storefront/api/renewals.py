"""Keeping a resource (#18): ``GET /api/v1/resources/<id>/renewal-price``,
``POST …/renew``, ``PUT …/auto-renew``, ``PUT …/expiry-policy``, ``GET …/unsubscribe-quote``,
``POST …/unsubscribe``."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from storefront.api import bp
from storefront.api.auth import api_customer, require_customer_token
from storefront.api.billing import _idempotency_key, _json_object
from storefront.extensions import db
from storefront.renewals import expiry, pricing, services, unsubscribe


@bp.get("/resources/<id:resource_id>/renewal-price")
@require_customer_token
def renewal_price(resource_id: int) -> ResponseReturnValue:
    customer = api_customer()
    resource = services.customer_resource(customer, resource_id)
    found = pricing.quote(
        customer, resource, request.args.get("period_type", "month"),
        request.args.get("period", "1"),
    )  # fmt: skip
    db.session.commit()  # the expiry learnt from the provider
    return jsonify(found.json())


@bp.post("/resources/<id:resource_id>/renew")
@require_customer_token
def renew(resource_id: int) -> ResponseReturnValue:
    customer = api_customer()
    body = _json_object()
    result = services.renew(
        customer, resource_id, body.get("period_type"), body.get("period"), _idempotency_key()
    )
    services.carry_out(int(result["order_id"]), customer.store_id)
    return jsonify(result), 201


@bp.put("/resources/<id:resource_id>/auto-renew")
@require_customer_token
def auto_renew(resource_id: int) -> ResponseReturnValue:
    customer = api_customer()
    body = _json_object()
    row = services.set_auto_renew(
        customer, resource_id, body.get("enabled"), body.get("period_type"), body.get("period")
    )
    db.session.commit()
    return jsonify(auto_renew=services.auto_renew_json(row))


@bp.put("/resources/<id:resource_id>/expiry-policy")
@require_customer_token
def expiry_policy(resource_id: int) -> ResponseReturnValue:
    customer = api_customer()
    row = expiry.set_expiry_policy(customer, resource_id, _json_object().get("at_expiry"))
    db.session.commit()
    return jsonify(expiry_policy=expiry.expiry_json(row))


@bp.get("/resources/<id:resource_id>/unsubscribe-quote")
@require_customer_token
def unsubscribe_quote(resource_id: int) -> ResponseReturnValue:
    customer = api_customer()
    resource = services.customer_resource(customer, resource_id)
    return jsonify(unsubscribe.quote(resource).json())


@bp.post("/resources/<id:resource_id>/unsubscribe")
@require_customer_token
def unsubscribe_resource(resource_id: int) -> ResponseReturnValue:
    customer = api_customer()
    result = unsubscribe.request(customer, resource_id, _idempotency_key())
    unsubscribe.carry_out(int(result["unsubscription_id"]), customer.store_id)
    return jsonify(unsubscribe.status_json(int(result["unsubscription_id"])))
