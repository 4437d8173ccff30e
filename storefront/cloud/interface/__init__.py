"""The one interface the rest of Storefront calls to reach the cloud provider.

Everything that crosses it is a frozen dataclass of plain Python values (money as
``Decimal``). No provider SDK type leaks out of ``storefront.cloud``. The value types live
beside the calls that use them (``types``, ``billing``); the calls are one protocol per
provider service area (``calls``), combined here into :class:`CloudProvider`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from storefront.cloud.interface.billing import (
    AdjustRecord,
    AgencySession,
    CreatedResources,
    DataDisk,
    Funding,
    IndirectPartner,
    IndirectPartnerPage,
    IssuedCoupon,
    Network,
    PartnerBalance,
    PartnerCoupon,
    PartnerCouponPage,
    ProviderOrder,
    ProviderOrderStatus,
    ProviderResource,
    PublicIpSpec,
    ResourceKind,
    ResourceRequest,
    UsageRecord,
)
from storefront.cloud.interface.calls import (
    BillingCalls,
    CatalogueCalls,
    ConsoleCalls,
    CustomerCalls,
    PartnerCalls,
)
from storefront.cloud.interface.errors import (
    CloudConfigError,
    CloudError,
    UpstreamRejected,
    UpstreamThrottled,
    UpstreamUnavailable,
)
from storefront.cloud.interface.servers import (
    ADMIN_PASSWORD_SPECIALS,
    SERVER_STATE,
    AttachedVolume,
    AvailabilityZone,
    Flavor,
    Image,
    KeyPair,
    PowerAction,
    PublicIpInfo,
    ServerCalls,
    ServerInfo,
    VolumeInfo,
    admin_password_problem,
)
from storefront.cloud.interface.types import (
    BankCard,
    ChargeMode,
    FreezeMode,
    IdentityCheck,
    IdentityDocument,
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
    VerifiedStatus,
)


@runtime_checkable
class CloudProvider(
    CustomerCalls,
    CatalogueCalls,
    BillingCalls,
    ConsoleCalls,
    PartnerCalls,
    ServerCalls,
    Protocol,
):
    """What Storefront asks of the cloud provider. Keyword arguments only."""


__all__ = [
    "ADMIN_PASSWORD_SPECIALS",
    "SERVER_STATE",
    "AdjustRecord",
    "AgencySession",
    "AttachedVolume",
    "AvailabilityZone",
    "BankCard",
    "BillingCalls",
    "CatalogueCalls",
    "ChargeMode",
    "CloudConfigError",
    "CloudError",
    "CloudProvider",
    "ConsoleCalls",
    "CreatedResources",
    "CustomerCalls",
    "DataDisk",
    "Flavor",
    "FreezeMode",
    "Funding",
    "IdentityCheck",
    "IdentityDocument",
    "IdentityKind",
    "Image",
    "IndirectPartner",
    "IndirectPartnerPage",
    "IssuedCoupon",
    "ItemPrice",
    "KeyPair",
    "Network",
    "NewSubCustomer",
    "PartnerBalance",
    "PartnerCalls",
    "PartnerCoupon",
    "PartnerCouponPage",
    "PeriodType",
    "PowerAction",
    "ProviderOrder",
    "ProviderOrderStatus",
    "ProviderResource",
    "PublicIpInfo",
    "PublicIpSpec",
    "Rating",
    "RatingItem",
    "RealnameReview",
    "RealnameSubmitted",
    "ResourceKind",
    "ResourceRequest",
    "ResourceSpec",
    "ReviewResult",
    "ServerCalls",
    "ServerInfo",
    "ServiceType",
    "SizeUnit",
    "SubCustomer",
    "SubCustomerPage",
    "UpstreamRejected",
    "UpstreamThrottled",
    "UpstreamUnavailable",
    "UsageRecord",
    "VerifiedStatus",
    "VolumeInfo",
    "admin_password_problem",
]
