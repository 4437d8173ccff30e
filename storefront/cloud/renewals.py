"""Keeping yearly/monthly resources at the provider: renewal price, renewal, auto-renew off,
pay-per-use at expiry, unsubscribe with its refund (partner center "Managing Yearly/Monthly
Resources"; ../shared/PROVIDER.md).

:class:`RenewalsMixin` gives the Huawei Cloud client these calls through the official SDK's
request/response models, all with the customer's credentials (an :class:`AgencySession`)
except the refund details, which the partner reads for its customer. The provider's documented
refusals become :class:`ResourceRefused` subclasses (still :class:`UpstreamRejected`, with the
provider's code). :func:`refund_quote` is the billing centre's unsubscription rule, for showing
a refund before unsubscribing.

The provider's own auto-renew stays off for a storefront (it would charge the customer's
provider balance outside the store's wallet and prices): only switching it off is offered.
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from functools import partial
from typing import Any, Protocol, TypeVar

from huaweicloudsdkbss.v2 import BssClient
from huaweicloudsdkbss.v2 import model as m
from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig

from storefront.cloud.interface import AgencySession, PeriodType, UpstreamRejected
from storefront.cloud.settings import CloudSettings

T = TypeVar("T")
CENT = Decimal("0.01")
MAX_PERIODS = {PeriodType.MONTH: 11, PeriodType.YEAR: 3}  # ``period_num``: 1-11 months, 1-3 years


# --------------------------------------------------------------------------- errors


class ResourceRefused(UpstreamRejected):
    """The provider refused an operation on a yearly/monthly resource (its code kept)."""


class NotRenewable(ResourceRefused):
    """Not renewable: not a primary resource, deleted or unknown, not yearly/monthly, or no
    such period."""


class ResourceBusy(ResourceRefused):
    """Another order holds the resource (pending payment or processing): try later, or pay
    or cancel that order."""


class NotUnsubscribable(ResourceRefused):
    """Cannot be unsubscribed (deleted, not a primary resource, frozen, nothing to refund for
    "renewals only", or a kind the provider never refunds)."""


class ExpiryPolicyRefused(ResourceRefused):
    """The expiry policy (pay-per-use at expiry) cannot be set for the resource."""


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


# --------------------------------------------------------------------------- values


class ExpiryPolicy(enum.IntEnum):
    """What happens at expiry (``OrderInstanceV2.expire_policy``)."""

    GRACE = 0  # the grace period, then the retention period
    ON_DEMAND = 1  # becomes pay-per-use
    DELETE = 2  # deleted at once
    AUTO_RENEW = 3  # renewed by the provider (charging the customer's provider balance)
    FREEZE = 4
    DELETE_AFTER_RETENTION = 5


@dataclass(frozen=True, slots=True)
class RenewalPrice:
    """The provider's price of renewing one primary resource with its attached ones."""

    resource_id: str
    amount: Decimal  # what the customer's provider balance is charged
    official_amount: Decimal  # list price
    currency: str = "CNY"


@dataclass(frozen=True, slots=True)
class PaidTerm:
    """One paid period of a resource: its purchase or a renewal, and what was paid for it."""

    order_id: str
    amount: Decimal
    starts_at: datetime
    ends_at: datetime
    period: PeriodType
    count: int


@dataclass(frozen=True, slots=True)
class RefundQuote:
    refund: Decimal
    consumed: Decimal
    fee: Decimal


@dataclass(frozen=True, slots=True)
class Unsubscribed:
    order_ids: tuple[str, ...]
    refund: Decimal  # credited to the customer's provider balance (reclaim it to the partner)


def expiry_fields(row: Any) -> dict[str, Any]:
    """The ``ProviderResource`` fields of one ``OrderInstanceV2`` this module owns."""
    policy = getattr(row, "expire_policy", None)
    parent = getattr(row, "parent_resource_id", None)
    return {
        "effective_at": _utc(getattr(row, "effective_time", None)),
        "parent_id": parent if getattr(row, "is_main_resource", 1) == 0 and parent else None,
        "auto_renew": policy == ExpiryPolicy.AUTO_RENEW,
        "on_demand_at_expiry": policy == ExpiryPolicy.ON_DEMAND,
    }


# --------------------------------------------------------------------------- the refund rule


def handling_fee_rate(term: PaidTerm, used: timedelta) -> Decimal:
    """Unsubscription handling fee as a share of the paid amount (billing centre, table
    "Unsubscription handling fee"): monthly and 1-year terms 10 %; 2-year 15 % (used <= 1
    year) then 10 %; 3-year 15 %, 10 %, 5 % (used <= 1, <= 2, <= 3 years)."""
    years = term.count if term.period is PeriodType.YEAR else 0
    if years < 2:
        return Decimal("0.10")
    used_years = used / timedelta(days=365)
    steps = [Decimal("0.15"), Decimal("0.10"), Decimal("0.05")][:years]
    index = 0 if used_years <= 1 else 1 if used_years <= 2 else 2
    return steps[min(index, len(steps) - 1)]


