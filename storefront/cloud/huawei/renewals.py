"""The Huawei Cloud client's calls for keeping yearly/monthly resources: renewal price,
renewal, the provider's auto-renew off, pay-per-use at expiry, unsubscribe and its refund
(official SDK request/response models; customer credentials through the agency session, the
refund details with the partner's). Documented refusals are mapped to the interface's
:class:`ResourceRefused` subclasses by the status-code tables below.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from huaweicloudsdkbss.v2 import BssClient
from huaweicloudsdkbss.v2 import model as m
from huaweicloudsdkcore.auth.credentials import GlobalCredentials

from storefront.cloud.huawei.base import HuaweiBase, http_config, parse_time, utc_text
from storefront.cloud.interface import AgencySession, PeriodType, UpstreamRejected
from storefront.cloud.interface.renewals import (
    ExpiryPolicy,
    ExpiryPolicyRefused,
    NotRenewable,
    NotUnsubscribable,
    PaidTerm,
    RefundQuote,
    RenewalPrice,
    ResourceBusy,
    ResourceRefused,
    Unsubscribed,
    check_period,
    refund_quote,
)

# The status-code tables of each call (API reference, api-bpconsole api_order_00018/19/24 and
# bcloud_01007); the codes a decision is keyed on.
NOT_RENEWABLE = frozenset(
    {
        "CBC.30050007",  # renew-rate: not a primary resource
        "CBC.30050008",  # renew-rate: no such period type or number for the resource
        "CBC.30050009",  # renew-rate: expired and deleted, or does not exist
        "CBC.30050013",  # renew-rate: the product does not support renewal
        "CBC.30010036",  # renew: not a primary resource
        "CBC.30010069",  # renew: no such renewal period
        "CBC.99000092",  # renew: the subscription period check failed
        "CBC.99003016",  # renew: expired and deleted, or does not exist
        "CBC.99003154",  # renew: bought plus renewed time exceeds the maximum
    }
)
BUSY = frozenset(
    {
        "CBC.30050010",  # in an order pending payment (renew-rate)
        "CBC.30050011",  # being unsubscribed or changed (renew-rate)
        "CBC.99003100",  # in an order pending payment (renew, unsubscribe)
        "CBC.99003144",  # has an order being processed (renew)
        "CBC.99003651",  # a transaction is in progress (unsubscribe)
        "CBC.99003623",  # another transaction is being processed (to-on-demand)
    }
)
NOT_UNSUBSCRIBABLE = frozenset(
    {
        "CBC.30000053",  # billed by a savings plan
        "CBC.30000067",  # deleted, or not managed
        "CBC.99003012",  # the resource id does not exist
        "CBC.99003128",  # no renewal period that has not taken effect (type 2)
        "CBC.99003185",  # the cloud service must be unsubscribed as a whole
        "CBC.99003643",  # invoiced
        "CBC.99003647",  # on-demand package
        "CBC.99003649",  # trial
        "CBC.99003650",  # KooGallery service
        "CBC.99003652",  # DevCloud package
        "CBC.99003654",  # bandwidth add-on package
        "CBC.99003656",  # frozen
    }
)
EXPIRY_POLICY_REFUSED = frozenset(
    {
        "CBC.99003012",  # the resource id does not exist
        "CBC.99003608",
        "CBC.99003609",  # the product type cannot change to pay-per-use
        "CBC.99003610",  # in the grace or retention period
        "CBC.99003611",
        "CBC.99003622",
        "CBC.99003624",
        "CBC.99003625",
        "CBC.99003626",  # the account is frozen
    }
)


def refused(
    exc: UpstreamRejected, *, primary: frozenset[str], kind: type[ResourceRefused]
) -> UpstreamRejected:
    """``exc`` as the documented refusal it is (``kind`` for ``primary`` codes)."""
    if exc.code in BUSY:
        return ResourceBusy(exc.code, exc.message, status=exc.status)
    if exc.code in primary:
        return kind(exc.code, exc.message, status=exc.status)
    return exc


def expiry_fields(row: Any) -> dict[str, Any]:
    """The ``ProviderResource`` fields of one ``OrderInstanceV2`` this module owns."""
    policy = getattr(row, "expire_policy", None)
    parent = getattr(row, "parent_resource_id", None)
    return {
        "effective_at": parse_time(getattr(row, "effective_time", None)),
        "parent_id": parent if getattr(row, "is_main_resource", 1) == 0 and parent else None,
        "auto_renew": policy == ExpiryPolicy.AUTO_RENEW,
        "on_demand_at_expiry": policy == ExpiryPolicy.ON_DEMAND,
    }


def customer_bss(client: HuaweiBase, session: AgencySession) -> BssClient:
    """A BSS client signing with the customer's temporary credentials."""
    settings = client.settings
    creds = GlobalCredentials(
        session.access_key, session.secret_key, session.customer_id
    ).with_security_token(session.security_token)
    creds.iam_endpoint = settings.iam_endpoint
    return (
        BssClient.new_builder()
        .with_http_config(http_config(settings))
        .with_credentials(creds)
        .with_endpoint(settings.bss_endpoint)
        .build()
    )


