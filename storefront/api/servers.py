"""What a server is bought with (#17): ``GET /images``, ``GET /availability-zones``,
``GET /subnets``,
``GET/POST /key-pairs``, ``DELETE /key-pairs/<name>``. Thin: parse, call
:mod:`storefront.servers.services`, render; its errors are answered by the app's handler."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from storefront.api import bp
from storefront.api.auth import api_customer, require_customer_token
from storefront.cloud.interface import KeyPair
from storefront.errors import ApiError
from storefront.extensions import db
from storefront.renewals import services as renewal_services
from storefront.servers import live, services


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(422, "invalid_input", "A JSON object is required.")
    return body


def _region(value: object) -> str:
    return services.region_code(value)


def _region_and_spec() -> tuple[str, str | None]:
    """``?region=`` and the optional ``?spec=`` (checked against the region) of a listing."""
    region = _region(request.args.get("region"))
    spec = request.args.get("spec")
    return region, None if spec is None else services.server_spec(region, spec)


def key_pair_json(pair: KeyPair) -> dict[str, Any]:
    return {"name": pair.name, "fingerprint": pair.fingerprint, "public_key": pair.public_key}


@bp.get("/images")
@require_customer_token
def list_images() -> ResponseReturnValue:
    found = services.images(api_customer(), *_region_and_spec())
    return jsonify(
        items=[
            {
                "id": i.image_id,
                "name": i.name,
                "os_type": i.os_type,
                "version": i.os_version,
                "min_disk_gb": i.min_disk_gb,
            }
            for i in found
        ]
    )


@bp.get("/availability-zones")
@require_customer_token
def list_zones() -> ResponseReturnValue:
    found = services.zones(api_customer(), *_region_and_spec())
    return jsonify(items=[{"code": z.code, "name": z.name} for z in found])


@bp.get("/subnets")
@require_customer_token
def list_subnets() -> ResponseReturnValue:
    region = _region(request.args.get("region"))
    found = services.subnets(api_customer(), region)
    return jsonify(
        items=[
            {"id": n.subnet_id, "vpc_id": n.vpc_id, "name": n.name, "cidr": n.cidr} for n in found
        ]
    )


@bp.get("/key-pairs")
@require_customer_token
def list_key_pairs() -> ResponseReturnValue:
    region = _region(request.args.get("region"))
    pairs = services.key_pairs(api_customer(), region)
    return jsonify(items=[key_pair_json(k) for k in pairs])


@bp.post("/key-pairs")
@require_customer_token
def create_key_pair() -> ResponseReturnValue:
    body = _body()
    region = _region(body.get("region"))
    name, public_key = body.get("name"), body.get("public_key")
    made = services.create_key_pair(api_customer(), region, name, public_key)
    answer = key_pair_json(made)
    if made.private_key:  # generated: shown in this answer only
        answer["private_key"] = made.private_key
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    return response, 201


@bp.delete("/key-pairs/<name>")
@require_customer_token
def delete_key_pair(name: str) -> ResponseReturnValue:
    region = _region(request.args.get("region"))
    services.delete_key_pair(api_customer(), region, name)
    return "", 204


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def resource_detail(view: live.Live) -> dict[str, Any]:
    """The contract's resource detail, plus ``bandwidth_mbit``, ``created_at``, ``key_pair``,
    ``checked_at`` (when the provider was last read) and ``live`` (read within 30 s)."""
    r, state = view.resource, view.state
    return {
        "id": r.id,
        "product": r.product_code,
        "spec": r.spec_code,
        "region": r.region_code,
        "availability_zone": state.availability_zone if state else None,
        "status": view.status,
        "provider_status": view.provider_status,
        "name": r.name,
        "image": {"id": state.image_id, "name": state.image_name}
        if state and state.image_id
        else None,
        "key_pair": state.key_name if state else None,
        "private_ips": view.private_ips,
        "public_ips": view.public_ips,
        "disks": view.disks,
        "bandwidth_mbit": state.bandwidth_mbit if state else None,
        "created_at": _when(r.created_at),
        "expires_at": _when(view.expires_at),
        "days_left": view.days_left,
        "auto_renew": renewal_services.auto_renew_json(renewal_services.auto_renewal(r)),
        "billing_mode": r.billing_mode,
        "order_id": r.order_id,
        "provider_resource_id": r.provider_resource_id,
        "checked_at": _when(state.checked_at) if state else None,
        "live": view.current,
    }


@bp.get("/resources/<id:resource_id>")
@require_customer_token
def get_resource(resource_id: int) -> ResponseReturnValue:
    customer = api_customer()
    row = live.customer_resource(customer, resource_id)
    view = live.refresh(customer, [row])[row.id]
    db.session.commit()
    return jsonify(resource_detail(view))
