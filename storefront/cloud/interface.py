"""The one interface the rest of Storefront calls to reach the cloud provider.

Everything that crosses it is a frozen dataclass of plain Python values (money as
``Decimal``). No provider SDK type leaks out of ``storefront.cloud``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from storefront.cloud.renewals import PaidTerm, RefundQuote, RenewalPrice, Unsubscribed

# --------------------------------------------------------------------------- errors


class CloudError(Exception):
    """Base of every error raised by a cloud provider."""


class CloudConfigError(CloudError):
    """Settings are missing or inconsistent; raised at start-up, never retried."""


class UpstreamUnavailable(CloudError):
    """The provider could not be reached or failed (refused, timeout, 5xx): retryable."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class UpstreamThrottled(UpstreamUnavailable):
    """The provider refused the call for its per-second quota (HTTP 429, or the documented
    "too frequent" code): nothing was done, so even a non-idempotent call may be sent again."""


class UpstreamRejected(CloudError):
    """The provider answered and refused the request (4xx) with its own error code."""

    def __init__(self, code: str, message: str, *, status: int) -> None:
        super().__init__(f"{code}: {message} (HTTP {status})")
        self.code = code
        self.message = message
        self.status = status


# --------------------------------------------------------------------------- enums


class IdentityKind(enum.StrEnum):
    """What ``check_user_identity`` looks up (the provider's ``search_type``)."""

    NAME = "name"
    MOBILE = "mobile"
    EMAIL = "email"


class VerifiedStatus(enum.IntEnum):
    """Real-name status of a provider account."""

    UNVERIFIED = -1
    REVIEWING = 0
    REJECTED = 1
    VERIFIED = 2


class ChargeMode(enum.StrEnum):
    """Billing mode of a spec in the catalogue."""

    PERIOD = "1"  # yearly / monthly
    ON_DEMAND = "3"


class PeriodType(enum.IntEnum):
    """Unit of a prepaid period."""

    MONTH = 2
    YEAR = 3


class FreezeMode(enum.StrEnum):
    """What a freeze covers at the provider (``freeze_type`` / ``unfreeze_type``)."""

    ACCOUNT = "ACCOUNT"
    ACCOUNT_AND_RESOURCE = "ACCOUNT_AND_RESOURCE"


class SizeUnit(enum.IntEnum):
    """Measure of a linear product's size (the provider's ``size_measure_id``)."""

    COUNT = 14
    MBIT_S = 15
    GB = 17


# --------------------------------------------------------------------------- customers


@dataclass(frozen=True, slots=True)
class IdentityCheck:
    available: bool
    mobile_remaining: int | None = None


@dataclass(frozen=True, slots=True)
class NewSubCustomer:
    customer_id: str
    account_name: str


@dataclass(frozen=True, slots=True)
class SubCustomer:
    customer_id: str
    account_name: str
    associated_on: datetime | None
    association_type: str | None
    verified_status: VerifiedStatus
    frozen: bool
    xaccount_id: str | None = None
    xaccount_type: str | None = None
    mobile: str | None = None
    email: str | None = None
    realname: str | None = None
    customer_type: int | None = None


@dataclass(frozen=True, slots=True)
class SubCustomerPage:
    items: tuple[SubCustomer, ...]
    total: int


# --------------------------------------------------------------------------- real-name


class ReviewResult(enum.IntEnum):
    """``show_realname_authentication_review_result``'s ``review_result``."""

    REVIEWING = 0
    REJECTED = 1
    PASSED = 2


@dataclass(frozen=True, slots=True)
class RealnameSubmitted:
    manual_review: bool


class IdentityDocument(enum.IntEnum):
    """The documented ``verified_type`` values of an individual's identity-document route
    (``identify_type`` 0); each takes three images in the order the SDK's field doc gives."""

    PASSPORT = 3  # data page, entry stamp page, holding the data page
    HK_MACAO_PERMIT = 5  # front (portrait), back, holding the front
    TAIWAN_PERMIT = 6  # front (portrait), back, holding the front
    HK_MACAO_RESIDENCE = 9  # portrait side, emblem side, holding the portrait side
    TAIWAN_RESIDENCE = 10  # portrait side, emblem side, holding the portrait side


@dataclass(frozen=True, slots=True)
class BankCard:
    """The bank-card route (``identify_type`` 4): the card, the mobile the bank has on file and
    the code ``send_verification_code`` (scene 18) sent to it."""

    account: str
    mobile: str  # 1XXXXXXXXXX, mainland only
    verification_code: str
    areacode: str = "0086"


