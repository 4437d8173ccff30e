"""``CloudProvider`` on the official Huawei Cloud Python SDK (BSS v2)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar
from urllib.parse import quote, urlencode, urlsplit

from huaweicloudsdkbss.v2 import BssClient
from huaweicloudsdkbss.v2 import model as m
from huaweicloudsdkcore.auth.credentials import BasicCredentials, GlobalCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig

from storefront.cloud.interface import (
    AgencySession,
    BankCard,
    ChargeMode,
    CloudConfigError,
    CreatedResources,
    FreezeMode,
    Funding,
    IdentityCheck,
    IdentityDocument,
    IdentityKind,
    IssuedCoupon,
    ItemPrice,
    Network,
    NewSubCustomer,
    PartnerCoupon,
    PartnerCouponPage,
    PeriodType,
    ProviderOrder,
    ProviderOrderStatus,
    ProviderResource,
    Rating,
    RatingItem,
    RealnameReview,
    RealnameSubmitted,
    ResourceKind,
    ResourceRequest,
    ResourceSpec,
    ReviewResult,
    ServiceType,
    SubCustomer,
    SubCustomerPage,
    UpstreamRejected,
    UsageRecord,
    VerifiedStatus,
)
from storefront.cloud.interface import UpstreamRejected as _Rejected
from storefront.cloud.quota import budget_for
from storefront.cloud.renewals import RenewalsMixin, expiry_fields
from storefront.cloud.settings import CloudSettings
from storefront.cloud.upstream import call_with_retries

log = logging.getLogger(__name__)

T = TypeVar("T")

_HOUR_MEASURE_ID = 4
_PAGE = 100
_SPEC_SIZE = re.compile(r"(\d+)\s*vCPUs?\s*\|\s*([\d.]+)\s*GiB", re.IGNORECASE)


def http_config(settings: CloudSettings) -> HttpConfig:
    """SDK transport settings: our timeouts, and no SDK-level retries (we retry ourselves)."""
    config = HttpConfig.get_default_config()
    config.timeout = (min(settings.timeout_s, 5.0), settings.timeout_s)
    config.retry_times = 0
    return config


def credentials(settings: CloudSettings) -> GlobalCredentials:
    """Partner AK/SK with the account id set, so the SDK never asks IAM for it."""
    creds = GlobalCredentials(settings.ak, settings.sk, settings.domain_id)
    creds.iam_endpoint = settings.iam_endpoint
    return creds


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


class HuaweiCloudProvider(RenewalsMixin):
    """The Huawei Cloud client. Points at whatever endpoints ``settings`` names."""

    def __init__(self, settings: CloudSettings) -> None:
        self._settings = settings
        self._budget = budget_for(settings.quota_storage)
        self._bss: BssClient = (
            BssClient.new_builder()
            .with_http_config(http_config(settings))
            .with_credentials(credentials(settings))
            .with_endpoint(settings.bss_endpoint)
            .build()
        )

    @property
    def settings(self) -> CloudSettings:
        return self._settings

    def _call(self, operation: str, fn: Callable[[], T], *, idempotent: bool = True) -> T:
        return call_with_retries(
            fn,
            operation=operation,
            retries=self._settings.retries,
            backoff_s=self._settings.backoff_s,
            idempotent=idempotent,
            budget=self._budget,
        )

    # ------------------------------------------------------------------ customers

    def check_user_identity(self, *, kind: IdentityKind, value: str) -> IdentityCheck:
        req = m.CheckUserIdentityRequest(
            body=m.CheckSubcustomerUserReq(search_type=str(kind), search_value=value)
        )
        resp = self._call("check_user_identity", lambda: self._bss.check_user_identity(req))
        return IdentityCheck(
            available=resp.check_result == "available",
            mobile_remaining=resp.mobile_remain_available_num,
        )

    def send_verification_code(
        self, *, mobile: str, lang: str = "zh-cn", scene: int = 29, customer_id: str | None = None
    ) -> None:
        body = m.SendVerificationCodeV2Req(
            receiver_type=1, mobile_phone=mobile, lang=lang, scene=scene, customer_id=customer_id
        )
        req = m.SendVerificationMessageCodeRequest(body=body)
        # Not retried: a retry after a lost answer sends a second SMS (and counts against the
        # provider's 15 an hour).
        self._call(
            "send_verification_code",
            lambda: self._bss.send_verification_message_code(req),
            idempotent=False,
        )

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
        if not self._settings.xaccount_type:
            raise CloudConfigError("STOREFRONT_CLOUD_XACCOUNT_TYPE is needed to create customers")
        body = m.CreateCustomerV2Req(
            domain_name=account_name or None,
            mobile_phone=mobile,
            verification_code=verification_code if mobile else None,
            xaccount_id=xaccount_id,
            xaccount_type=self._settings.xaccount_type,
            password=password,
            is_close_market_ms="true" if close_marketing else "false",
            indirect_partner_id=indirect_partner_id,
        )
        req = m.CreateSubCustomerRequest(body=body)
        resp = self._call(
            "create_sub_customer", lambda: self._bss.create_sub_customer(req), idempotent=False
        )
        return NewSubCustomer(customer_id=resp.domain_id, account_name=resp.domain_name)

    def list_sub_customers(
        self,
        *,
        account_name: str | None = None,
        customer_id: str | None = None,
        indirect_partner_id: str | None = None,
        offset: int = 0,
        limit: int = 10,
    ) -> SubCustomerPage:
        body = m.QuerySubCustomerListReq(
            account_name=account_name,
            customer_id=customer_id,
            indirect_partner_id=indirect_partner_id,
            offset=offset,
            limit=limit,
        )
        req = m.ListSubCustomersRequest(body=body)
        resp = self._call("list_sub_customers", lambda: self._bss.list_sub_customers(req))
        items = tuple(self._customer(c) for c in resp.customer_infos or ())
        return SubCustomerPage(items=items, total=resp.count or 0)

    @staticmethod
    def _customer(c: m.CustomerInformation) -> SubCustomer:
        status = c.verified_status
        return SubCustomer(
            customer_id=c.customer_id,
            account_name=c.account_name,
            associated_on=_time(c.associated_on),
            association_type=c.association_type,
            verified_status=VerifiedStatus(int(status))
            if status not in (None, "")
            else VerifiedStatus.UNVERIFIED,
            frozen=bool(c.is_frozen),
            xaccount_id=c.xaccount_id,
            xaccount_type=c.xaccount_type,
            mobile=c.telephone,
            email=c.email,
            realname=c.customer,
            customer_type=c.customer_type,
        )

    # ------------------------------------------------------------------ freeze

    def _freeze_call(self, action: str, customer_id: str, reason: str, mode: FreezeMode) -> None:
        """``POST /v2/partners/sub-customers/{freeze,unfreeze}``, signed with the SDK's signer.

        Body per the provider's API reference (FreezeSubCustomers / UnfreezeSubCustomers):
        ``customer_ids`` (≤ 10), ``reason`` (≤ 256), ``freeze_type``/``unfreeze_type``
        ``ACCOUNT`` | ``ACCOUNT_AND_RESOURCE``. A partial failure answers 200 with
        ``error_details``; we send one id, so any detail is our failure.
        """
        from storefront.cloud.raw import SignedRequester

        requester = SignedRequester(self._settings)
        try:
            answer = requester.request(
                "POST",
                f"/v2/partners/sub-customers/{action}",
                body={
                    "customer_ids": [customer_id],
                    "reason": reason[:256],
                    f"{action}_type": str(mode),
                },
                idempotent=True,  # freezing a frozen account again changes nothing
            )
        finally:
            requester.close()
        for detail in answer.get("error_details") or []:
            raise UpstreamRejected(
                str(detail.get("error_code") or "CBC.0999"),
                str(detail.get("error_msg") or f"{action} failed"),
                status=400,
            )

    def freeze_customer(self, *, customer_id: str, reason: str, mode: FreezeMode) -> None:
        self._freeze_call("freeze", customer_id, reason, mode)

    def unfreeze_customer(self, *, customer_id: str, reason: str, mode: FreezeMode) -> None:
        self._freeze_call("unfreeze", customer_id, reason, mode)

    # ------------------------------------------------------------------ real-name

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
        if (bank_card is None) == (document is None):
            raise ValueError("an individual real-name needs a bank card or an identity document")
        card = None
        if bank_card is not None:
            card = m.BankCardInfoV2(
                bank_account=bank_card.account,
                areacode=bank_card.areacode,
                mobile=bank_card.mobile,
                verification_code=bank_card.verification_code,
            )
        body = m.ApplyIndividualRealnameAuthsReq(
            customer_id=customer_id,
            identify_type=4 if card is not None else 0,  # 4 bank card, 0 identity document
            verified_type=int(document) if document is not None else None,
            verified_file_url=list(file_urls) or None,
            name=name,
            verified_number=id_number,
            change_type=-1,  # first real-name
            xaccount_type=self._settings.xaccount_type,
            bank_card_info=card,
        )
        req = m.CreatePersonalRealnameAuthRequest(body=body)
        resp = self._call(
            "create_personal_realname_auth",
            lambda: self._bss.create_personal_realname_auth(req),
            idempotent=False,
        )
        return RealnameSubmitted(manual_review=resp.is_review == 1)

    def upload_realname_attachment(self, name: str, data: bytes) -> str:
        from storefront.cloud.obs import upload_attachment

        return upload_attachment(self._settings, name, data)

    def _enterprise_fields(
        self,
        customer_id: str,
        company_name: str,
        credit_code: str,
        legal_person: str,
        file_urls: Sequence[str],
    ) -> dict[str, Any]:
        """What the first enterprise verification and the individual -> enterprise change share."""
        return {
            "customer_id": customer_id,
            "identify_type": 1,  # organisation certificate
            "certificate_type": 0,  # business licence
            "verified_file_url": list(file_urls) or None,
            "corp_name": company_name,
            "verified_number": credit_code,
            "reg_country": "CN",
            "xaccount_type": self._settings.xaccount_type,
            "enterprise_person": m.EnterprisePersonNew(
                legel_name=legal_person, certifier_role="legalPerson"
            ),
        }

    def submit_enterprise_realname(
        self,
        *,
        customer_id: str,
        company_name: str,
        credit_code: str,
        legal_person: str,
        file_urls: Sequence[str] = (),
    ) -> RealnameSubmitted:
        fields = self._enterprise_fields(
            customer_id, company_name, credit_code, legal_person, file_urls
        )
        req = m.CreateEnterpriseRealnameAuthenticationRequest(
            body=m.ApplyEnterpriseRealnameAuthsReq(**fields)
        )
        resp = self._call(
            "create_enterprise_realname_authentication",
            lambda: self._bss.create_enterprise_realname_authentication(req),
            idempotent=False,
        )
        return RealnameSubmitted(manual_review=resp.is_review == 1)

    def change_to_enterprise_realname(
        self,
        *,
        customer_id: str,
        company_name: str,
        credit_code: str,
        legal_person: str,
        file_urls: Sequence[str] = (),
    ) -> RealnameSubmitted:
        fields = self._enterprise_fields(
            customer_id, company_name, credit_code, legal_person, file_urls
        )
        req = m.ChangeEnterpriseRealnameAuthenticationRequest(
            body=m.ChangeEnterpriseRealnameAuthsReq(change_type=1, **fields)  # individual -> ent.
        )
        resp = self._call(
            "change_enterprise_realname_authentication",
            lambda: self._bss.change_enterprise_realname_authentication(req),
            idempotent=False,
        )
        return RealnameSubmitted(manual_review=resp.is_review == 1)

    def realname_review(self, *, customer_id: str) -> RealnameReview:
        req = m.ShowRealnameAuthenticationReviewResultRequest(customer_id=customer_id)
        resp = self._call(
            "show_realname_authentication_review_result",
            lambda: self._bss.show_realname_authentication_review_result(req),
        )
        result = resp.review_result
        return RealnameReview(
            result=ReviewResult(int(result)) if result is not None else None,
            opinion=resp.opinion or None,
        )

    # ------------------------------------------------------------------ catalogue

    def list_service_types(
        self, *, name: str | None = None, language: str = "en_US"
    ) -> tuple[ServiceType, ...]:
        found: list[ServiceType] = []
        while True:
            req = m.ListServiceTypesRequest(
                x_language=language, limit=_PAGE, offset=len(found), service_type_name=name
            )
            resp = self._call("list_service_types", partial(self._bss.list_service_types, req))
            page = resp.service_types or []
            found += [
                ServiceType(
                    code=s.service_type_code, name=s.service_type_name, abbreviation=s.abbreviation
                )
                for s in page
            ]
            if not page or len(found) >= (resp.total_count or 0):
                return tuple(found)

    def list_resource_specs(
        self,
        *,
        service_type: str,
        resource_type: str,
        region: str,
        charge_mode: ChargeMode = ChargeMode.ON_DEMAND,
        language: str = "en_US",
    ) -> tuple[ResourceSpec, ...]:
        found: list[ResourceSpec] = []
        marker: str | None = None
        while True:
            body = m.ResourceSpecsQueryReq(
                cloud_service_type=service_type,
                resource_type=resource_type,
                region_code=region,
                charge_mode=str(charge_mode),
                marker=marker,
                limit=_PAGE,
            )
            req = m.ListResourceSpecsRequest(x_language=language, body=body)
            resp = self._call("list_resource_specs", partial(self._bss.list_resource_specs, req))
            found += [self._spec(s) for s in resp.cloud_service_basics or ()]
            marker = resp.page_info.next_marker if resp.page_info else None
            if not marker:
                return tuple(found)

    @staticmethod
    def _spec(s: m.CloudServiceBasic) -> ResourceSpec:
        size = _SPEC_SIZE.search(s.resource_spec_name or "")
        return ResourceSpec(
            service_type=s.cloud_service_type,
            resource_type=s.resource_type,
            spec=s.resource_spec,
            name=s.resource_spec_name or s.resource_spec,
            region=s.region_code,
            charge_mode=ChargeMode(str(s.charge_mode)),
            service_type_name=s.cloud_service_type_name,
            resource_type_name=s.resource_type_name,
            vcpus=int(size.group(1)) if size else None,
            memory_gib=Decimal(size.group(2)) if size else None,
        )

    # ------------------------------------------------------------------ ratings

    def _project_id(self) -> str:
        if not self._settings.project_id:
            raise CloudConfigError("STOREFRONT_CLOUD_PROJECT_ID is needed to rate prices")
        return self._settings.project_id

    def rate_on_demand(self, *, items: Sequence[RatingItem], hours: Decimal | int = 1) -> Rating:
        infos = [
            m.DemandProductInfo(
                id=it.key,
                cloud_service_type=it.service_type,
                resource_type=it.resource_type,
                resource_spec=it.spec,
                region=it.region,
                available_zone=it.available_zone,
                resource_size=it.size,
                size_measure_id=int(it.size_unit) if it.size_unit is not None else None,
                usage_factor="Duration",
                usage_value=Decimal(hours),
                usage_measure_id=_HOUR_MEASURE_ID,
                subscription_num=it.quantity,
            )
            for it in items
        ]
        body = m.RateOnDemandReq(
            project_id=self._project_id(), inquiry_precision=1, product_infos=infos
        )
        req = m.ListOnDemandResourceRatingsRequest(body=body)
        resp = self._call("rate_on_demand", lambda: self._bss.list_on_demand_resource_ratings(req))
        return Rating(
            currency=resp.currency or "CNY",
            official=_dec(resp.official_website_amount),
            amount=_dec(resp.amount),
            discount=_dec(resp.discount_amount),
            items=tuple(
                ItemPrice(
                    key=r.id,
                    official=_dec(r.official_website_amount),
                    amount=_dec(r.amount),
                    discount=_dec(r.discount_amount),
                )
                for r in resp.product_rating_results or ()
            ),
        )

    def rate_period(
        self, *, items: Sequence[RatingItem], period: PeriodType, count: int = 1
    ) -> Rating:
        infos = [
            m.PeriodProductInfo(
                id=it.key,
                cloud_service_type=it.service_type,
                resource_type=it.resource_type,
                resource_spec=it.spec,
                region=it.region,
                available_zone=it.available_zone,
                resource_size=it.size,
                size_measure_id=int(it.size_unit) if it.size_unit is not None else None,
                period_type=int(period),
                period_num=count,
                subscription_num=it.quantity,
            )
            for it in items
        ]
        body = m.RateOnPeriodReq(project_id=self._project_id(), product_infos=infos)
        req = m.ListRateOnPeriodDetailRequest(body=body)
        resp = self._call("rate_period", lambda: self._bss.list_rate_on_period_detail(req))
        official = resp.official_website_rating_result
        offers = resp.optional_discount_rating_results or []
        best = next((o for o in offers if o.best_offer == 1), None)
        if best is None:  # no discount applies: the partner pays the official price
            prices = tuple(
                ItemPrice(
                    key=r.id,
                    official=_dec(r.official_website_amount),
                    amount=_dec(r.official_website_amount),
                    discount=Decimal(0),
                )
                for r in official.product_rating_results or ()
            )
            total = _dec(official.official_website_amount)
            return Rating(resp.currency or "CNY", total, total, Decimal(0), prices)
        return Rating(
            currency=resp.currency or "CNY",
            official=_dec(best.official_website_amount),
            amount=_dec(best.amount),
            discount=_dec(best.discount_amount),
            items=tuple(
                ItemPrice(
                    key=r.id,
                    official=_dec(r.official_website_amount),
                    amount=_dec(r.amount),
                    discount=_dec(r.discount_amount),
                )
                for r in best.product_rating_results or ()
            ),
        )

    # --- funding, orders and resources (billing) ---

    NETWORK_CIDR, SUBNET_CIDR, SUBNET_GATEWAY = "192.168.0.0/16", "192.168.0.0/24", "192.168.0.1"

    def fund_customer(self, *, customer_id: str, amount: Decimal) -> str:
        req = m.UpdateCustomerAccountAmountRequest(
            body=m.AdjustAccountReq(customer_id=customer_id, amount=amount)
        )
        resp = self._call(
            "update_customer_account_amount",
            lambda: self._bss.update_customer_account_amount(req),
            idempotent=False,
        )
        return str(resp.transfer_id or "")

    def list_customer_fundings(
        self, *, customer_id: str, since: datetime, until: datetime | None = None
    ) -> tuple[Funding, ...]:
        found: list[Funding] = []
        while True:  # the provider's adjust records, one page at a time
            page = self.list_adjust_records(
                customer_id=customer_id,
                kind="allocate",
                since=since,
                until=until,
                offset=len(found),
                limit=_PAGE,
            )
            found.extend(
                Funding(r.trans_id, r.customer_id or customer_id, r.amount, r.operation_time)
                for r in page
            )
            if len(page) < _PAGE:
                break
        return tuple(sorted(found, key=lambda f: (f.at or since, f.transfer_id)))

    def reclaim_customer_funds(self, *, customer_id: str, amount: Decimal) -> str:
        req = m.ReclaimToPartnerAccountRequest(
            body=m.ReclaimToPartnerAccountBalancesReq(customer_id=customer_id, amount=amount)
        )
        resp = self._call(
            "reclaim_to_partner_account",
            lambda: self._bss.reclaim_to_partner_account(req),
            idempotent=False,
        )
        return str(resp.trans_id or "")

    def _iam(self, creds: GlobalCredentials) -> Any:
        from huaweicloudsdkiam.v3 import IamClient

        return (
            IamClient.new_builder()
            .with_http_config(http_config(self._settings))
            .with_credentials(creds)
            .with_endpoint(self._settings.iam_endpoint)
            .build()
        )

    def _partner_iam(self) -> Any:
        return self._iam(credentials(self._settings))

    def _assume_agency(
        self, partner_iam: Any, customer_id: str, duration_s: int, session_user: str | None = None
    ) -> Any:
        """Temporary AK/SK + security token in the customer's account (the granted agency)."""
        from huaweicloudsdkiam.v3 import model as iam

        role = iam.IdentityAssumerole(
            agency_name=self._settings.agency, domain_id=customer_id, duration_seconds=duration_s
        )
        if session_user is not None:
            role.session_user = iam.AssumeroleSessionuser(name=session_user)
        body = iam.CreateTemporaryAccessKeyByAgencyRequestBody(
            auth=iam.AgencyAuth(
                identity=iam.AgencyAuthIdentity(methods=["assume_role"], assume_role=role)
            )
        )
        return self._call(
            "create_temporary_access_key_by_agency",
            lambda: partner_iam.create_temporary_access_key_by_agency(
                iam.CreateTemporaryAccessKeyByAgencyRequest(body=body)
            ),
        ).credential

    def agency_session(self, *, customer_id: str, region: str) -> AgencySession:
        from huaweicloudsdkiam.v3 import model as iam

        cred = self._assume_agency(self._partner_iam(), customer_id, 3600)
        temp = GlobalCredentials(cred.access, cred.secret, customer_id).with_security_token(
            cred.securitytoken
        )
        temp.iam_endpoint = self._settings.iam_endpoint
        customer_iam = self._iam(temp)
        projects = self._call(
            "keystone_list_auth_projects",
            lambda: customer_iam.keystone_list_auth_projects(iam.KeystoneListAuthProjectsRequest()),
        )
        project = next((p for p in projects.projects or () if p.name == region), None)
        if project is None:
            raise UpstreamRejected(
                "IAM.0004", f"no project for region {region} in the customer's account", status=404
            )
        expires = cred.expires_at
        return AgencySession(
            customer_id=customer_id,
            region=region,
            project_id=project.id,
            access_key=cred.access,
            secret_key=cred.secret,
            security_token=cred.securitytoken,
            expires_at=datetime.fromisoformat(expires.replace("Z", "+00:00")) if expires else None,
        )

    def _service_client(self, builder: Any, service: str, session: AgencySession) -> Any:
        creds = BasicCredentials(
            session.access_key, session.secret_key, session.project_id
        ).with_security_token(session.security_token)
        creds.iam_endpoint = self._settings.iam_endpoint
        return (
            builder.new_builder()
            .with_http_config(http_config(self._settings))
            .with_credentials(creds)
            .with_endpoint(self._settings.service_url(service, session.region))
            .build()
        )

    def create_resources(
        self, *, session: AgencySession, request: ResourceRequest
    ) -> CreatedResources:
        r = request
        period_type = "month" if r.period is PeriodType.MONTH else "year"
        if r.kind is ResourceKind.ECS:
            from huaweicloudsdkecs.v2 import EcsClient
            from huaweicloudsdkecs.v2 import model as ecs

            os = "windows" if r.spec.endswith(".win") else "linux"
            image = r.image_ref or self._settings.ecs_image(r.region, os)
            if not image:
                raise CloudConfigError(
                    f"no {os} image for {r.region}: set STOREFRONT_CLOUD_ECS_IMAGES"
                )
            if not (r.vpc_id and r.subnet_id):
                raise CloudConfigError("a server needs vpc_id and subnet_id (ensure_network)")
            client = self._service_client(EcsClient, "ecs", session)
            extend = ecs.PrePaidServerExtendParam(
                charging_mode="prePaid" if r.prepaid else "postPaid",
                region_id=r.region,
                period_type=period_type if r.prepaid else None,
                period_num=r.period_count if r.prepaid else None,
                is_auto_renew="false",
                is_auto_pay="false",  # we pay the order ourselves with pay_orders
            )
            server = ecs.PrePaidServer(
                image_ref=image,
                flavor_ref=r.spec.removesuffix(".linux").removesuffix(".win"),
                name=r.name,
                vpcid=r.vpc_id,
                nics=[ecs.PrePaidServerNic(subnet_id=r.subnet_id)],
                count=r.quantity,
                root_volume=ecs.PrePaidServerRootVolume(volumetype="SSD"),
                extendparam=extend,
                metadata={"storefront_client_token": r.client_token},
            )
            ecs_req = ecs.CreateServersRequest(
                x_client_token=r.client_token, body=ecs.CreateServersRequestBody(server=server)
            )
            ecs_resp = self._call("create_servers", lambda: client.create_servers(ecs_req))
            return CreatedResources(ecs_resp.order_id or None, tuple(ecs_resp.server_ids or ()))
        if r.kind is ResourceKind.EVS:
            from huaweicloudsdkevs.v2 import EvsClient
            from huaweicloudsdkevs.v2 import model as evs

            client = self._service_client(EvsClient, "evs", session)
            evs_req = evs.CreateVolumeRequest(
                x_client_token=r.client_token,
                body=evs.CreateVolumeRequestBody(
                    bss_param=evs.BssParamForCreateVolume(
                        charging_mode="prePaid" if r.prepaid else "postPaid",
                        is_auto_pay="false",
                        is_auto_renew="false",
                        period_num=r.period_count if r.prepaid else None,
                        period_type=period_type if r.prepaid else None,
                    ),
                    volume=evs.CreateVolumeOption(
                        availability_zone=f"{r.region}a",
                        count=r.quantity,
                        name=r.name,
                        size=r.size,
                        volume_type=r.spec,
                        metadata={"storefront_client_token": r.client_token},
                    ),
                ),
            )
            evs_resp = self._call("create_volume", lambda: client.create_volume(evs_req))
            return CreatedResources(evs_resp.order_id or None, tuple(evs_resp.volume_ids or ()))
        if r.kind is ResourceKind.VPC:
            from huaweicloudsdkvpc.v2 import VpcClient
            from huaweicloudsdkvpc.v2 import model as vpc

            client = self._service_client(VpcClient, "vpc", session)
            ids = []
            for i in range(r.quantity):  # the API creates one VPC per call; the VPC is free
                token = r.client_token if i == 0 else f"{r.client_token}-{i}"
                existing = self._find_vpc(client, f"sf:{token}")
                if existing is not None:  # made by an earlier try whose answer was lost
                    ids.append(existing)
                    continue
                vpc_req = vpc.CreateVpcRequest(
                    body=vpc.CreateVpcRequestBody(
                        vpc=vpc.CreateVpcOption(
                            name=r.name, cidr="192.168.0.0/16", description=f"sf:{token}"
                        )
                    )
                )
                vpc_resp = self._call(  # no client token: never re-sent blindly
                    "create_vpc", partial(client.create_vpc, vpc_req), idempotent=False
                )
                ids.append(vpc_resp.vpc.id)
            return CreatedResources(None, tuple(ids))
        from huaweicloudsdkeip.v2 import EipClient
        from huaweicloudsdkeip.v2 import model as eip

        client = self._service_client(EipClient, "vpc", session)
        order_ids, eip_ids = [], []
        for i in range(r.quantity):  # one address per call
            token = r.client_token if i == 0 else f"{r.client_token}-{i}"
            found = self._find_publicip(client, f"sf:{token}")
            if found is not None:  # made by an earlier try whose answer was lost
                eip_id, eip_order = found
                eip_ids.append(eip_id)
                if eip_order:
                    order_ids.append(eip_order)
                continue
            eip_req = eip.CreatePrePaidPublicipRequest(
                body=eip.CreatePrePaidPublicipRequestBody(
                    publicip=eip.CreatePrePaidPublicipOption(type=r.spec, alias=f"sf:{token}"),
                    bandwidth=eip.CreatePublicipBandwidthOption(
                        name=r.name, share_type="PER", size=r.size or 1, charge_mode="bandwidth"
                    ),
                    extend_param=eip.CreatePrePaidPublicipExtendParamOption(
                        charge_mode="prePaid" if r.prepaid else "postPaid",
                        period_type=period_type if r.prepaid else None,
                        period_num=r.period_count if r.prepaid else None,
                        is_auto_renew=False,
                        is_auto_pay=False,
                    ),
                )
            )
            eip_resp = self._call(
                "create_prepaid_publicip",
                partial(client.create_pre_paid_publicip, eip_req),
                idempotent=False,  # no client token: the next try looks the alias up first
            )
            if eip_resp.order_id:
                order_ids.append(eip_resp.order_id)
            eip_ids.append(eip_resp.publicip_id or eip_resp.publicip.id)
        if len(order_ids) > 1:  # pay them one by one: the caller records a comma list
            return CreatedResources(",".join(order_ids), tuple(eip_ids))
        return CreatedResources(order_ids[0] if order_ids else None, tuple(eip_ids))

    def _find_vpc(self, client: Any, description: str) -> str | None:
        """The id of the customer's VPC whose description is ``description`` (list API)."""
        from huaweicloudsdkvpc.v2 import model as vpc

        marker = None
        while True:
            req = vpc.ListVpcsRequest(limit=_PAGE, marker=marker)
            vpcs = self._call("list_vpcs", partial(client.list_vpcs, req)).vpcs or []
            for one in vpcs:
                if one.description == description:
                    return str(one.id)
            if len(vpcs) < _PAGE:
                return None
            marker = vpcs[-1].id

    def _find_publicip(self, client: Any, alias: str) -> tuple[str, str | None] | None:
        """The id (and prepaid order id) of the customer's EIP whose alias is ``alias``."""
        from huaweicloudsdkeip.v2 import model as eip

        marker = None
        while True:
            req = eip.ListPublicipsRequest(limit=_PAGE, marker=marker)
            ips = self._call("list_publicips", partial(client.list_publicips, req)).publicips
            ips = ips or []
            for one in ips:
                if one.alias == alias:
                    profile = one.profile
                    return str(one.id), (profile.order_id if profile else None) or None
            if len(ips) < _PAGE:
                return None
            marker = ips[-1].id

    def ensure_network(self, *, session: AgencySession, marker: str, name: str) -> Network:
        from huaweicloudsdkvpc.v2 import VpcClient
        from huaweicloudsdkvpc.v2 import model as vpc

        client = self._service_client(VpcClient, "vpc", session)
        description = f"sf:{marker}"
        vpc_id = self._find_vpc(client, description)
        if vpc_id is None:
            made = self._call(
                "create_vpc",
                partial(
                    client.create_vpc,
                    vpc.CreateVpcRequest(
                        body=vpc.CreateVpcRequestBody(
                            vpc=vpc.CreateVpcOption(
                                name=name, cidr=self.NETWORK_CIDR, description=description
                            )
                        )
                    ),
                ),
                idempotent=False,
            )
            vpc_id = str(made.vpc.id)
        subnets = (
            self._call(
                "list_subnets",
                partial(client.list_subnets, vpc.ListSubnetsRequest(vpc_id=vpc_id, limit=_PAGE)),
            ).subnets
            or []
        )
        subnet = next((s.id for s in subnets if s.description == description), None)
        if subnet is None:
            made_subnet = self._call(
                "create_subnet",
                partial(
                    client.create_subnet,
                    vpc.CreateSubnetRequest(
                        body=vpc.CreateSubnetRequestBody(
                            subnet=vpc.CreateSubnetOption(
                                name=name,
                                description=description,
                                cidr=self.SUBNET_CIDR,
                                gateway_ip=self.SUBNET_GATEWAY,
                                vpc_id=vpc_id,
                            )
                        )
                    ),
                ),
                idempotent=False,
            )
            subnet = made_subnet.subnet.id
        return Network(vpc_id=vpc_id, subnet_id=str(subnet))

    def pay_order(self, *, session: AgencySession, order_id: str) -> None:
        creds = GlobalCredentials(
            session.access_key, session.secret_key, session.customer_id
        ).with_security_token(session.security_token)
        creds.iam_endpoint = self._settings.iam_endpoint
        bss = (
            BssClient.new_builder()
            .with_http_config(http_config(self._settings))
            .with_credentials(creds)
            .with_endpoint(self._settings.bss_endpoint)
            .build()
        )
        for one in order_id.split(","):
            req = m.PayOrdersRequest(
                body=m.PayCustomerOrderV3Req(order_id=one, use_coupon="NO", use_discount="NO")
            )
            try:
                self._call("pay_orders", partial(bss.pay_orders, req))
            except UpstreamRejected as exc:
                if exc.code != ORDER_STATUS_CHANGED:
                    raise
                # Paid by an earlier try whose answer was lost, or cancelled: only the first
                # is success.
                known = self.show_customer_order(order_id=one)
                if known is None or known.status not in (
                    ProviderOrderStatus.PROCESSING,
                    ProviderOrderStatus.COMPLETED,
                ):
                    raise

    def list_customer_orders(
        self, *, customer_id: str, order_id: str | None = None
    ) -> tuple[ProviderOrder, ...]:
        req = m.ListCustomerOrdersRequest(customer_id=customer_id, order_id=order_id, limit=100)
        resp = self._call("list_customer_orders", lambda: self._bss.list_customer_orders(req))
        return tuple(_provider_order(o) for o in resp.order_infos or ())

    def show_customer_order(self, *, order_id: str) -> ProviderOrder | None:
        req = m.ShowCustomerOrderDetailsRequest(order_id=order_id)
        try:
            resp = self._call(
                "show_customer_order_details", lambda: self._bss.show_customer_order_details(req)
            )
        except UpstreamRejected as exc:
            if exc.status == 404 or exc.code in _NO_SUCH_ORDER:
                return None
            raise
        return _provider_order(resp.order_info) if resp.order_info else None

    def list_prepaid_resources(
        self,
        *,
        customer_id: str,
        order_id: str | None = None,
        resource_ids: Sequence[str] = (),
    ) -> tuple[ProviderResource, ...]:
        found: list[ProviderResource] = []
        while True:
            body = m.QueryResourcesReq(
                customer_id=customer_id,
                order_id=order_id,
                resource_ids=list(resource_ids) or None,
                offset=len(found),
                limit=_PAGE,
            )
            req = m.ListPayPerUseCustomerResourcesRequest(body=body)
            resp = self._call(
                "list_pay_per_use_customer_resources",
                partial(self._bss.list_pay_per_use_customer_resources, req),
            )
            page = resp.data or []
            found += [_provider_resource(r, customer_id, prepaid=True) for r in page]
            if not page or len(found) >= (resp.total_count or 0):
                return tuple(found)

    def list_on_demand_resources(
        self, *, customer_id: str, resource_ids: Sequence[str] = ()
    ) -> tuple[ProviderResource, ...]:
        found: list[ProviderResource] = []
        while True:
            body = m.QueryCustomerOnDemandResourcesReq(
                customer_id=customer_id,
                resource_ids=list(resource_ids) or None,
                offset=len(found),
                limit=_PAGE,
            )
            req = m.ListCustomerOnDemandResourcesRequest(body=body)
            resp = self._call(
                "list_customer_on_demand_resources",
                partial(self._bss.list_customer_on_demand_resources, req),
            )
            page = resp.resources or []
            found += [_provider_resource(r, customer_id, prepaid=False) for r in page]
            if not page or len(found) >= (resp.total_count or 0):
                return tuple(found)

    def server_power_states(
        self, *, session: AgencySession, server_ids: Sequence[str]
    ) -> dict[str, str]:
        from huaweicloudsdkecs.v2 import EcsClient
        from huaweicloudsdkecs.v2 import model as ecs

        client = self._service_client(EcsClient, "ecs", session)
        states: dict[str, str] = {}
        ids = list(server_ids)
        for start in range(0, len(ids), 100):  # the API asks for at most 100 ids per call
            req = ecs.ListServersDetailsRequest(server_id=",".join(ids[start : start + 100]))
            resp = self._call("list_servers_details", partial(client.list_servers_details, req))
            for server in resp.servers or ():
                if server.status:  # an unknown id comes back with only id and fault
                    states[str(server.id)] = str(server.status)
        return states

    def list_usage(self, *, customer_id: str, bill_cycle: str) -> tuple[UsageRecord, ...]:
        found: list[UsageRecord] = []
        while True:
            req = m.ListSubCustomerBillDetailRequest(
                bill_cycle=bill_cycle,
                customer_id=customer_id,
                charging_mode=3,  # on demand
                offset=len(found),
                limit=_PAGE,
            )
            resp = self._call(
                "list_sub_customer_bill_detail",
                partial(self._bss.list_sub_customer_bill_detail, req),
            )
            page = resp.fee_records or []
            found += [
                UsageRecord(
                    record_id=str(r.id),
                    resource_id=r.resource_id,
                    hours=_dec(r.usage_amount),
                    official_amount=_dec(r.official_amount),
                    consumed_at=_time(r.consume_time),
                )
                for r in page
            ]
            if not page or len(found) >= (resp.total_count or 0):
                return tuple(found)

    # --- coupons / vouchers (billing) ---

    @staticmethod
    def _utc(value: datetime | None) -> str | None:
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None

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
            valid_time=self._utc(valid_from),
            expire_time=self._utc(valid_until),
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
            raise _Rejected(
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
                    face_value=_dec(c.face_value),
                    balance=_dec(c.balance) if c.balance is not None else None,
                    status=int(c.status or 0),
                    effective_time=_time(c.effective_time),
                    expire_time=_time(c.expire_time),
                )
                for c in resp.user_coupons or ()
            ),
            total=int(resp.total_count or 0),
        )

    # --- customer freeze (back office) ---

    # --- console login (console bridge) ---

    def console_service_url(self, *, product: str, region: str, resource_id: str) -> str:
        template = self._settings.console_links.get(product)
        if not template:
            raise CloudConfigError(f"no console link template for product {product!r}")
        return template.format(
            console_url=self._settings.console_url.rstrip("/"),
            region=quote(region, safe=""),
            id=quote(resource_id, safe=""),
        )

    def console_login_url(self, *, service: str) -> str:
        query = urlencode({"xAccountType": self._settings.xaccount_type, "service": service})
        return f"{self._settings.auth_host.rstrip('/')}/authui/saml/login?{query}"

    def console_hosts(self) -> frozenset[str]:
        hosts = set()
        for url in (self._settings.console_url, self._settings.iam_console_url):
            parts = urlsplit(url)
            if parts.scheme and parts.netloc:
                hosts.add(f"{parts.scheme}://{parts.netloc}".lower())
        return frozenset(hosts)

    # The login token lives this long (the provider's minimum, 10 minutes); the agency's
    # temporary credentials the provider's minimum of 15 minutes.
    LOGIN_TOKEN_S = 600
    BROKER_CREDENTIALS_S = 900

    def console_federation_url(
        self, *, customer_id: str, session_user: str, service: str, idp_login_url: str
    ) -> str:
        from huaweicloudsdkiam.v3 import model as iam

        partner_iam = self._partner_iam()
        cred = self._assume_agency(
            partner_iam, customer_id, self.BROKER_CREDENTIALS_S, session_user=session_user
        )
        login = iam.CreateLoginTokenRequestBody(
            auth=iam.LoginTokenAuth(
                securitytoken=iam.LoginTokenSecurityToken(
                    access=cred.access,
                    secret=cred.secret,
                    id=cred.securitytoken,
                    duration_seconds=self.LOGIN_TOKEN_S,
                )
            )
        )
        resp = self._call(
            "create_login_token",
            lambda: partner_iam.create_login_token(iam.CreateLoginTokenRequest(body=login)),
            idempotent=False,
        )
        token = resp.x_subject_login_token
        if not token:
            raise UpstreamRejected("IAM.0000", "no X-Subject-LoginToken in the answer", status=502)
        query = urlencode({"idp_login_url": idp_login_url, "service": service, "logintoken": token})
        return f"{self._settings.auth_host.rstrip('/')}/authui/federation/login?{query}"

    # --- indirect partners (distributor) ---

    def allocate_to_indirect_partner(self, *, indirect_partner_id: str, amount: Decimal) -> str:
        req = m.UpdateIndirectPartnerAccountRequest(
            body=m.AdjustToIndirectPartnerReq(
                indirect_partner_id=indirect_partner_id, amount=amount
            )
        )
        resp = self._call(
            "update_indirect_partner_account",
            lambda: self._bss.update_indirect_partner_account(req),
            idempotent=False,
        )
        return str(resp.transfer_id or "")

    def reclaim_from_indirect_partner(self, *, indirect_partner_id: str, amount: Decimal) -> str:
        req = m.ReclaimIndirectPartnerAccountRequest(
            body=m.ReclaimIndirectPartnerAccountReq(
                indirect_partner_id=indirect_partner_id, amount=amount
            )
        )
        resp = self._call(
            "reclaim_indirect_partner_account",
            lambda: self._bss.reclaim_indirect_partner_account(req),
            idempotent=False,
        )
        return str(resp.trans_id or "")

    def list_indirect_partners(
        self,
        *,
        account_name: str | None = None,
        indirect_partner_id: str | None = None,
        offset: int = 0,
        limit: int = 10,
    ) -> Any:
        from storefront.cloud.interface import IndirectPartner, IndirectPartnerPage

        req = m.ListIndirectPartnersRequest(
            body=m.QueryIndirectPartnersReq(
                account_name=account_name,
                indirect_partner_id=indirect_partner_id,
                offset=offset,
                limit=limit,
            )
        )
        resp = self._call("list_indirect_partners", lambda: self._bss.list_indirect_partners(req))
        return IndirectPartnerPage(
            items=tuple(
                IndirectPartner(
                    indirect_partner_id=str(p.indirect_partner_id),
                    account_name=str(p.account_name or ""),
                    name=p.name,
                    email=p.email,
                    mobile=p.mobile_phone,
                    associated_on=p.associated_on,
                )
                for p in resp.indirect_partners or ()
            ),
            total=int(resp.count or 0),
        )

    def list_adjust_records(
        self,
        *,
        customer_id: str,
        kind: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> Any:
        from storefront.cloud.interface import AdjustRecord

        types = {
            "allocate": "SOURCE_OPERATION_BEADJUST",
            "reclaim": "SOURCE_OPERATION_BERETRIEVE",
            "unbind_reclaim": "SOURCE_OPERATION_BEUNBIND",
        }
        kinds = {v: k for k, v in types.items()}
        req = m.ListPartnerAdjustRecordsRequest(
            customer_id=customer_id,
            operation_type=types[kind] if kind else None,
            operation_time_begin=self._utc(since),
            operation_time_end=self._utc(until),
            offset=offset,
            limit=limit,
        )
        resp = self._call(
            "list_partner_adjust_records", lambda: self._bss.list_partner_adjust_records(req)
        )
        records = []
        for r in resp.records or ():
            try:
                when = _time(r.operation_time)
            except ValueError:
                when = None
            records.append(
                AdjustRecord(
                    trans_id=str(r.trans_id or ""),
                    customer_id=str(r.customer_id or ""),
                    kind=kinds.get(str(r.operation_type or ""), str(r.operation_type or "")),
                    amount=_dec(r.amount).quantize(Decimal("0.01")),
                    operation_time=when,
                )
            )
        return tuple(records)

    def list_partner_balances(self, *, indirect_partner_id: str | None = None) -> Any:
        from storefront.cloud.interface import PartnerBalance

        req = m.ListPartnerBalancesRequest(indirect_partner_id=indirect_partner_id)
        resp = self._call("list_partner_balances", lambda: self._bss.list_partner_balances(req))
        return tuple(
            PartnerBalance(
                account_type=int(b.account_type or 0),
                amount=_dec(b.amount).quantize(Decimal("0.01")),
                currency=b.currency or "CNY",
            )
            for b in resp.account_balances or ()
        )


# --- funding, orders and resources (billing) ---  (helpers)

# One table per call, from the SDK models' field docs (../shared/PROVIDER.md, "Codes and states").
# ``CustomerOrderV2.status`` (list_customer_orders, show_customer_order_details): 1 pending
# review, 2 pending refund, 3 processing, 4 cancelled, 5 completed, 6 pending payment, 9 pending
# confirmation (10-13: physical goods only, never ours).
ORDER_STATUS: dict[int, ProviderOrderStatus] = {
    1: ProviderOrderStatus.PROCESSING,
    2: ProviderOrderStatus.PROCESSING,  # a refund is pending: wait for it to settle
    3: ProviderOrderStatus.PROCESSING,
    4: ProviderOrderStatus.CANCELLED,
    5: ProviderOrderStatus.COMPLETED,
    6: ProviderOrderStatus.UNPAID,
    9: ProviderOrderStatus.PROCESSING,
}
# Yearly/monthly resources (``list_pay_per_use_customer_resources``): 2 in use, 3 closed (not
# shown to customers), 4 frozen, 5 expired.
PREPAID_RESOURCE_STATUS: dict[int, str] = {2: "active", 3: "released", 4: "frozen", 5: "expired"}
# On-demand resources (``list_customer_on_demand_resources``): 1 normal, 2 grace period (in
# arrears, still running), 3 frozen, 4 changing, 5 closing, 6 closed.
ON_DEMAND_RESOURCE_STATUS: dict[int, str] = {
    1: "active",
    2: "expired",
    3: "frozen",
    4: "active",
    5: "released",
    6: "released",
}
# pay_orders: "the order status has changed, it cannot be paid" (already paid, or cancelled:
# the caller looks the order up to tell which); "invalid order (may not exist)".
ORDER_STATUS_CHANGED = "CBC.99003106"
_NO_SUCH_ORDER = {"CBC.30000010"}


def order_status(code: Any) -> ProviderOrderStatus:
    """Our reading of a provider order status; an undocumented code is still being processed
    (never paid out or refunded on a guess)."""
    status = ORDER_STATUS.get(int(code or 0))
    if status is None:
        log.warning("undocumented provider order status %r: treated as processing", code)
        return ProviderOrderStatus.PROCESSING
    return status


def resource_status(code: Any, *, prepaid: bool) -> str:
    """Our resource status for a provider code, from the table of the call that listed it."""
    table = PREPAID_RESOURCE_STATUS if prepaid else ON_DEMAND_RESOURCE_STATUS
    status = table.get(int(code or 0))
    if status is None:
        log.warning("undocumented provider resource status %r (prepaid=%s)", code, prepaid)
        return "active"
    return status


def _provider_order(o: Any) -> ProviderOrder:
    return ProviderOrder(
        order_id=o.order_id,
        customer_id=o.customer_id or "",
        status=order_status(o.status),
        amount=_dec(o.amount_after_discount),
        currency=o.currency or "CNY",
    )


def _provider_resource(r: Any, customer_id: str, *, prepaid: bool) -> ProviderResource:
    """One row of either resource listing (prepaid or on demand) as our dataclass."""
    return ProviderResource(
        resource_id=r.resource_id,
        customer_id=customer_id,
        region=r.region_code or "",
        service_type=r.service_type_code or "",
        resource_type=r.resource_type_code or "",
        spec=r.resource_spec_code or "",
        name=r.resource_name or "",
        status=resource_status(r.status, prepaid=prepaid),
        order_id=getattr(r, "order_id", None) if prepaid else None,
        expires_at=_time(r.expire_time),
        prepaid=prepaid,
        **(expiry_fields(r) if prepaid else {}),
    )
