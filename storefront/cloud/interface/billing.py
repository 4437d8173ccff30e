"""Value types of the billing calls: coupons, funding, orders, resources, usage, partners."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from storefront.cloud.interface.types import PeriodType

# ------------------------------------------------------------- coupons / vouchers (billing)


@dataclass(frozen=True, slots=True)
class IssuedCoupon:
    """One coupon ``create_partner_coupons`` issued: to ``customer_id``, as ``coupon_id``."""

    customer_id: str
    coupon_id: str


@dataclass(frozen=True, slots=True)
class PartnerCoupon:
    """A coupon the partner issued (``list_issued_partner_coupons``).

    ``status``: 1 not active, 2 usable, 3 used, 4 expired, 5 reclaimed.
    """

    coupon_id: str
    customer_id: str
    face_value: Decimal
    balance: Decimal | None
    status: int
    effective_time: datetime | None
    expire_time: datetime | None


@dataclass(frozen=True, slots=True)
class PartnerCouponPage:
    items: tuple[PartnerCoupon, ...]
    total: int


# --- funding, orders and resources (billing) ---  (value types; methods in the protocol)


class ResourceKind(enum.StrEnum):
    """What a storefront product creates at the provider."""

    ECS = "ecs"
    EVS = "evs"
    VPC = "vpc"
    EIP = "eip"


class ProviderOrderStatus(enum.StrEnum):
    UNPAID = "unpaid"  # pending payment (5)
    PROCESSING = "processing"  # paid, being delivered (2), or pending approval (1)
    COMPLETED = "completed"  # (4)
    CANCELLED = "cancelled"  # (3)


@dataclass(frozen=True, slots=True)
class AgencySession:
    """Temporary credentials in a customer's project, from the agency the customer granted."""

    customer_id: str
    region: str
    project_id: str
    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    security_token: str = field(repr=False)
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DataDisk:
    volume_type: str  # SATA | SAS | GPSSD | SSD …
    size_gb: int


@dataclass(frozen=True, slots=True)
class PublicIpSpec:
    """An EIP created with the server and bound to it, with dedicated bandwidth."""

    ip_type: str  # 5_bgp | 5_sbgp
    bandwidth_mbit: int


@dataclass(frozen=True, slots=True)
class ResourceRequest:
    """Create ``quantity`` resources of one spec. ``client_token`` makes a retry a no-op."""

    kind: ResourceKind
    region: str
    spec: str  # ECS flavour (``s6.large.2``), EVS volume type, EIP type (``5_bgp``), VPC: ``vpc``
    client_token: str
    name: str
    quantity: int = 1
    size: int | None = None  # EVS GB, EIP bandwidth Mbit/s
    prepaid: bool = True
    period: PeriodType | None = None
    period_count: int | None = None
    image_ref: str | None = None
    vpc_id: str | None = None
    subnet_id: str | None = None
    # A server's parts (#17); each absent one is left to the provider's default.
    availability_zone: str | None = None
    system_disk_type: str | None = None
    system_disk_size: int | None = None
    data_disks: tuple[DataDisk, ...] = ()
    public_ip: PublicIpSpec | None = None
    key_name: str | None = None
    # Sent in the create call only: never stored, logged or printed.
    admin_password: str | None = field(default=None, repr=False)
    security_group_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Funding:
    """One funding of a customer by the partner, as the provider recorded it
    (``list_partner_adjust_records``, operation type ``SOURCE_OPERATION_BEADJUST``)."""

    transfer_id: str
    customer_id: str
    amount: Decimal
    at: datetime | None


@dataclass(frozen=True, slots=True)
class Network:
    """A VPC and a subnet in a customer's project that new servers attach to."""

    vpc_id: str
    subnet_id: str


@dataclass(frozen=True, slots=True)
class CreatedResources:
    order_id: str | None  # None: nothing to pay (on-demand or free)
    resource_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProviderOrder:
    order_id: str
    customer_id: str
    status: ProviderOrderStatus
    amount: Decimal
    currency: str = "CNY"


@dataclass(frozen=True, slots=True)
class ProviderResource:
    resource_id: str
    customer_id: str
    region: str
    service_type: str
    resource_type: str
    spec: str
    name: str
    status: str  # creating | active | stopped | frozen | expired | released
    order_id: str | None = None
    expires_at: datetime | None = None
    prepaid: bool = True
    # yearly/monthly only (``OrderInstanceV2``): since when, attached to which primary
    # resource, and its expiry policy (3 auto-renew at the provider, 1 pay-per-use at expiry)
    effective_at: datetime | None = None
    parent_id: str | None = None
    auto_renew: bool = False
    on_demand_at_expiry: bool = False


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One on-demand fee record of a customer (``list_sub_customer_bill_detail``)."""

    record_id: str
    resource_id: str
    hours: Decimal
    official_amount: Decimal
    consumed_at: datetime | None = None


# --------------------------------------------------------------------------- partners


@dataclass(frozen=True)
class AdjustRecord:
    """One allocation or reclaim the provider carried out (``AdjustRecordV3``)."""

    trans_id: str
    customer_id: str
    kind: str  # allocate | reclaim | unbind_reclaim
    amount: Decimal
    operation_time: datetime | None


@dataclass(frozen=True)
class IndirectPartner:
    """A cloud reseller (tier 2) under the calling distributor."""

    indirect_partner_id: str
    account_name: str
    name: str | None = None
    email: str | None = None
    mobile: str | None = None
    associated_on: str | None = None


@dataclass(frozen=True)
class IndirectPartnerPage:
    items: tuple[IndirectPartner, ...]
    total: int


@dataclass(frozen=True)
class PartnerBalance:
    """One provider account balance (``account_type`` 1 cash, 2 credit, 5 bonus, 8 allocatable)."""

    account_type: int
    amount: Decimal
    currency: str = "CNY"
