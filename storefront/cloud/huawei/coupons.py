"""Partner coupons issued to customers (BSS)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from huaweicloudsdkbss.v2 import model as m

from storefront.cloud.huawei.base import HuaweiBase, dec, parse_time, utc_text
from storefront.cloud.interface import (
    IssuedCoupon,
    PartnerCoupon,
    PartnerCouponPage,
    UpstreamRejected,
)


class CouponCalls(HuaweiBase):
    """Issue, reclaim and list partner coupons."""

    def create_partner_coupons(
        self,
        *,
        quota_id: str,
        customer_ids: Sequence[str],
        face_value: Decimal,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
        cloud_service_types: Sequence[str] = (),
        product_ids: Sequence[str] = (),
        memo: str | None = None,
    ) -> tuple[IssuedCoupon, ...]:
        body = m.CreatePartnerCouponsReq(
            quota_id=quota_id,
            customer_ids=list(customer_ids),
            face_value=face_value,
            valid_time=utc_text(valid_from),
            expire_time=utc_text(valid_until),
            cloud_service_types=list(cloud_service_types) or None,
            product_ids=list(product_ids) or None,
            memo=memo,
        )
        req = m.CreatePartnerCouponsRequest(body=body)
        resp = self._call(
            "create_partner_coupons",
            lambda: self._bss.create_partner_coupons(req),
            idempotent=False,
        )
        issued = tuple(
            IssuedCoupon(customer_id=str(c.id), coupon_id=str(c.coupon_id))
            for c in resp.coupon_infos or ()
        )
        if not issued:
            detail = (resp.error_details or [None])[0]
            raise UpstreamRejected(
                str(getattr(detail, "error_code", None) or "CBC.0999"),
                str(getattr(detail, "error_msg", None) or "no coupon issued"),
                status=200,
            )
        return issued

    def reclaim_partner_coupons(self, *, coupon_id: str) -> None:
        req = m.ReclaimPartnerCouponsRequest(body=m.ReclaimPartnerCouponsReq(coupon_id=coupon_id))
        self._call("reclaim_partner_coupons", lambda: self._bss.reclaim_partner_coupons(req))

    def list_issued_partner_coupons(
        self,
        *,
        customer_id: str | None = None,
        coupon_id: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> PartnerCouponPage:
        req = m.ListIssuedPartnerCouponsRequest(
            customer_id=customer_id, coupon_id=coupon_id, offset=offset, limit=limit
        )
        resp = self._call(
            "list_issued_partner_coupons", lambda: self._bss.list_issued_partner_coupons(req)
        )
        return PartnerCouponPage(
            items=tuple(
                PartnerCoupon(
                    coupon_id=str(c.coupon_id),
                    customer_id=str(c.customer_id),
                    face_value=dec(c.face_value),
                    balance=dec(c.balance) if c.balance is not None else None,
                    status=int(c.status or 0),
                    effective_time=parse_time(c.effective_time),
                    expire_time=parse_time(c.expire_time),
                )
                for c in resp.user_coupons or ()
            ),
            total=int(resp.total_count or 0),
        )
