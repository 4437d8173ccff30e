"""What Storefront asks of the cloud provider, one protocol per provider service area.

:class:`storefront.cloud.interface.CloudProvider` combines them. Keyword arguments only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from storefront.cloud.interface.billing import (
    AdjustRecord,
    AgencySession,
    CreatedResources,
    Funding,
    IndirectPartnerPage,
    IssuedCoupon,
    Network,
    PartnerBalance,
    PartnerCouponPage,
    ProviderOrder,
    ProviderResource,
    ResourceRequest,
    UsageRecord,
)
from storefront.cloud.interface.types import (
    BankCard,
    ChargeMode,
    FreezeMode,
    IdentityCheck,
    IdentityDocument,
    IdentityKind,
    NewSubCustomer,
    PeriodType,
    Rating,
    RatingItem,
    RealnameReview,
    RealnameSubmitted,
    ResourceSpec,
    ServiceType,
    SubCustomerPage,
)


class CustomerCalls(Protocol):
    """Sub-customers, their real-name verification and freezing (BSS)."""

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

    def freeze_customer(self, *, customer_id: str, reason: str, mode: FreezeMode) -> None:
        """Freeze a sub-customer (``POST /v2/partners/sub-customers/freeze``; not in the SDK)."""
        ...

    def unfreeze_customer(self, *, customer_id: str, reason: str, mode: FreezeMode) -> None:
        """Unfreeze a sub-customer; ``mode`` must be the one it was frozen with."""
        ...


class CatalogueCalls(Protocol):
    """Services, specs and prices (BSS)."""

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


class BillingCalls(Protocol):
    """Funding, orders, resources, usage and coupons (BSS, IAM agency, ECS/EVS/VPC/EIP)."""

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


class ConsoleCalls(Protocol):
    """Signing a customer into the provider's console (IAM federation)."""

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


class PartnerCalls(Protocol):
    """A distributor's indirect partners (BSS)."""

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