@dataclass(frozen=True, slots=True)
class RealnameReview:
    result: ReviewResult | None  # None: nothing submitted yet
    opinion: str | None = None


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True, slots=True)
class ServiceType:
    code: str
    name: str
    abbreviation: str | None = None


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    service_type: str
    resource_type: str
    spec: str
    name: str
    region: str
    charge_mode: ChargeMode
    service_type_name: str | None = None
    resource_type_name: str | None = None
    vcpus: int | None = None
    memory_gib: Decimal | None = None


# --------------------------------------------------------------------------- ratings


@dataclass(frozen=True, slots=True)
class RatingItem:
    """One line to price. ``key`` is echoed back in the result (unique per call)."""

    key: str
    service_type: str
    resource_type: str
    spec: str
    region: str
    quantity: int = 1
    size: int | None = None
    size_unit: SizeUnit | None = None
    available_zone: str | None = None


@dataclass(frozen=True, slots=True)
class ItemPrice:
    key: str
    official: Decimal
    amount: Decimal
    """What the partner pays: official price minus the partner's discount."""
    discount: Decimal


@dataclass(frozen=True, slots=True)
class Rating:
    currency: str
    official: Decimal
    amount: Decimal
    discount: Decimal
    items: tuple[ItemPrice, ...] = field(default_factory=tuple)

    def item(self, key: str) -> ItemPrice:
        for it in self.items:
            if it.key == key:
                return it
        raise KeyError(key)


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


# --------------------------------------------------------------------------- the protocol


