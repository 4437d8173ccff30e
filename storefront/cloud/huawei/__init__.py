"""``CloudProvider`` on the official Huawei Cloud Python SDK, one module per provider service.

:class:`HuaweiCloudProvider` is the sum of the service mixins; each holds the calls of one
area (``customers``, ``realname``, ``catalogue``, ``orders``, ``coupons``, ``partners``,
``auth``, ``resources`` with ``ecs``/``evs``/``network``, ``ims``, ``kps``, ``renewals``,
``tickets``) on the shared :mod:`.base`.
"""

from __future__ import annotations

from storefront.cloud.huawei.auth import AuthCalls
from storefront.cloud.huawei.base import credentials, http_config
from storefront.cloud.huawei.catalogue import CatalogueCalls
from storefront.cloud.huawei.coupons import CouponCalls
from storefront.cloud.huawei.customers import CustomerCalls
from storefront.cloud.huawei.ims import ImageCalls
from storefront.cloud.huawei.kps import KeyPairCalls
from storefront.cloud.huawei.orders import (
    ON_DEMAND_RESOURCE_STATUS,
    ORDER_STATUS,
    ORDER_STATUS_CHANGED,
    PREPAID_RESOURCE_STATUS,
    OrderCalls,
    order_status,
    resource_status,
)
from storefront.cloud.huawei.partners import PartnerCalls
from storefront.cloud.huawei.realname import RealnameCalls
from storefront.cloud.huawei.renewals import RenewalCalls
from storefront.cloud.huawei.resources import ResourceCalls
from storefront.cloud.huawei.tickets import TicketCalls


class HuaweiCloudProvider(
    CustomerCalls,
    RealnameCalls,
    CatalogueCalls,
    OrderCalls,
    ResourceCalls,
    ImageCalls,
    KeyPairCalls,
    CouponCalls,
    AuthCalls,
    PartnerCalls,
    RenewalCalls,
    TicketCalls,
):
    """The Huawei Cloud client. Points at whatever endpoints ``settings`` names."""


__all__ = [
    "ON_DEMAND_RESOURCE_STATUS",
    "ORDER_STATUS",
    "ORDER_STATUS_CHANGED",
    "PREPAID_RESOURCE_STATUS",
    "HuaweiCloudProvider",
    "credentials",
    "http_config",
    "order_status",
    "resource_status",
]
