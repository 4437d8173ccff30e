"""Funding, orders, prepaid and on-demand resources, usage (BSS)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from huaweicloudsdkbss.v2 import BssClient
from huaweicloudsdkbss.v2 import model as m
from huaweicloudsdkcore.auth.credentials import GlobalCredentials

from storefront.cloud.huawei.base import PAGE, HuaweiBase, dec, http_config, parse_time, utc_text
from storefront.cloud.huawei.renewals import expiry_fields
from storefront.cloud.interface import (
    AdjustRecord,
    AgencySession,
    Funding,
    ProviderOrder,
    ProviderOrderStatus,
    ProviderResource,
    UpstreamRejected,
    UsageRecord,
)

log = logging.getLogger(__name__)

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
        amount=dec(o.amount_after_discount),
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
        expires_at=parse_time(r.expire_time),
        prepaid=prepaid,
        **(expiry_fields(r) if prepaid else {}),
    )


class OrderCalls(HuaweiBase):
    """Money into customer accounts, the customers' orders, resources and usage."""

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
                limit=PAGE,
            )
            found.extend(
                Funding(r.trans_id, r.customer_id or customer_id, r.amount, r.operation_time)
                for r in page
            )
            if len(page) < PAGE:
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

        types = {
            "allocate": "SOURCE_OPERATION_BEADJUST",
            "reclaim": "SOURCE_OPERATION_BERETRIEVE",
            "unbind_reclaim": "SOURCE_OPERATION_BEUNBIND",
        }
        kinds = {v: k for k, v in types.items()}
        req = m.ListPartnerAdjustRecordsRequest(
            customer_id=customer_id,
            operation_type=types[kind] if kind else None,
            operation_time_begin=utc_text(since),
            operation_time_end=utc_text(until),
            offset=offset,
            limit=limit,
        )
        resp = self._call(
            "list_partner_adjust_records", lambda: self._bss.list_partner_adjust_records(req)
        )
        records = []
        for r in resp.records or ():
            try:
                when = parse_time(r.operation_time)
            except ValueError:
                when = None
            records.append(
                AdjustRecord(
                    trans_id=str(r.trans_id or ""),
                    customer_id=str(r.customer_id or ""),
                    kind=kinds.get(str(r.operation_type or ""), str(r.operation_type or "")),
                    amount=dec(r.amount).quantize(Decimal("0.01")),
                    operation_time=when,
                )
            )
        return tuple(records)

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
        def fetch(offset: int) -> Any:
            body = m.QueryResourcesReq(
                customer_id=customer_id,
                order_id=order_id,
                resource_ids=list(resource_ids) or None,
                offset=offset,
                limit=PAGE,
            )
            req = m.ListPayPerUseCustomerResourcesRequest(body=body)
            return self._bss.list_pay_per_use_customer_resources(req)

        rows = self._offset_pages("list_pay_per_use_customer_resources", fetch, lambda a: a.data)
        return tuple(_provider_resource(r, customer_id, prepaid=True) for r in rows)

    def list_on_demand_resources(
        self, *, customer_id: str, resource_ids: Sequence[str] = ()
    ) -> tuple[ProviderResource, ...]:
        def fetch(offset: int) -> Any:
            body = m.QueryCustomerOnDemandResourcesReq(
                customer_id=customer_id,
                resource_ids=list(resource_ids) or None,
                offset=offset,
                limit=PAGE,
            )
            req = m.ListCustomerOnDemandResourcesRequest(body=body)
            return self._bss.list_customer_on_demand_resources(req)

        rows = self._offset_pages("list_customer_on_demand_resources", fetch, lambda a: a.resources)
        return tuple(_provider_resource(r, customer_id, prepaid=False) for r in rows)

    def list_usage(self, *, customer_id: str, bill_cycle: str) -> tuple[UsageRecord, ...]:
        def fetch(offset: int) -> Any:
            req = m.ListSubCustomerBillDetailRequest(
                bill_cycle=bill_cycle,
                customer_id=customer_id,
                charging_mode=3,  # on demand
                offset=offset,
                limit=PAGE,
            )
            return self._bss.list_sub_customer_bill_detail(req)

        rows = self._offset_pages("list_sub_customer_bill_detail", fetch, lambda a: a.fee_records)
        return tuple(
            UsageRecord(
                record_id=str(r.id),
                resource_id=r.resource_id,
                hours=dec(r.usage_amount),
                official_amount=dec(r.official_amount),
                consumed_at=parse_time(r.consume_time),
            )
            for r in rows
        )
