"""A distributor's indirect partners: allocations, reclaims, balances (BSS)."""

from __future__ import annotations

from decimal import Decimal

from huaweicloudsdkbss.v2 import model as m

from storefront.cloud.huawei.base import HuaweiBase, dec
from storefront.cloud.interface import (
    IndirectPartner,
    IndirectPartnerPage,
    PartnerBalance,
)


class PartnerCalls(HuaweiBase):
    """Move money to and from resellers; list them and the balances."""

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
    ) -> IndirectPartnerPage:

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

    def list_partner_balances(
        self, *, indirect_partner_id: str | None = None
    ) -> tuple[PartnerBalance, ...]:

        req = m.ListPartnerBalancesRequest(indirect_partner_id=indirect_partner_id)
        resp = self._call("list_partner_balances", lambda: self._bss.list_partner_balances(req))
        return tuple(
            PartnerBalance(
                account_type=int(b.account_type or 0),
                amount=dec(b.amount).quantize(Decimal("0.01")),
                currency=b.currency or "CNY",
            )
            for b in resp.account_balances or ()
        )
