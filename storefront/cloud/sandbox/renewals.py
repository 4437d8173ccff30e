"""Sandbox state and rules for keeping yearly/monthly resources: renewal, auto-renew, change to
pay-per-use at expiry, unsubscribe with refund (the partner center's "Managing Yearly/Monthly
Resources" calls; the SDK models' field docs give every code).

* A resource's **terms** are the paid periods it lives on: the purchase order's, then one per
  renewal order, back to back. A renewal extends ``expire_at`` by calendar months from the old
  expiry (also when renewed in the grace or retention period, which brings it back into use).
* **Attached** resources (``parent_resource_id``; ECS -> its EVS disks) follow their primary
  one: renewed, set to auto-renew or pay-per-use and unsubscribed with it.
* ``expire_policy`` (``OrderInstanceV2``): 0 grace period at expiry, 1 pay-per-use at expiry,
  3 auto-renew. Auto-renew charges the customer's balance 7 days before expiry (for the
  auto-renew period, one at a time); pay-per-use at expiry turns the resource into an on-demand
  one at its expiry (usage from then on).
* Unsubscribe refunds by the billing centre's unsubscription rules (usermanual-billing
  "Unsubscription Rules"): a term not started yet is refunded in full; the term in use within
  five days (5 x 24 h) of activation is refunded in full, at most 10 resources per customer and
  calendar year; otherwise refund = paid - consumed - handling fee, never below 0, where
  consumed = paid x used hours / term hours (both counted from the whole hour the term began,
  used hours up to the whole hour of the unsubscription) and the fee is a share of ``paid`` by
  the term's length and the time used (:func:`handling_fee_rate`).
"""

from __future__ import annotations

import calendar
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from storefront.cloud.sandbox import prices
from storefront.cloud.sandbox.commerce import (
    ORDER_COMPLETED,
    CloudOrder,
    CloudResource,
    CustomerFunds,
)
from storefront.cloud.sandbox.models import Account
from storefront.cloud.sandbox.renewal_models import (
    RefundLine,
    RenewalOrder,
    ResourceRenewal,
    ResourceTerm,
)
from storefront.cloud.sandbox.server_models import VolumeAttachment
from storefront.cloud.sandbox.wire import ApiError

CENT = Decimal("0.01")
MONTH, YEAR = 2, 3  # ``period_type``
EXPIRE_GRACE, EXPIRE_ON_DEMAND, EXPIRE_AUTO_RENEW = 0, 1, 3  # ``expire_policy`` (renewal_models)
AUTO_RENEW_LEAD = timedelta(days=7)  # auto-renew charges 7 days before expiry
FIVE_DAYS = timedelta(days=5)
FIVE_DAY_REFUNDS_PER_YEAR = 10
MAX_PERIOD = {MONTH: 11, YEAR: 3}  # ``period_num``: months 1-11, years 1-3


# --------------------------------------------------------------------------- periods


def add_period(moment: datetime, period_type: int, count: int) -> datetime:
    """``moment`` plus ``count`` calendar months or years (the day clamped to the month)."""
    months = count * (12 if period_type == YEAR else 1)
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def valid_period(period_type: object, period_num: object) -> bool:
    return (
        isinstance(period_type, int)
        and isinstance(period_num, int)
        and period_type in MAX_PERIOD
        and 1 <= period_num <= MAX_PERIOD[period_type]
    )


# --------------------------------------------------------------------------- resources


def renewal_of(s: Session, resource_id: str) -> ResourceRenewal:
    row = s.get(ResourceRenewal, resource_id)
    if row is None:
        row = ResourceRenewal(resource_id=resource_id, expire_policy=EXPIRE_GRACE)
        s.add(row)
    return row


def parent_of(s: Session, r: CloudResource) -> str | None:
    """The primary resource ``r`` is attached to (None: it is a primary resource)."""
    row = s.get(ResourceRenewal, r.resource_id)
    if row is not None and row.parent_resource_id:
        return row.parent_resource_id
    link = s.get(VolumeAttachment, r.resource_id)
    server = s.get(CloudResource, link.server_id) if link is not None else None
    if server is not None and r.order_id and server.order_id == r.order_id:
        return server.resource_id  # a disk bought with its server
    return None


def is_main(s: Session, r: CloudResource) -> bool:
    return parent_of(s, r) is None