@runtime_checkable
class CloudProvider(Protocol):
    """What Storefront asks of the cloud provider. Keyword arguments only."""

    def check_user_identity(self, *, kind: IdentityKind, value: str) -> IdentityCheck:
        """Is this account name / mobile (``0086-1xxxxxxxxxx``) / email free at the provider?"""
        ...

    def send_verification_code(
        self, *, mobile: str, lang: str = "zh-cn", scene: int = 29, customer_id: str | None = None
    ) -> None:
        """SMS a code to a mainland mobile (``13XXXXXXXXX``): scene 29 registration (the code
        ``create_sub_customer`` needs with a mobile), 18 bank-card real-name (``customer_id``)."""
        ...

    def create_sub_customer(
        self,
        *,
        xaccount_id: str,
        account_name: str | None = None,
        mobile: str | None = None,
        verification_code: str | None = None,
        password: str | None = None,
        indirect_partner_id: str | None = None,
        close_marketing: bool = False,
    ) -> NewSubCustomer:
        """Create a customer under the partner; association completes asynchronously.

        Without ``account_name`` the provider generates one (answered in ``account_name``);
        a ``mobile`` needs the ``verification_code`` sent to it."""
        ...

    def list_sub_customers(
        self,
        *,
        account_name: str | None = None,
        customer_id: str | None = None,
        indirect_partner_id: str | None = None,
        offset: int = 0,
        limit: int = 10,
    ) -> SubCustomerPage:
        """Customers associated with the partner (those still associating are absent)."""
        ...

    def submit_individual_realname(
        self,
        *,
        customer_id: str,
        name: str,
        id_number: str,
        bank_card: BankCard | None = None,
        document: IdentityDocument | None = None,
        file_urls: Sequence[str] = (),
    ) -> RealnameSubmitted:
        """Individual real-name (``create_personal_realname_auth``): a mainland resident id with
        ``bank_card`` (``identify_type`` 4), or another ``document`` with its three images
        (``identify_type`` 0). ``file_urls`` are names from :meth:`upload_realname_attachment`."""
        ...

    def upload_realname_attachment(self, name: str, data: bytes) -> str:
        """Put ``data`` in the partner's OBS bucket at ``download/{name}``; returns what a
        ``verified_file_url`` names it (``name``)."""
        ...

    def submit_enterprise_realname(
        self,
        *,
        customer_id: str,
        company_name: str,
        credit_code: str,
        legal_person: str,
        file_urls: Sequence[str] = (),
    ) -> RealnameSubmitted:
        """Enterprise real-name (``create_enterprise_realname_authentication``)."""
        ...

    def change_to_enterprise_realname(
        self,
        *,
        customer_id: str,
        company_name: str,
        credit_code: str,
        legal_person: str,
        file_urls: Sequence[str] = (),
    ) -> RealnameSubmitted:
        """A verified individual switches to enterprise
        (``change_enterprise_realname_authentication``, change type 1); the account stays
        verified as an individual until the review passes."""
        ...

    def realname_review(self, *, customer_id: str) -> RealnameReview:
        """The review result (``show_realname_authentication_review_result``)."""
        ...

    def list_service_types(
        self, *, name: str | None = None, language: str = "en_US"
    ) -> tuple[ServiceType, ...]:
        """All cloud service types (paged through internally)."""
        ...

    def list_resource_specs(
        self,
        *,
        service_type: str,
        resource_type: str,
        region: str,
        charge_mode: ChargeMode = ChargeMode.ON_DEMAND,
        language: str = "en_US",
    ) -> tuple[ResourceSpec, ...]:
        """Specs sold for one service/resource type in one region."""
        ...

    def rate_on_demand(self, *, items: Sequence[RatingItem], hours: Decimal | int = 1) -> Rating:
        """Pay-per-use price of ``items`` for ``hours`` hours."""
        ...

    def rate_period(
        self, *, items: Sequence[RatingItem], period: PeriodType, count: int = 1
    ) -> Rating:
        """Prepaid price of ``items`` for ``count`` months or years."""
        ...

    # --- funding, orders and resources (billing) ---

    def fund_customer(self, *, customer_id: str, amount: Decimal) -> str:
        """Move partner funds to the customer's provider account; the transfer id.

        ``update_customer_account_amount``. Not idempotent upstream and without a client
        token: never retried blindly; after an unknown outcome ask :meth:`list_customer_fundings`.
        """
        ...

    def list_customer_fundings(
        self, *, customer_id: str, since: datetime, until: datetime | None = None
    ) -> tuple[Funding, ...]:
        """The partner's fundings of one customer made since ``since`` (UTC), oldest first
        (``list_partner_adjust_records``, ``SOURCE_OPERATION_BEADJUST``; paged internally)."""
        ...

    def reclaim_customer_funds(self, *, customer_id: str, amount: Decimal) -> str:
        """Take funds back from the customer's provider account to the partner
        (``reclaim_to_partner_account``); the transaction id."""
        ...

    def agency_session(self, *, customer_id: str, region: str) -> AgencySession:
        """Temporary credentials in the customer's project of ``region`` (IAM assume_role)."""
        ...

    def ensure_network(self, *, session: AgencySession, marker: str, name: str) -> Network:
        """The VPC + subnet marked ``marker`` in the customer's project, created when missing
        (looked up through the VPC and subnet list APIs first, so a retry reuses them)."""
        ...

    def create_resources(
        self, *, session: AgencySession, request: ResourceRequest
    ) -> CreatedResources:
        """Create resources in the customer's project (prepaid: yields an unpaid order).

        ECS: boots the image configured for the region and OS (``ecs_images`` setting) and
        needs ``vpc_id`` + ``subnet_id``. VPC/EIP (no client token upstream): a resource already
        carrying the request's marker (``sf:<client_token>`` in the VPC description / EIP alias)
        is looked up through the list API and returned instead of creating another."""
        ...

    def pay_order(self, *, session: AgencySession, order_id: str) -> None:
        """Pay a provider order from the customer's provider balance (``pay_orders``).

        Paying an order that is already paid is not an error.
        """
        ...

    def list_customer_orders(
        self, *, customer_id: str, order_id: str | None = None
    ) -> tuple[ProviderOrder, ...]:
        """The customer's provider orders (``list_customer_orders``)."""
        ...

    def show_customer_order(self, *, order_id: str) -> ProviderOrder | None:
        """One order (``show_customer_order_details``); None when the provider has no such order."""
        ...

    def list_prepaid_resources(
        self,
        *,
        customer_id: str,
        order_id: str | None = None,
        resource_ids: Sequence[str] = (),
    ) -> tuple[ProviderResource, ...]:
        """Yearly/monthly resources (``list_pay_per_use_customer_resources``)."""
        ...

    def list_on_demand_resources(
        self, *, customer_id: str, resource_ids: Sequence[str] = ()
    ) -> tuple[ProviderResource, ...]:
        """Pay-per-use resources (``list_customer_on_demand_resources``)."""
        ...

    # --- keeping yearly/monthly resources (storefront/cloud/renewals.py) ---

    def renewal_price(
        self, *, session: AgencySession, resource_id: str, period: PeriodType, count: int
    ) -> RenewalPrice:
        """Renewing a primary resource (attached ones included) for 1-11 months or 1-3 years."""
        ...

    def renew(
        self, *, session: AgencySession, resource_id: str, period: PeriodType, count: int
    ) -> str:
        """Renew (attached resources follow): the renewal order, pending payment (pay_order)."""
        ...

    def cancel_auto_renew(self, *, session: AgencySession, resource_id: str) -> None:
        """The provider's own auto-renew off (a storefront keeps it off)."""
        ...

    def change_to_on_demand(
        self, *, session: AgencySession, resource_id: str, enabled: bool = True
    ) -> None:
        """Pay-per-use from expiry on (``enabled``), or cancel that."""
        ...

    def unsubscribe_quote(
        self, *, terms: Sequence[PaidTerm], at: datetime, five_day_full_refund: bool = False
    ) -> RefundQuote:
        """The provider's documented refund for unsubscribing at ``at``."""
        ...

    def unsubscribe(
        self,
        *,
        session: AgencySession,
        resource_id: str,
        renewals_only: bool = False,
        reason: str | None = None,
    ) -> Unsubscribed:
        """Unsubscribe (or only its renewals not started yet); the refund the provider made."""
        ...

    def refund_of(self, *, customer_id: str, order_id: str) -> Decimal:
        """What an unsubscribe order refunded (``show_refund_order_details``)."""
        ...

    def server_power_states(
        self, *, session: AgencySession, server_ids: Sequence[str]
    ) -> dict[str, str]:
        """ECS ``list_servers_details`` by id in the session's project: id -> the provider's
        status word (``ACTIVE``, ``SHUTOFF``, ``BUILD``, ``REBOOT``, ``ERROR``, …); ids the
        provider no longer knows are left out."""
        ...

    def list_usage(self, *, customer_id: str, bill_cycle: str) -> tuple[UsageRecord, ...]:
        """On-demand fee records of one month ``YYYY-MM`` (``list_sub_customer_bill_detail``)."""
        ...

    # --- coupons / vouchers (billing) ---

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
        """Issue a cash coupon of ``face_value`` from ``quota_id`` to each customer.

        Raises ``UpstreamRejected`` when no coupon was issued. Not idempotent.
        """
        ...

    def reclaim_partner_coupons(self, *, coupon_id: str) -> None:
        """Take an issued coupon back (``reclaim_partner_coupons``)."""
        ...

    def list_issued_partner_coupons(
        self,
        *,
        customer_id: str | None = None,
        coupon_id: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> PartnerCouponPage:
        """Coupons the partner issued, newest first."""
        ...

    # --- customer freeze (back office) ---

    def freeze_customer(self, *, customer_id: str, reason: str, mode: FreezeMode) -> None:
        """Freeze a sub-customer (``POST /v2/partners/sub-customers/freeze``; not in the SDK)."""
        ...

    def unfreeze_customer(self, *, customer_id: str, reason: str, mode: FreezeMode) -> None:
        """Unfreeze a sub-customer; ``mode`` must be the one it was frozen with."""
        ...

    # --- console login (console bridge) ---

    def console_service_url(self, *, product: str, region: str, resource_id: str) -> str:
        """The console page of one resource (``service`` of the SAML login), from settings.

        Raises ``CloudConfigError`` for a product without a deep-link template.
        """
        ...

    def console_login_url(self, *, service: str) -> str:
        """The provider's SAML login (``{auth_host}/authui/saml/login?xAccountType=…``) that
        federates the browser through our IdP and lands it on ``service``."""
        ...

    def console_hosts(self) -> frozenset[str]:
        """Origins (``scheme://host[:port]``) a console ``service`` URL may point at."""
        ...

    def console_federation_url(
        self, *, customer_id: str, session_user: str, service: str, idp_login_url: str
    ) -> str:
        """IAM custom identity broker: temporary credentials in the customer's account through
        the agency it granted (``assume_role`` with ``session_user``), a login token for them
        (``CreateLoginToken``), and the provider's
        ``{auth_host}/authui/federation/login?idp_login_url=…&service=…&logintoken=…`` that
        signs the browser in and lands it on ``service``; ``idp_login_url`` is where the console
        sends the user to sign in again. Single use; the token lives 10 minutes at most."""
        ...

    # --- indirect partners (distributor) ---

    def allocate_to_indirect_partner(self, *, indirect_partner_id: str, amount: Decimal) -> str:
        """Move distributor funds to a reseller's provider account; the transfer id.

        ``update_indirect_partner_account``: the provider accepts it only when signed with the
        distributor's own AK/SK. Not idempotent upstream: never retried blindly.
        """
        ...

    def reclaim_from_indirect_partner(self, *, indirect_partner_id: str, amount: Decimal) -> str:
        """Take funds back from a reseller (``reclaim_indirect_partner_account``); the trans id."""
        ...

    def list_indirect_partners(
        self,
        *,
        account_name: str | None = None,
        indirect_partner_id: str | None = None,
        offset: int = 0,
        limit: int = 10,
    ) -> IndirectPartnerPage:
        """The distributor's resellers (``list_indirect_partners``)."""
        ...

    def list_adjust_records(
        self,
        *,
        customer_id: str,
        kind: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> tuple[AdjustRecord, ...]:
        """The caller's allocations to / reclaims from ``customer_id`` (a sub-customer or, for a
        distributor, one of its resellers), newest first (``list_partner_adjust_records``,
        ``GET /v3/accounts/partner-accounts/adjust-records``). ``kind``: ``allocate`` or
        ``reclaim``; ``since``/``until``: the operation time window (UTC)."""
        ...

    def list_partner_balances(
        self, *, indirect_partner_id: str | None = None
    ) -> tuple[PartnerBalance, ...]:
        """Balances of the caller, or of one of its resellers (``list_partner_balances``)."""
        ...


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
