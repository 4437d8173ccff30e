"""Price inquiries: on-demand per hour and prepaid per month or year.

Limits as documented (Partner Center API reference, "查询按需产品价格-ListOnDemandResourceRatings"
bcloud_01001 and "查询包年/包月产品价格-ListRateOnPeriodDetail" bcloud_01002,
support.huaweicloud.com/api-bpconsole/bcloud_0100{1,2}.html): ``product_infos`` is a
``List<…ProductInfo>`` of "最大个数:100" (at most 100 products per request), each ``id`` unique
within the request; each product names its own ``region`` (and, prepaid, its own
``period_type`` and ``period_num``), so one request may rate several regions and terms. A
request over the limit is answered like any malformed one: HTTP 400 ``CBC.0100`` (参数错误,
the first row of both pages' error-code tables); a product it does not sell: 400
``CBC.99006006`` (产品未发现, both tables). The SDK models (``RateOnDemandReq``,
``RateOnPeriodReq``) carry no count; the pages do.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import Blueprint, Response

from storefront.cloud.sandbox import prices
from storefront.cloud.sandbox.models import Account
from storefront.cloud.sandbox.state import caller_id, is_partner, sandbox_state
from storefront.cloud.sandbox.wire import ApiError, bad_request, body, field, respond

bp = Blueprint("sandbox_ratings", __name__)

HOUR_MEASURE_ID = 4
PERIOD_LIMITS = {2: 9, 3: 3}  # months 1..9, years 1..3
PARTNER_DISCOUNT_TYPE = 607
MAX_PRODUCT_INFOS = 100  # "最大个数:100" (bcloud_01001, bcloud_01002)


@dataclass(frozen=True, slots=True)
class Line:
    id: str
    product: prices.Product
    region: str
    size: int
    quantity: int


def _discount_rate() -> Decimal:
    """The price a rating answers is the calling tenant's (../shared/PROVIDER.md, "Credentials"):
    a customer asking in its own project (the partner acting through the agency) gets its own
    discounts; a partner asking with its own keys gets the list price, never a partner discount
    (a partner's discount is not what its customers are charged)."""
    with sandbox_state().db.session() as s:
        account = s.get(Account, caller_id())
        if account is None:
            raise ApiError(403, "CBC.0151", "Access denied.")
        return Decimal(1) if is_partner(account) else account.discount_rate


def _lines(data: dict[str, Any]) -> list[tuple[Line, dict[str, Any]]]:
    field(data, "project_id", str, required=True)
    infos = data.get("product_infos")
    if not isinstance(infos, list) or not 1 <= len(infos) <= MAX_PRODUCT_INFOS:
        raise bad_request(f"product_infos must hold 1 to {MAX_PRODUCT_INFOS} products.")
    changed = sandbox_state().price_changes
    seen: set[str] = set()
    lines = []
    for info in infos:
        if not isinstance(info, dict):
            raise bad_request("product_infos entries must be objects.")
        line_id = field(info, "id", str, required=True)
        if line_id in seen:
            raise bad_request(f"Duplicate id {line_id} in product_infos.")
        seen.add(line_id)
        region = field(info, "region", str, required=True)
        service = field(info, "cloud_service_type", str, required=True)
        resource = field(info, "resource_type", str, required=True)
        spec = field(info, "resource_spec", str, required=True)
        if region not in prices.REGIONS:
            raise bad_request(f"Region {region} is not supported.")
        product = changed.get((service, resource, spec)) or prices.find(service, resource, spec)
        if product is None:
            raise bad_request(
                f"The product {service}/{resource}/{spec} does not exist.", "CBC.99006006"
            )
        quantity = field(info, "subscription_num", int, required=True)
        if not 1 <= quantity <= 500:
            raise bad_request("subscription_num must be between 1 and 500.")
        size = 1
        if product.size_measure_id is not None:
            size = field(info, "resource_size", int, required=True)
            if field(info, "size_measure_id", int, required=True) != product.size_measure_id:
                raise bad_request(f"size_measure_id must be {product.size_measure_id} for {spec}.")
            if not product.min_size <= size <= product.max_size:
                raise bad_request(
                    f"resource_size of {spec} must be between {product.min_size} and "
                    f"{product.max_size}."
                )
        lines.append((Line(line_id, product, region, size, quantity), info))
    return lines


def _q(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP).normalize() + 0


def _official(line: Line, units: Decimal, *, monthly: bool) -> Decimal:
    factor = prices.REGIONS[line.region][1]
    return (
        prices.unit_price(line.product, line.size, monthly=monthly)
        * units
        * line.quantity
        * (factor)
    )


@bp.post("/v2/bills/ratings/on-demand-resources")
def rate_on_demand() -> Response:
    data = body()
    precision = field(data, "inquiry_precision", int) or 0
    places = 10 if precision == 1 else 6
    rate = _discount_rate()
    results: list[dict[str, Any]] = []
    total, paid = Decimal(0), Decimal(0)
    for line, info in _lines(data):
        factor = str(field(info, "usage_factor", str, required=True))
        hours = field(info, "usage_value", Decimal, required=True)
        if factor.lower() not in ("duration", "upflow") or hours <= 0:
            raise bad_request("usage_factor must be Duration with a positive usage_value.")
        if field(info, "usage_measure_id", int, required=True) != HOUR_MEASURE_ID:
            raise bad_request("usage_measure_id must be 4 (hour).")
        official = _q(_official(line, hours, monthly=False), places)
        amount = _q(official * rate, places)
        total, paid = total + official, paid + amount
        results.append(
            {
                "id": line.id,
                "product_id": _product_id(line.product),
                "amount": amount,
                "discount_amount": official - amount,
                "official_website_amount": official,
                "measure_id": prices.MEASURE_YUAN,
                "discount_rating_results": [_discount(official - amount)]
                if official != amount
                else [],
            }
        )
    return respond(
        {
            "amount": paid,
            "discount_amount": total - paid,
            "official_website_amount": total,
            "measure_id": prices.MEASURE_YUAN,
            "currency": prices.CURRENCY,
            "product_rating_results": results,
        }
    )


def _product_id(product: prices.Product) -> str:
    return "OFFI" + product.spec.upper().replace(".", "").replace("_", "")


def _discount(amount: Decimal) -> dict[str, Any]:
    return {
        "discount_id": "partner-discount",
        "discount_type": PARTNER_DISCOUNT_TYPE,
        "amount": amount,
        "measure_id": prices.MEASURE_YUAN,
        "discount_name": "Partner discount",
    }


@bp.post("/v2/bills/ratings/period-resources/subscribe-rate")
def rate_period() -> Response:
    data = body()
    rate = _discount_rate()
    official_items: list[dict[str, Any]] = []
    discount_items: list[dict[str, Any]] = []
    total, paid = Decimal(0), Decimal(0)
    for line, info in _lines(data):
        period_type = field(info, "period_type", int, required=True)
        count = field(info, "period_num", int, required=True)
        if period_type not in PERIOD_LIMITS:
            raise bad_request("period_type must be 2 (month) or 3 (year).")
        if not 1 <= count <= PERIOD_LIMITS[period_type]:
            raise bad_request(f"period_num must be between 1 and {PERIOD_LIMITS[period_type]}.")
        months = Decimal(count) * (prices.YEAR_IN_MONTHS if period_type == 3 else 1)
        official = _q(_official(line, months, monthly=True), 2)
        amount = _q(official * rate, 2)
        total, paid = total + official, paid + amount
        product_id = _product_id(line.product)
        common = {
            "id": line.id,
            "product_id": product_id,
            "official_website_amount": official,
            "measure_id": prices.MEASURE_YUAN,
        }
        official_items.append(common)
        discount_items.append({**common, "amount": amount, "discount_amount": official - amount})
    offers = []
    if paid != total:
        offers.append(
            {
                "discount_id": "partner-discount",
                "amount": paid,
                "official_website_amount": total,
                "discount_amount": total - paid,
                "measure_id": prices.MEASURE_YUAN,
                "discount_type": PARTNER_DISCOUNT_TYPE,
                "discount_name": "Partner discount",
                "best_offer": 1,
                "product_rating_results": discount_items,
            }
        )
    return respond(
        {
            "official_website_rating_result": {
                "official_website_amount": total,
                "measure_id": prices.MEASURE_YUAN,
                "product_rating_results": official_items,
            },
            "optional_discount_rating_results": offers,
            "currency": prices.CURRENCY,
        }
    )