def attached(s: Session, r: CloudResource) -> list[CloudResource]:
    """The disks bought with a server (its order) and attached to it, and what was made an
    attached resource of ``r`` (``POST /_sandbox/resources/<id>/attach``). A disk bought
    later and attached to the server stays a primary resource of its own (as documented)."""
    linked = set(
        s.scalars(
            select(ResourceRenewal.resource_id).where(
                ResourceRenewal.parent_resource_id == r.resource_id
            )
        )
    )
    disks = s.scalars(
        select(VolumeAttachment.volume_id).where(VolumeAttachment.server_id == r.resource_id)
    )
    for disk_id in disks:
        disk = s.get(CloudResource, disk_id)
        if disk is not None and r.order_id and disk.order_id == r.order_id:
            linked.add(disk_id)
    found = (s.get(CloudResource, i) for i in sorted(linked))
    return [a for a in found if a is not None]


def family(s: Session, r: CloudResource) -> list[CloudResource]:
    """A primary resource and what is attached to it."""
    return [r, *attached(s, r)]


def listing_fields(s: Session, r: CloudResource) -> dict[str, object]:
    """The ``OrderInstanceV2`` fields this module owns."""
    parent = parent_of(s, r)
    policy = s.get(ResourceRenewal, parent or r.resource_id)
    return {
        "is_main_resource": 0 if parent else 1,
        "parent_resource_id": parent,
        "expire_policy": policy.expire_policy if policy else EXPIRE_GRACE,
    }


def with_attached(
    s: Session, rows: list[CloudResource], *, only_main: bool, asked: bool
) -> list[CloudResource]:
    """``list_pay_per_use_customer_resources``: ``only_main_resource=1`` leaves attached ones
    out; with 0 a query by ``resource_ids`` also returns what is attached to them."""
    rows = [r for r in rows if r.charge_mode == "prePaid"]  # pay-per-use since its expiry
    if only_main:
        return [r for r in rows if is_main(s, r)]
    if not asked:
        return rows
    seen = {r.resource_id for r in rows}
    out = list(rows)
    for r in rows:
        out += [a for a in attached(s, r) if a.resource_id not in seen]
    return out


def monthly_official(r: CloudResource) -> Decimal:
    """The list price of one month of ``r`` (an EIP: its address plus its bandwidth)."""
    parts = [(prices.find(r.service_type, r.resource_type, r.spec), r.size or 1)]
    if r.resource_type == prices.IP:
        line = r.spec.split("_", 1)[-1]
        parts = [
            (parts[0][0], 1),
            (prices.find(prices.VPC, prices.BANDWIDTH, f"19_{line}"), r.size or 1),
        ]
    factor = prices.REGIONS.get(r.region, ("", Decimal(1)))[1]
    return sum(
        (prices.unit_price(p, n, monthly=True) * factor for p, n in parts if p is not None),
        Decimal(0),
    )


def renewal_price(
    s: Session, r: CloudResource, period_type: int, period_num: int, *, relatives: bool = True
) -> tuple[Decimal, Decimal]:
    """(official, the customer's amount) of renewing ``r`` (with its attached resources unless
    ``relatives`` is False) at the customer's own discount."""
    months = Decimal(period_num) * (prices.YEAR_IN_MONTHS if period_type == YEAR else 1)
    priced = family(s, r) if relatives else [r]
    official = sum((monthly_official(x) * months for x in priced), Decimal(0))
    customer = s.get(Account, r.customer_id)
    rate = customer.discount_rate if customer else Decimal(1)
    return official.quantize(CENT), (official * rate).quantize(CENT, rounding=ROUND_DOWN)


def terms(s: Session, r: CloudResource) -> list[ResourceTerm]:
    """The resource's paid periods, oldest first; the purchase's is recorded on first use."""
    found = list(
        s.scalars(
            select(ResourceTerm)
            .where(ResourceTerm.resource_id == r.resource_id)
            .order_by(ResourceTerm.starts_at)
        )
    )
    if found or r.order_id is None or r.active_at is None:
        return found
    order = s.get(CloudOrder, r.order_id)
    if order is None:
        return found
    mains = [
        x
        for x in s.scalars(select(CloudResource).where(CloudResource.order_id == order.order_id))
        if is_main(s, x)
    ]
    months = (order.period_num or 1) * (12 if order.period_type == YEAR else 1)
    first = ResourceTerm(
        resource_id=r.resource_id,
        order_id=order.order_id,
        period_type=order.period_type or MONTH,
        period_num=order.period_num or 1,
        amount=(order.amount / max(len(mains), 1)).quantize(CENT, rounding=ROUND_DOWN),
        starts_at=r.active_at,
        ends_at=r.active_at + timedelta(days=30 * months),
    )
    s.add(first)
    return [first]


def new_order_id(now: datetime) -> str:
    return "CS" + now.strftime("%y%m%d%H%M") + secrets.token_hex(5).upper()


