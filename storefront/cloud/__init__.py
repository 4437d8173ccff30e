"""The provider boundary: one interface, the Huawei Cloud client, and the sandbox.

Only this package imports a provider SDK. Callers use :func:`build_provider` and the
names of :mod:`storefront.cloud.interface`.
"""

from storefront.cloud.interface import (
    ChargeMode,
    CloudConfigError,
    CloudError,
    CloudProvider,
    FreezeMode,
    IdentityCheck,
    IdentityKind,
    ItemPrice,
    NewSubCustomer,
    PeriodType,
    Rating,
    RatingItem,
    RealnameReview,
    RealnameSubmitted,
    ResourceSpec,
    ReviewResult,
    ServiceType,
    SizeUnit,
    SubCustomer,
    SubCustomerPage,
    UpstreamRejected,
    UpstreamThrottled,
    UpstreamUnavailable,
    VerifiedStatus,
)
from storefront.cloud.settings import CloudSettings


def build_provider(settings: CloudSettings) -> CloudProvider:
    """The Huawei Cloud client; in the sandbox profile its endpoints are the sandbox's."""
    # imported here, not at the top: the Huawei SDK core is ~700 modules (~0.8 s), which
    # importing storefront.cloud (the interface, the sandbox) does not need
    from storefront.cloud.huawei import HuaweiCloudProvider

    return HuaweiCloudProvider(settings)


__all__ = [
    "ChargeMode",
    "CloudConfigError",
    "CloudError",
    "CloudProvider",
    "CloudSettings",
    "FreezeMode",
    "IdentityCheck",
    "IdentityKind",
    "ItemPrice",
    "NewSubCustomer",
    "PeriodType",
    "Rating",
    "RatingItem",
    "RealnameReview",
    "RealnameSubmitted",
    "ResourceSpec",
    "ReviewResult",
    "ServiceType",
    "SizeUnit",
    "SubCustomer",
    "SubCustomerPage",
    "UpstreamRejected",
    "UpstreamThrottled",
    "UpstreamUnavailable",
    "VerifiedStatus",
    "build_provider",
]
