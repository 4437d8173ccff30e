"""Partner coupons: issue (``create_partner_coupons``), reclaim, list issued."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storefront.cloud.sandbox.coupon_models import (
    SANDBOX_QUOTA_AMOUNT,
    SANDBOX_QUOTA_ID,
    CouponQuota,
    PartnerCoupon,
)
from storefront.cloud.sandbox.models import Account, utcnow
from storefront.cloud.sandbox.state import caller_id, is_partner, sandbox_state
from storefront.cloud.sandbox.wire import ApiError, bad_request, body, field, respond

bp = Blueprint("sandbox_coupons", __name__)
_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def _partner(s: Session) -> Account:
    account = s.get(Account, caller_id())
    if account is None or not is_partner(account):
        raise ApiError(403, "CBC.0151", "Access denied.")
    return account


def _time(data: dict[str, Any], name: str) -> datetime | None:
    raw = field(data, name, str)
    if raw is None:
        return None
    try:
        return datetime.strptime(raw, _FORMAT)
    except ValueError:
        raise bad_request(f"{name} must look like 2019-05-06T08:05:01Z.") from None


def _quota(s: Session, partner: Account, quota_id: str) -> CouponQuota:
    quota = s.scalar(
        select(CouponQuota).where(
            CouponQuota.quota_id == quota_id, CouponQuota.partner_id == partner.domain_id
        )
    )
    if quota is None and quota_id == SANDBOX_QUOTA_ID:
        quota = CouponQuota(
            quota_id=quota_id, partner_id=partner.domain_id, remaining=SANDBOX_QUOTA_AMOUNT
        )
        s.add(quota)
        s.flush()
    if quota is None:
        raise ApiError(400, "CBC.99003651", "The coupon quota does not exist.")
    return quota


@bp.post("/v2/promotions/benefits/partner-coupons")
def create_partner_coupons() -> Response:
    data = body()
    quota_id = field(data, "quota_id", str, required=True)
    customer_ids = data.get("customer_ids")
    if not isinstance(customer_ids, list) or not customer_ids or len(customer_ids) > 100:
        raise bad_request("customer_ids must list 1..100 customers.")
    face_value = field(data, "face_value", Decimal, required=True)
    if face_value <= 0 or face_value != face_value.quantize(Decimal("0.01")):
        raise bad_request("face_value must be greater than 0 with at most 2 decimals.")
    now = utcnow()
    valid = _time(data, "valid_time") or now
    expire = _time(data, "expire_time")
    if expire is None or expire <= valid:
        raise bad_request("expire_time must be after valid_time.")
    services = data.get("cloud_service_types") or []
    if not isinstance(services, list) or len(services) > 10:
        raise bad_request("cloud_service_types lists at most 10 services.")
    infos: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    with sandbox_state().db.session() as s:
        partner = _partner(s)
        quota = _quota(s, partner, quota_id)
        for customer_id in customer_ids:
            customer = s.get(Account, str(customer_id))
            if customer is None or customer.parent_id != partner.domain_id:
                errors.append(
                    {
                        "id": customer_id,
                        "error_code": "CBC.0156",
                        "error_msg": "The customer is not associated with the partner.",
                    }
                )
                continue
            if quota.remaining < face_value:
                errors.append(
                    {
                        "id": customer_id,
                        "error_code": "CBC.99003652",
                        "error_msg": "The coupon quota is insufficient.",
                    }
                )
                continue
            quota.remaining -= face_value
            coupon_id = f"CP{secrets.token_hex(8).upper()}"
            s.add(
                PartnerCoupon(
                    coupon_id=coupon_id,
                    partner_id=partner.domain_id,
                    customer_id=customer.domain_id,
                    quota_id=quota_id,
                    face_value=face_value,
                    balance=face_value,
                    effective_time=valid,
                    expire_time=expire,
                    cloud_service_types=",".join(str(x) for x in services) or None,
                    memo=field(data, "memo", str),
                )
            )
            infos.append({"id": customer.domain_id, "coupon_id": coupon_id})
    return respond({"coupon_infos": infos, "error_details": errors})


@bp.post("/v2/promotions/benefits/partner-coupons/reclaim")
def reclaim_partner_coupons() -> Response:
    data = body()
    coupon_id = field(data, "coupon_id", str, required=True)
    with sandbox_state().db.session() as s:
        partner = _partner(s)
        coupon = s.get(PartnerCoupon, coupon_id)
        if coupon is None or coupon.partner_id != partner.domain_id:
            raise ApiError(400, "CBC.99003661", "The coupon does not exist.")
        if coupon.status == 5:
            raise ApiError(400, "CBC.99003662", "The coupon has already been reclaimed.")
        coupon.status = 5
        quota = s.scalar(
            select(CouponQuota).where(
                CouponQuota.quota_id == coupon.quota_id,
                CouponQuota.partner_id == partner.domain_id,
            )
        )
        if quota is not None:
            quota.remaining += coupon.balance
    return Response(status=204)


@bp.get("/v2/promotions/benefits/partner-coupons")
def list_issued_partner_coupons() -> Response:
    args = request.args
    try:
        offset = int(args.get("offset", 0))
        limit = int(args.get("limit", 10))
    except ValueError:
        raise bad_request("offset and limit must be integers.") from None
    if offset < 0 or not 1 <= limit <= 100:
        raise bad_request("limit must be 1..100.")
    with sandbox_state().db.session() as s:
        partner = _partner(s)
        query = select(PartnerCoupon).where(PartnerCoupon.partner_id == partner.domain_id)
        if args.get("customer_id"):
            query = query.where(PartnerCoupon.customer_id == args["customer_id"])
        if args.get("coupon_id"):
            query = query.where(PartnerCoupon.coupon_id == args["coupon_id"])
        total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = s.scalars(
            query.order_by(PartnerCoupon.created_at.desc()).offset(offset).limit(limit)
        ).all()
        items = [
            {
                "coupon_id": c.coupon_id,
                "customer_id": c.customer_id,
                "status": c.status,
                "coupon_type": 4,
                "face_value": c.face_value,
                "balance": c.balance,
                "effective_time": c.effective_time.strftime(_FORMAT),
                "expire_time": c.expire_time.strftime(_FORMAT),
                "create_time": c.created_at.strftime(_FORMAT),
            }
            for c in rows
        ]
    return respond({"total_count": total, "user_coupons": items})