def open_renewal(
    s: Session, r: CloudResource, period_type: int, period_num: int, now: datetime
) -> CloudOrder:
    """A pending-payment renewal order for ``r`` (paid with ``pay_orders``)."""
    official, amount = renewal_price(s, r, period_type, period_num)
    order = CloudOrder(
        order_id=new_order_id(now),
        customer_id=r.customer_id,
        service_type=r.service_type,
        official_amount=official,
        amount=amount,
        period_type=period_type,
        period_num=period_num,
        created_at=now,
    )
    s.add(order)
    s.add(RenewalOrder(order_id=order.order_id, resource_id=r.resource_id))
    s.flush()
    return order


def apply_renewal(s: Session, order: CloudOrder) -> None:
    """A completed renewal order: its resource (and attached ones) live one term longer."""
    link = s.get(RenewalOrder, order.order_id)
    if link is None or link.applied:
        return
    r = s.get(CloudResource, link.resource_id)
    link.applied = True
    if r is None or r.expire_at is None or r.status == "released":
        return
    terms(s, r)  # the purchase's term is on record before the renewal's
    start = r.expire_at
    end = add_period(start, order.period_type or MONTH, order.period_num or 1)
    s.add(
        ResourceTerm(
            resource_id=r.resource_id,
            order_id=order.order_id,
            period_type=order.period_type or MONTH,
            period_num=order.period_num or 1,
            amount=order.amount,
            starts_at=start,
            ends_at=end,
        )
    )
    for x in family(s, r):
        x.expire_at = end
        if x.status in ("expired", "frozen"):
            x.status = "active"  # renewed in the grace or retention period: in use again


def renewal_orders(s: Session, rows: list[CloudResource]) -> list[CloudOrder]:
    """The renewal orders of ``rows`` not yet carried out."""
    ids = {r.resource_id for r in rows}
    if not ids:
        return []
    links = s.scalars(
        select(RenewalOrder).where(
            RenewalOrder.resource_id.in_(ids), RenewalOrder.applied.is_(False)
        )
    )
    return [o for o in (s.get(CloudOrder, link.order_id) for link in links) if o is not None]


def order_type(order: CloudOrder) -> int:
    """``CustomerOrderV2.order_type``: 2 for a renewal order, else 1 (a new purchase)."""
    s = Session.object_session(order)
    return 2 if s is not None and s.get(RenewalOrder, order.order_id) is not None else 1


def filter_orders(orders: list[CloudOrder], args: Mapping[str, str]) -> list[CloudOrder]:
    """``list_customer_orders``' ``order_type``, ``status`` and ``create_time_begin`` filters."""
    if args.get("order_type"):
        orders = [o for o in orders if str(order_type(o)) == args["order_type"]]
    if args.get("status"):
        orders = [o for o in orders if str(o.status) == args["status"]]
    begin = args.get("create_time_begin")
    if begin:
        try:
            since = datetime.strptime(begin, "%Y-%m-%dT%H:%M:%SZ")
        except ValueError:
            raise ApiError(400, "CBC.0100", "create_time_begin is not a UTC time.") from None
        orders = [o for o in orders if o.created_at >= since]
    return orders


def pending_orders(s: Session, r: CloudResource) -> list[CloudOrder]:
    """Renewal orders of ``r`` that are not completed or cancelled yet."""
    ids = s.scalars(select(RenewalOrder.order_id).where(RenewalOrder.resource_id == r.resource_id))
    return [o for o in (s.get(CloudOrder, i) for i in ids) if o is not None and o.status in (3, 6)]


# --------------------------------------------------------------------------- at expiry


def apply_expiry_policies(s: Session, rows: list[CloudResource], now: datetime) -> None:
    """Auto-renew (7 days before expiry) and pay-per-use at expiry, for primary resources."""
    for r in rows:
        if (
            r.charge_mode != "prePaid"
            or r.expire_at is None
            or r.status in ("creating", "released")
        ):
            continue
        policy = s.get(ResourceRenewal, r.resource_id)
        if policy is None or not is_main(s, r):
            continue
        if policy.expire_policy == EXPIRE_AUTO_RENEW:
            _auto_renew(s, r, policy, now)
        elif policy.expire_policy == EXPIRE_ON_DEMAND and now >= r.expire_at:
            for x in family(s, r):
                x.charge_mode, x.active_at, x.status = "postPaid", r.expire_at, "active"