class RenewalCalls(HuaweiBase):
    """Renewal, expiry policy and unsubscribe (``interface.RenewalCalls``)."""

    def renewal_price(
        self, *, session: AgencySession, resource_id: str, period: PeriodType, count: int
    ) -> RenewalPrice:
        """``list_renew_rate_on_period`` with the attached resources included."""
        check_period(period, count)
        req = m.ListRenewRateOnPeriodRequest(
            body=m.ListRenewRateOnPeriodReq(
                resource_ids=[resource_id],
                period_type=int(period),
                period_num=count,
                include_relative_resources=True,
            )
        )
        bss = customer_bss(self, session)
        resp = self._call("list_renew_rate_on_period", partial(bss.list_renew_rate_on_period, req))
        for fail in resp.fail_resource_infos or ():  # refusals come back with HTTP 200
            err = UpstreamRejected(str(fail.error_code), str(fail.error_msg or ""), status=200)
            raise refused(err, primary=NOT_RENEWABLE, kind=NotRenewable)
        found = [r for r in resp.renew_inquiry_results or () if r.resource_id == resource_id]
        if not found:
            raise NotRenewable("CBC.30050009", "no renewal price for the resource", status=200)
        official = resp.official_website_rating_result
        return RenewalPrice(
            resource_id=resource_id,
            amount=Decimal(str(found[0].amount)),
            official_amount=Decimal(str(official.official_website_amount if official else 0)),
            currency=resp.currency or "CNY",
        )

    def renew(
        self, *, session: AgencySession, resource_id: str, period: PeriodType, count: int
    ) -> str:
        """``renewal_resources`` (attached resources follow): the renewal order's id, pending
        payment (pay it with ``pay_order``). Not idempotent upstream: never re-sent blindly;
        a second renewal while one is unpaid is refused as :class:`ResourceBusy`."""
        check_period(period, count)
        req = m.RenewalResourcesRequest(
            body=m.RenewalResourcesReq(
                resource_ids=[resource_id], period_type=int(period), period_num=count, is_auto_pay=0
            )
        )
        bss = customer_bss(self, session)
        try:
            resp = self._call(
                "renewal_resources", partial(bss.renewal_resources, req), idempotent=False
            )
        except UpstreamRejected as exc:
            raise refused(exc, primary=NOT_RENEWABLE, kind=NotRenewable) from exc
        for fail in resp.fail_resource_infos or ():
            err = UpstreamRejected(str(fail.error_code), str(fail.error_msg or ""), status=200)
            raise refused(err, primary=NOT_RENEWABLE, kind=NotRenewable)
        orders = list(resp.order_ids or ())
        if not orders:
            raise NotRenewable("CBC.0999", "the renewal made no order", status=200)
        return str(orders[0])

    def cancel_auto_renew(self, *, session: AgencySession, resource_id: str) -> None:
        """``cancel_auto_renewal_resources``: the provider's auto-renew off (attached resources
        follow). The storefront renews from its wallet; the provider's stays off."""
        req = m.CancelAutoRenewalResourcesRequest(resource_id=resource_id)
        bss = customer_bss(self, session)
        try:
            self._call(
                "cancel_auto_renewal_resources", partial(bss.cancel_auto_renewal_resources, req)
            )
        except UpstreamRejected as exc:
            raise refused(exc, primary=NOT_UNSUBSCRIBABLE, kind=ExpiryPolicyRefused) from exc

    def change_to_on_demand(
        self, *, session: AgencySession, resource_id: str, enabled: bool = True
    ) -> None:
        """``update_period_to_on_demand``: SET_UP (pay-per-use from expiry on) or CANCEL."""
        req = m.UpdatePeriodToOnDemandRequest(
            body=m.PeriodToOnDemandReq(
                operation="SET_UP" if enabled else "CANCEL", resource_ids=[resource_id]
            )
        )
        bss = customer_bss(self, session)
        try:
            resp = self._call(
                "update_period_to_on_demand", partial(bss.update_period_to_on_demand, req)
            )
        except UpstreamRejected as exc:
            raise refused(exc, primary=EXPIRY_POLICY_REFUSED, kind=ExpiryPolicyRefused) from exc
        for detail in resp.error_details or ():  # partial failures come back with HTTP 200
            err = UpstreamRejected(str(detail.error_code), str(detail.error_msg or ""), status=200)
            raise refused(err, primary=EXPIRY_POLICY_REFUSED, kind=ExpiryPolicyRefused)

    def unsubscribe_quote(
        self,
        *,
        terms: Sequence[PaidTerm],
        at: datetime,
        five_day_full_refund: bool = False,
    ) -> RefundQuote:
        """The provider's documented refund for unsubscribing at ``at`` (:func:`refund_quote`);
        no call is made: the provider offers no quote before unsubscribing."""
        return refund_quote(terms, at, five_day_full_refund=five_day_full_refund)

    def unsubscribe(
        self,
        *,
        session: AgencySession,
        resource_id: str,
        renewals_only: bool = False,
        reason: str | None = None,
    ) -> Unsubscribed:
        """``cancel_resources_subscription`` (type 1: the resource and its renewals; 2: only
        renewals not started yet), then the refund of its unsubscribe orders as the provider
        recorded it (``show_refund_order_details``). The refund lands on the customer's
        provider balance: reclaim it with ``reclaim_customer_funds``."""
        req = m.CancelResourcesSubscriptionRequest(
            body=m.UnsubscribeResourcesReq(
                resource_ids=[resource_id],
                unsubscribe_type=2 if renewals_only else 1,
                unsubscribe_reason_type=5,  # other
                unsubscribe_reason=reason,
            )
        )
        bss = customer_bss(self, session)
        try:
            resp = self._call(
                "cancel_resources_subscription",
                partial(bss.cancel_resources_subscription, req),
                idempotent=False,
            )
        except UpstreamRejected as exc:
            raise refused(exc, primary=NOT_UNSUBSCRIBABLE, kind=NotUnsubscribable) from exc
        for fail in resp.fail_resource_infos or ():
            err = UpstreamRejected(str(fail.error_code), str(fail.error_msg or ""), status=200)
            raise refused(err, primary=NOT_UNSUBSCRIBABLE, kind=NotUnsubscribable)
        order_ids = tuple(str(o) for o in resp.order_ids or ())
        refund = sum(
            (self.refund_of(customer_id=session.customer_id, order_id=o) for o in order_ids),
            Decimal(0),
        )
        return Unsubscribed(order_ids=order_ids, refund=refund)

    def refund_of(self, *, customer_id: str, order_id: str) -> Decimal:
        """What an unsubscribe order refunded (``show_refund_order_details``, partner keys): the
        sum of its negative lines, as a positive amount."""
        req = m.ShowRefundOrderDetailsRequest(order_id=order_id, customer_id=customer_id)
        resp = self._call(
            "show_refund_order_details", partial(self._bss.show_refund_order_details, req)
        )
        lines: list[Any] = list(resp.refund_infos or ())
        return -sum(
            (Decimal(str(x.amount)) for x in lines if Decimal(str(x.amount)) < 0), Decimal(0)
        )

    def pending_renewal_orders(
        self, *, customer_id: str, since: datetime | None = None
    ) -> tuple[str, ...]:
        """The ids of the customer's renewal orders pending payment (``list_customer_orders``,
        ``order_type`` 2, ``status`` 6; partner keys), created since ``since``: what a renewal
        whose answer was lost left behind (a new renewal is refused while one is unpaid)."""
        req = m.ListCustomerOrdersRequest(
            customer_id=customer_id,
            order_type="2",
            status=6,
            create_time_begin=utc_text(since),
            limit=100,
        )
        resp = self._call("list_customer_orders", partial(self._bss.list_customer_orders, req))
        return tuple(str(o.order_id) for o in resp.order_infos or ())