def _utc(value: str | None) -> datetime | None:
    """The provider's ``yyyy-MM-ddTHH:mm:ssZ``."""
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) if value else None


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def refund_quote(
    terms: Sequence[PaidTerm], at: datetime, *, five_day_full_refund: bool = False
) -> RefundQuote:
    """The refund of unsubscribing a resource at ``at``: a term not started yet in full; the
    term in use: paid - consumed - fee, never below 0 (consumed = paid x used hours / term
    hours, both from the whole hour the term began, used up to the whole hour of ``at``), or in
    full when ``five_day_full_refund`` (the "five days without reason" rule: within 5 x 24 h of
    the purchase, for the customer's first 10 resources a calendar year); ended terms nothing."""
    refund = consumed = fee = Decimal(0)
    for term in terms:
        if at < term.starts_at:
            refund += term.amount
        elif at >= term.ends_at:
            consumed += term.amount
        elif five_day_full_refund:
            refund += term.amount
        else:
            start = _hour(term.starts_at)
            total_h = int((term.ends_at - start).total_seconds() // 3600) or 1
            used_h = int((_hour(at) - start).total_seconds() // 3600)
            used = (term.amount * used_h / total_h).quantize(CENT, rounding=ROUND_DOWN)
            cut = (term.amount * handling_fee_rate(term, at - term.starts_at)).quantize(CENT)
            consumed, fee = consumed + used, fee + cut
            refund += max(term.amount - used - cut, Decimal(0))
    return RefundQuote(refund=refund, consumed=consumed, fee=fee)


# --------------------------------------------------------------------------- the client calls


class _Client(Protocol):
    """What :class:`RenewalsMixin` uses of the Huawei Cloud client."""

    _bss: BssClient

    @property
    def settings(self) -> CloudSettings: ...

    def _call(self, operation: str, fn: Callable[[], T], *, idempotent: bool = True) -> T: ...


def customer_bss(client: _Client, session: AgencySession) -> BssClient:
    """A BSS client signing with the customer's temporary credentials."""
    settings = client.settings
    config = HttpConfig.get_default_config()  # our timeouts, no SDK-level retries
    config.timeout = (min(settings.timeout_s, 5.0), settings.timeout_s)
    config.retry_times = 0
    creds = GlobalCredentials(
        session.access_key, session.secret_key, session.customer_id
    ).with_security_token(session.security_token)
    creds.iam_endpoint = settings.iam_endpoint
    return (
        BssClient.new_builder()
        .with_http_config(config)
        .with_credentials(creds)
        .with_endpoint(settings.bss_endpoint)
        .build()
    )


def renewed_expiry(expires_at: datetime, period: PeriodType, count: int) -> datetime:
    """The expiry after renewing: ``count`` calendar months or years after the old expiry (the
    day clamped to the month's last), also when renewed after it expired (API reference,
    "Renewing Subscription to Yearly/Monthly Resources": 2026/3/1 renewed for a year lasts to
    2027/3/1)."""
    months = count * (12 if period is PeriodType.YEAR else 1)
    index = expires_at.month - 1 + months
    year, month = expires_at.year + index // 12, index % 12 + 1
    return expires_at.replace(
        year=year, month=month, day=min(expires_at.day, calendar.monthrange(year, month)[1])
    )


def _check_period(period: PeriodType, count: int) -> None:
    if not 1 <= count <= MAX_PERIODS[period]:
        raise ValueError(f"a renewal is 1-{MAX_PERIODS[period]} {period.name.lower()}s")


class RenewalsMixin:
    """The renewal and unsubscribe calls of ``HuaweiCloudProvider``."""

    def renewal_price(
        self: _Client, *, session: AgencySession, resource_id: str, period: PeriodType, count: int
    ) -> RenewalPrice:
        """``list_renew_rate_on_period`` with the attached resources included."""
        _check_period(period, count)
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
        self: _Client, *, session: AgencySession, resource_id: str, period: PeriodType, count: int
    ) -> str:
        """``renewal_resources`` (attached resources follow): the renewal order's id, pending
        payment (pay it with ``pay_order``). Not idempotent upstream: never re-sent blindly;
        a second renewal while one is unpaid is refused as :class:`ResourceBusy`."""
        _check_period(period, count)
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

    def cancel_auto_renew(self: _Client, *, session: AgencySession, resource_id: str) -> None:
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
        self: _Client, *, session: AgencySession, resource_id: str, enabled: bool = True
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
        self: _Client,
        *,
        terms: Sequence[PaidTerm],
        at: datetime,
        five_day_full_refund: bool = False,
    ) -> RefundQuote:
        """The provider's documented refund for unsubscribing at ``at`` (:func:`refund_quote`);
        no call is made: the provider offers no quote before unsubscribing."""
        return refund_quote(terms, at, five_day_full_refund=five_day_full_refund)

    def unsubscribe(
        self: _Client,
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
            (
                RenewalsMixin.refund_of(self, customer_id=session.customer_id, order_id=o)
                for o in order_ids
            ),
            Decimal(0),
        )
        return Unsubscribed(order_ids=order_ids, refund=refund)

    def refund_of(self: _Client, *, customer_id: str, order_id: str) -> Decimal:
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
