"""Keeping yearly/monthly resources at the provider (partner center "Managing Yearly/Monthly
Resources"; ../shared/PROVIDER.md): the calls (:class:`RenewalCalls`), their values, the
provider's documented refusals (:class:`ResourceRefused` subclasses, still
:class:`UpstreamRejected` with the provider's code), the new expiry after a renewal
(:func:`renewed_expiry`) and the billing centre's unsubscription rule (:func:`refund_quote`).

The provider's own auto-renew stays off for a storefront (it would charge the customer's
provider balance outside the store's wallet and prices): only switching it off is offered.
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Protocol

from storefront.cloud.interface.billing import AgencySession
from storefront.cloud.interface.errors import UpstreamRejected
from storefront.cloud.interface.types import PeriodType

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


# --------------------------------------------------------------------------- rules


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


def check_period(period: PeriodType, count: int) -> None:
    """1-11 months or 1-3 years (``period_num``), or ValueError."""
    if not 1 <= count <= MAX_PERIODS[period]:
        raise ValueError(f"a renewal is 1-{MAX_PERIODS[period]} {period.name.lower()}s")


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


# --------------------------------------------------------------------------- the calls


class RenewalCalls(Protocol):
    """Renewal, expiry policy and unsubscribe of yearly/monthly resources (BSS; customer
    credentials through an :class:`AgencySession`)."""

    def renewal_price(
        self, *, session: AgencySession, resource_id: str, period: PeriodType, count: int
    ) -> RenewalPrice:
        """Renewing a primary resource (attached ones included) for 1-11 months or 1-3 years
        (``list_renew_rate_on_period``)."""
        ...

    def renew(
        self, *, session: AgencySession, resource_id: str, period: PeriodType, count: int
    ) -> str:
        """Renew (attached resources follow; ``renewal_resources``): the renewal order,
        pending payment (``pay_order``). Not idempotent: never re-sent blindly."""
        ...

    def cancel_auto_renew(self, *, session: AgencySession, resource_id: str) -> None:
        """The provider's own auto-renew off (``cancel_auto_renewal_resources``)."""
        ...

    def change_to_on_demand(
        self, *, session: AgencySession, resource_id: str, enabled: bool = True
    ) -> None:
        """Pay-per-use from expiry on, or cancel that (``update_period_to_on_demand``)."""
        ...

    def unsubscribe_quote(
        self, *, terms: Sequence[PaidTerm], at: datetime, five_day_full_refund: bool = False
    ) -> RefundQuote:
        """The provider's documented refund for unsubscribing at ``at`` (no call is made: the
        provider offers no quote before unsubscribing)."""
        ...

    def unsubscribe(
        self,
        *,
        session: AgencySession,
        resource_id: str,
        renewals_only: bool = False,
        reason: str | None = None,
    ) -> Unsubscribed:
        """Unsubscribe (``cancel_resources_subscription`` type 1), or only its renewals not
        started yet (type 2); the refund the provider recorded. It lands on the customer's
        provider balance: reclaim it with ``reclaim_customer_funds``."""
        ...

    def refund_of(self, *, customer_id: str, order_id: str) -> Decimal:
        """What an unsubscribe order refunded (``show_refund_order_details``, partner keys)."""
        ...

    def pending_renewal_orders(
        self, *, customer_id: str, since: datetime | None = None
    ) -> tuple[str, ...]:
        """The customer's renewal orders pending payment created since ``since`` (partner keys):
        where to find a renewal whose answer was lost."""
        ...
