"""Catalogue: service types and resource specs."""

from __future__ import annotations

from flask import Blueprint, Response, request

from storefront.cloud.sandbox import prices
from storefront.cloud.sandbox.wire import bad_request, body, field, respond

bp = Blueprint("sandbox_products", __name__)

_CHINESE = {code: zh for code, _en, zh, _abbr in prices.SERVICE_TYPES}


def _english() -> bool:
    """The provider reads ``X-Language`` case-insensitively (zh_cn or en_us; default zh_cn)."""
    return request.headers.get("X-Language", "zh_cn").lower() == "en_us"


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise bad_request(f"{name} must be an integer.") from None


@bp.get("/v2/products/service-types")
def list_service_types() -> Response:
    limit, offset = _int_arg("limit", 10), _int_arg("offset", 0)
    if offset < 0 or not 1 <= limit <= 100:
        raise bad_request("offset must be >= 0 and limit between 1 and 100.")
    english = _english()
    needle = request.args.get("service_type_name", "").lower()
    matching = [
        {
            "service_type_name": en if english else zh,
            "service_type_code": code,
            "abbreviation": abbr,
        }
        for code, en, zh, abbr in prices.SERVICE_TYPES
        if not needle or needle in en.lower() or needle in zh.lower()
    ]
    return respond(
        {"total_count": len(matching), "service_types": matching[offset : offset + limit]}
    )


@bp.post("/v2/products/resource-specs-query")
def list_resource_specs() -> Response:
    data = body()
    service_type = field(data, "cloud_service_type", str, required=True)
    resource_type = field(data, "resource_type", str, required=True)
    region = field(data, "region_code", str, required=True)
    charge_mode = str(field(data, "charge_mode", str, required=True))
    limit = field(data, "limit", int) or 100
    marker = field(data, "marker", str) or "0"
    if charge_mode not in ("1", "3"):
        raise bad_request("charge_mode must be 1 (period) or 3 (on demand).")
    if region not in prices.REGIONS:
        raise bad_request(f"Region {region} is not supported.")
    if not 1 <= limit <= 100 or not marker.isdigit():
        raise bad_request("limit must be between 1 and 100 and marker one returned before.")
    english = _english()
    service_name = next(
        (
            en if english else zh
            for code, en, zh, _a in prices.SERVICE_TYPES
            if code == service_type
        ),
        service_type,
    )
    specs = [
        {
            "cloud_service_type": p.service_type,
            "cloud_service_type_name": service_name,
            "resource_type": p.resource_type,
            "resource_type_name": (
                prices.RESOURCE_TYPE_NAMES if english else prices.RESOURCE_TYPE_NAMES_ZH
            ).get(p.resource_type),
            "resource_spec": p.spec,
            "resource_spec_name": p.localized_name(english),
            "charge_mode": charge_mode,
            "region_code": region,
        }
        for p in prices.CATALOGUE
        if p.service_type == service_type and p.resource_type == resource_type
    ]
    start = int(marker)
    page = specs[start : start + limit]
    following = start + limit if start + limit < len(specs) else None
    return respond(
        {
            "page_info": {"next_marker": str(following) if following is not None else None},
            "cloud_service_basics": page,
        }
    )
