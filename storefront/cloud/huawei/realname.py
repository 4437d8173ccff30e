"""Real-name verification of sub-customers (BSS), attachments on OBS."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from huaweicloudsdkbss.v2 import model as m

from storefront.cloud.huawei.base import HuaweiBase
from storefront.cloud.interface import (
    BankCard,
    IdentityDocument,
    RealnameReview,
    RealnameSubmitted,
    ReviewResult,
)
from storefront.cloud.obs import upload_attachment


class RealnameCalls(HuaweiBase):
    """Individual and enterprise real-name submissions and their review."""

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
