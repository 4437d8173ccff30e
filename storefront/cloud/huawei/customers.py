"""Sub-customers of the partner: identity checks, creation, listing, freezing (BSS)."""

from __future__ import annotations

from huaweicloudsdkbss.v2 import model as m

from storefront.cloud.huawei.base import HuaweiBase, parse_time
from storefront.cloud.huawei.signed import SignedRequester
from storefront.cloud.interface import (
    CloudConfigError,
    FreezeMode,
    IdentityCheck,
    IdentityKind,
    NewSubCustomer,
    SubCustomer,
    SubCustomerPage,
    UpstreamRejected,
    VerifiedStatus,
)


class CustomerCalls(HuaweiBase):
    """Create, find and freeze sub-customers."""

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
            associated_on=parse_time(c.associated_on),
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

    def _freeze_call(self, action: str, customer_id: str, reason: str, mode: FreezeMode) -> None:
        """``POST /v2/partners/sub-customers/{freeze,unfreeze}``, signed with the SDK's signer.

        Body per the provider's API reference (FreezeSubCustomers / UnfreezeSubCustomers):
        ``customer_ids`` (≤ 10), ``reason`` (≤ 256), ``freeze_type``/``unfreeze_type``
        ``ACCOUNT`` | ``ACCOUNT_AND_RESOURCE``. A partial failure answers 200 with
        ``error_details``; we send one id, so any detail is our failure.
        """
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