def _auto_renew(s: Session, r: CloudResource, policy: ResourceRenewal, now: datetime) -> None:
    for _ in range(120):  # one period at a time while the clock is past the charge day
        assert r.expire_at is not None
        if now < r.expire_at - AUTO_RENEW_LEAD or pending_orders(s, r):
            return
        period_type = policy.auto_period_type or MONTH
        _official, amount = renewal_price(s, r, period_type, 1)
        funds = s.get(CustomerFunds, r.customer_id)
        if funds is None or funds.balance < amount:
            return  # tried again at the next settle (the provider retries daily)
        funds.balance -= amount
        order = open_renewal(s, r, period_type, 1, r.expire_at - AUTO_RENEW_LEAD)
        order.status, order.paid_at = ORDER_COMPLETED, r.expire_at - AUTO_RENEW_LEAD
        apply_renewal(s, order)
        if policy.auto_times_left:
            policy.auto_times_left -= 1
            if policy.auto_times_left == 0:
                policy.expire_policy = EXPIRE_GRACE
                return


# --------------------------------------------------------------------------- unsubscribe


def handling_fee_rate(term: ResourceTerm, used: timedelta) -> Decimal:
    """Share of the paid amount kept as handling fee: monthly and 1-year terms 10 %; 2-year
    15 % (used <= 1 year) or 10 %; 3-year 15 %, 10 % or 5 % (used <= 1, <= 2, <= 3 years)."""
    years = term.period_num if term.period_type == YEAR else 0
    if years < 2:
        return Decimal("0.10")
    used_years = used / timedelta(days=365)
    steps = [Decimal("0.15"), Decimal("0.10"), Decimal("0.05")][:years]
    index = 0 if used_years <= 1 else 1 if used_years <= 2 else 2
    return steps[min(index, len(steps) - 1)]


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def term_refund(
    term: ResourceTerm, now: datetime, *, five_day: bool
) -> tuple[Decimal, Decimal, Decimal]:
    """(refund, consumed, fee) of one term unsubscribed at ``now``."""
    if now < term.starts_at or five_day:
        return term.amount, Decimal(0), Decimal(0)
    if now >= term.ends_at:
        return Decimal(0), term.amount, Decimal(0)
    start = _hour(term.starts_at)
    total_h = int((term.ends_at - start).total_seconds() // 3600) or 1
    used_h = int((_hour(now) - start).total_seconds() // 3600)
    consumed = (term.amount * used_h / total_h).quantize(CENT, rounding=ROUND_DOWN)
    fee = (term.amount * handling_fee_rate(term, now - term.starts_at)).quantize(CENT)
    refund = max(term.amount - consumed - fee, Decimal(0))
    return refund, consumed, fee


def five_day_quota_left(s: Session, customer_id: str, now: datetime) -> int:
    start = now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    used = {
        line.resource_id
        for line in s.scalars(
            select(RefundLine).where(
                RefundLine.customer_id == customer_id,
                RefundLine.five_day.is_(True),
                RefundLine.created_at >= start,
            )
        )
    }
    return FIVE_DAY_REFUNDS_PER_YEAR - len(used)


def unsubscribe(
    s: Session, r: CloudResource, now: datetime, *, renewals_only: bool, order_id: str
) -> Decimal:
    """Unsubscribe ``r`` (and its attached resources) or only its terms not started yet;
    credit the refund to the customer's balance and record the lines. The refund."""
    first_active = r.active_at
    five_day = (
        not renewals_only
        and first_active is not None
        and now - first_active < FIVE_DAYS
        and five_day_quota_left(s, r.customer_id, now) > 0
    )
    total = Decimal(0)
    held = terms(s, r)
    kept = [t.ends_at for t in held if t.starts_at <= now]
    for term in held:
        if renewals_only and now >= term.starts_at:
            continue
        in_use = term.starts_at <= now < term.ends_at
        refund, consumed, fee = term_refund(term, now, five_day=five_day and in_use)
        for amount in [-refund] + [x for x in (consumed, fee) if x]:
            s.add(
                RefundLine(
                    id=secrets.token_hex(16),
                    order_id=order_id,
                    customer_id=r.customer_id,
                    resource_id=r.resource_id,
                    base_order_id=term.order_id,
                    amount=amount,
                    five_day=five_day and in_use,
                    created_at=now,
                )
            )
        total += refund
        if renewals_only:
            s.delete(term)
    for x in family(s, r):
        if renewals_only:
            x.expire_at = max(kept) if kept else x.expire_at
        else:
            x.status, x.released_at = "released", now
    funds = s.get(CustomerFunds, r.customer_id)
    if funds is None:
        funds = CustomerFunds(customer_id=r.customer_id, balance=Decimal("0.00"))
        s.add(funds)
    funds.balance += total
    return total
