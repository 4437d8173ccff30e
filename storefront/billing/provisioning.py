"""Provisioning: after the money transaction, buy the order's resources at the provider.

Steps (each recorded and committed before the next, so a retry resumes where it stopped):

1. ``paid -> provisioning``;
2. prepaid: fund the customer's provider account at partner cost (``fund_customer``), once:
   ``orders.funded_amount`` records it; after an unknown outcome the provider's adjustment
   records are asked before sending again (:func:`fund`);
3. an agency session in the customer's project (IAM assume_role);
4. per order line: a server goes into the customer's default VPC + subnet of the region
   (created by the first server, found by its marker afterwards: ``servers.choices``);
   create the resources with the line's client token (a retry returns what the first call
   made), record the provider order and resource ids; pay the provider order;
5. ``active``, with a :class:`Resource` row per provider resource.

The provider unavailable (timeouts, 5xx): :class:`worker.Retry`, the job runs again later with
backoff. The provider refusing (4xx): the order fails and is refunded to the wallet with the
reason. Nothing here holds a database lock while calling the provider.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storefront import mail
from storefront.accounts.models import Customer, ProviderLink
from storefront.billing import events, orders
from storefront.billing.models import (
    CHARGE_SETTLED,
    CHARGE_SHORTFALL,
    SETTLE_FAILED,
    Order,
    OrderKind,
    OrderLine,
    OrderStatus,
    Resource,
    ResourceStatus,
)
from storefront.billing.worker import Retry
from storefront.clock import utcnow
from storefront.cloud.interface import (
    CloudError,
    PeriodType,
    ResourceKind,
    ResourceRequest,
    UpstreamRejected,
    UpstreamUnavailable,
)
from storefront.extensions import cloud_provider, db
from storefront.servers import choices
from storefront.stores.tenancy import in_store
from storefront.transactions import commit_step

log = logging.getLogger(__name__)

# Fault injection for tests of crashes between steps ("kill the process here").
CRASH_POINTS: set[str] = set()


class SimulatedCrash(RuntimeError):
    """Raised at a step named in :data:`CRASH_POINTS` (tests only)."""


def checkpoint(name: str) -> None:
    if name in CRASH_POINTS:
        raise SimulatedCrash(name)


def resource_name(order: Order, line: OrderLine) -> str:
    return f"{line.product_code}-{order.id}-{line.position + 1}"


def resource_request(order: Order, line: OrderLine) -> ResourceRequest:
    period = {"monthly": PeriodType.MONTH, "yearly": PeriodType.YEAR}.get(order.billing_mode)
    return ResourceRequest(
        kind=ResourceKind(line.product_code),
        region=order.region_code,
        spec=line.spec_code,
        client_token=line.client_token,
        name=resource_name(order, line),
        quantity=line.quantity,
        size=line.size,
        prepaid=order.prepaid,
        period=period,
        period_count=order.period,
    )


def _load(order_id: int, store_id: int) -> Order | None:
    return db.session.scalar(
        in_store(select(Order).where(Order.id == order_id), store_id).execution_options(
            populate_existing=True
        )
    )


def provision(order_id: int, store_id: int) -> OrderStatus | None:
    """Drive store ``store_id``'s order as far as the provider lets it go; the status it ends
    in. Commits each step before the provider call that follows it (the job's resume points).
    """
    order = _load(order_id, store_id)
    if order is None:
        return None
    if order.status in (OrderStatus.ACTIVE, OrderStatus.REFUNDED):
        return order.status
    if order.status == OrderStatus.FAILED:  # crashed between failing and refunding
        return refund(order.id, order.failure_reason or "Provisioning failed.")
    customer = db.session.get(Customer, order.customer_id)
    assert customer is not None
    provider_customer = order.provider_customer_id or customer.provider_customer_id
    if not provider_customer:
        if customer.provider_link == ProviderLink.LINKING:
            raise Retry("the customer's cloud account is still being linked")
        return refund(order.id, "Your cloud account is not linked to this store yet.")
    now = utcnow()
    if order.status != OrderStatus.PROVISIONING:
        order.status, order.updated_at = OrderStatus.PROVISIONING, now
        order.provider_customer_id = provider_customer
        orders.add_event(order, OrderStatus.PROVISIONING.value, now=now)
    order.attempts += 1
    commit_step("durable first: the order is provisioning before the provider is asked")
    checkpoint("provisioning")
    provider = cloud_provider()
    try:
        if order.prepaid and order.cost_total > 0 and order.funded_amount == 0:
            fund(order, provider_customer)
        session = None
        for line in order.lines:
            if line.done:
                continue
            session = session or provider.agency_session(
                customer_id=provider_customer, region=order.region_code
            )
            if line.created_at is None and order.kind is OrderKind.RENEWAL:
                send_renewal(order, line, session)  # more time for a resource it has
            if line.created_at is None and choices.rides_along(order, line):
                line.created_at = line.paid_at = utcnow()  # a server's system disk: bought with it
                commit_step("per item: the line that rides along is done")
                continue
            if line.created_at is None:
                request = choices.apply(order, line, resource_request(order, line))
                if request.kind is ResourceKind.ECS:  # the customer's network of the region
                    network = choices.chosen_network(order, line) or provider.ensure_network(
                        session=session, marker=choices.NETWORK_MARKER, name=choices.NETWORK_NAME
                    )
                    request = replace(request, vpc_id=network.vpc_id, subnet_id=network.subnet_id)
                    request = choices.secure(order, line, request, session)  # SSH/RDP (#17)
                made = provider.create_resources(session=session, request=request)
                line.provider_order_id = made.order_id
                line.resource_ids = ",".join(made.resource_ids)
                line.created_at = utcnow()
                if not made.order_id:
                    line.paid_at = line.created_at
                commit_step("durable first: the provider's resource ids before the next call")
                checkpoint("after_create")
            if line.paid_at is None and line.provider_order_id:
                provider.pay_order(session=session, order_id=line.provider_order_id)
                line.paid_at = utcnow()
                commit_step("durable first: the line is paid before the next call")
                checkpoint("after_pay")
        if session is not None and order.kind is OrderKind.PURCHASE:  # one server: its disks
            # attached, its EIP bound (#17)
            choices.connect(order, session)
    except UpstreamUnavailable as exc:
        db.session.rollback()
        raise Retry(str(exc)) from exc
    except UpstreamRejected as exc:
        db.session.rollback()
        return refund(order.id, f"The cloud provider refused the order: {exc.message}")
    choices.created(order)  # every server created: its login password is forgotten
    return complete(order)


RENEWAL_SENT = "renewal_sent"
PERIOD_OF_MODE = {"monthly": PeriodType.MONTH, "yearly": PeriodType.YEAR}


def send_renewal(order: Order, line: OrderLine, session: Any) -> None:
    """A renewal order's line: ``renew`` the resource at the provider (attached resources
    follow), exactly once. Commits. ``renewal_resources`` takes no client token, so the
    ``renewal_sent`` event is committed before every call; when one is there already, the
    customer's renewal orders pending payment since then are asked first
    (``pending_renewal_orders``) and one no other order holds is taken instead of renewing
    again. The pay step that follows is the purchase's (``pay_order``)."""
    provider = cloud_provider()
    customer_id = order.provider_customer_id or ""
    sent = [e.created_at for e in order.events if e.status == RENEWAL_SENT]
    found = None
    if sent:
        pending = provider.pending_renewal_orders(
            customer_id=customer_id, since=min(sent) - FUNDING_CLOCK_SKEW
        )
        taken = (
            set(
                db.session.scalars(
                    in_store(
                        select(OrderLine.provider_order_id).where(
                            OrderLine.provider_order_id.in_(pending), OrderLine.order_id != order.id
                        ),
                        order.store_id,
                    )
                )
            )
            if pending
            else set()
        )
        found = next((one for one in pending if one not in taken), None)
    if found is None:
        orders.add_event(order, RENEWAL_SENT, line.resource_ids)
        commit_step("durable first: renewal_sent before renew (no client token)")
        checkpoint("before_renew")
        found = provider.renew(
            session=session,
            resource_id=line.resource_ids,
            period=PERIOD_OF_MODE[order.billing_mode],
            count=order.period or 1,
        )
    line.provider_order_id, line.created_at = found, utcnow()
    commit_step("durable first: the provider's renewal order before the next call")
    checkpoint("after_renew")


# What happens when an order of another kind than a purchase becomes active (its area sets it:
# ``renewals`` records the new expiry and mails the customer); a purchase mails "order active".
ON_ACTIVE: dict[OrderKind, Callable[[Order], None]] = {}


# How far before our own record of a funding call the provider's record of it may be stamped
# (clock skew between us and the provider).
FUNDING_CLOCK_SKEW = timedelta(minutes=10)


def fund(order: Order, provider_customer: str) -> None:
    """Fund the customer's provider account with the order's cost, exactly once. Commits.

    ``update_customer_account_amount`` takes no client token, so a call whose answer we never
    heard (timeout, 5xx, a crash) may have landed. ``funding_started_at`` is committed before
    every call; when it is already set, the provider's adjustment records of this customer are
    asked first (``list_partner_adjust_records``): a funding of exactly this amount since then
    that no other order has claimed is this order's, and is recorded instead of sending again.
    """
    provider = cloud_provider()
    if order.funding_started_at is not None:
        landed = _landed_funding(order, provider_customer)
        if landed is not None:
            if not _claim(order, landed):
                raise Retry("another order claimed the funding found at the provider")
            return
    checkpoint("before_fund")
    order.funding_started_at = utcnow()
    commit_step("durable first: funding_started_at before funding (no client token)")
    transfer = provider.fund_customer(customer_id=provider_customer, amount=order.cost_total)
    order.funded_amount, order.funding_transfer_id = order.cost_total, transfer or None
    try:
        commit_step("durable first: the provider's funding as soon as it answered")
    except IntegrityError:
        # another order's look-up took this transfer for its own lost funding meanwhile: the
        # money is there once per order either way; this order looks again on its retry
        db.session.rollback()
        raise Retry("the funding was claimed by another order's look-up") from None
    checkpoint("after_fund")


def _claim(order: Order, transfer_id: str) -> bool:
    """Record a funding found at the provider as this order's; False if another order's
    concurrent claim won it (unique ``funding_transfer_id``)."""
    order.funded_amount, order.funding_transfer_id = order.cost_total, transfer_id
    orders.add_event(order, "funding_found", transfer_id)
    try:
        commit_step("durable first: the claimed funding (a unique transfer id decides)")
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _landed_funding(order: Order, provider_customer: str) -> str | None:
    assert order.funding_started_at is not None
    since = order.funding_started_at - FUNDING_CLOCK_SKEW
    fundings = cloud_provider().list_customer_fundings(customer_id=provider_customer, since=since)
    candidates = [f for f in fundings if f.amount == order.cost_total and f.transfer_id]
    if not candidates:
        return None
    # a provider customer is one store's customer: only that store's orders claim its fundings
    claimed = set(
        db.session.scalars(
            in_store(
                select(Order.funding_transfer_id).where(
                    Order.funding_transfer_id.in_([f.transfer_id for f in candidates]),
                    Order.id != order.id,
                ),
                order.store_id,
            )
        )
    )
    return next((f.transfer_id for f in candidates if f.transfer_id not in claimed), None)


def complete(order: Order) -> OrderStatus:
    """Every line delivered: record the resources and mark the order active. Commits."""
    now = utcnow()
    for line in order.lines:
        hourly = (
            None
            if order.prepaid
            else (line.amount / max(line.quantity, 1)).quantize(Decimal("0.01"))
        )
        names = choices.resource_names(order, line, resource_name(order, line))  # -1, -2 (#17)
        for rid, name in zip(line.provider_resource_ids, names, strict=True):
            exists = db.session.scalar(
                in_store(
                    select(Resource.id).where(Resource.provider_resource_id == rid),
                    order.store_id,
                )
            )
            if exists is None:
                db.session.add(
                    Resource(
                        store_id=order.store_id,
                        customer_id=order.customer_id,
                        order_id=order.id,
                        order_line_id=line.id,
                        provider_resource_id=rid,
                        provider_order_id=line.provider_order_id,
                        product_code=line.product_code,
                        spec_code=line.spec_code,
                        region_code=order.region_code,
                        billing_mode=order.billing_mode,
                        name=name,
                        status=ResourceStatus.ACTIVE,
                        hourly_price=hourly,
                        created_at=now,
                    )
                )
    order.status, order.active_at, order.updated_at = OrderStatus.ACTIVE, now, now
    orders.add_event(order, OrderStatus.ACTIVE.value, now=now)
    on_active = ON_ACTIVE.get(order.kind)
    if on_active is not None:
        on_active(order)
    else:
        mail.queue_customer_mail(
            "order_active", order.id, order.customer_id, order.store_id, order=order.id
        )
        events.order_active.send(order)
    commit_step("durable first: active before the provider is asked for its charges")
    settle_funding(order)
    return OrderStatus.ACTIVE


def settle_funding(order: Order) -> bool:
    """Compare what was funded for a prepaid order with what the provider charged for it (its
    orders' ``amount_after_discount``): reclaim a surplus to the partner, flag a shortfall for
    staff. The provider charges at the price it computes, which need not be the one we funded.
    Returns False when the provider could not be asked (reconcile tries again). Commits."""
    if not order.prepaid or not order.provider_customer_id or order.funded_amount <= 0:
        return True
    ids = {one for line in order.lines for one in (line.provider_order_id or "").split(",") if one}
    provider = cloud_provider()
    try:
        known = [provider.show_customer_order(order_id=one) for one in sorted(ids)]
    except CloudError as exc:
        log.warning("charges of order %s: %s", order.id, exc)
        orders.add_event(order, SETTLE_FAILED, str(exc))
        commit_step("the failed settlement stays for reconcile")
        return False
    charged = sum((k.amount for k in known if k is not None), Decimal("0.00"))
    surplus = order.funded_amount - charged
    note = f"funded {order.funded_amount}, charged {charged}"
    if surplus < 0:
        log.warning("order %s: the provider charged %s more than was funded", order.id, -surplus)
        orders.add_event(order, CHARGE_SHORTFALL, note)
    elif surplus > 0:
        try:
            provider.reclaim_customer_funds(customer_id=order.provider_customer_id, amount=surplus)
        except CloudError as exc:
            orders.add_event(order, SETTLE_FAILED, f"{note}; reclaiming {surplus}: {exc}")
            commit_step("the failed reclaim stays for reconcile")
            return False
        order.funded_amount -= surplus
        note += f", reclaimed {surplus}"
    orders.add_event(order, CHARGE_SETTLED, note)
    commit_step("durable first: the settlement after the provider's answers")
    return True


def refund(order_id: int, reason: str) -> OrderStatus:
    """Fail and refund the order to the wallet, then take back unused provider funds."""
    order = orders.refund_order(order_id, reason)
    commit_step("durable first: the refund stands before any provider call")
    assert order is not None
    if order.status == OrderStatus.REFUNDED:
        reclaim_unused_funds(order)
    return order.status


def reclaim_unused_funds(order: Order) -> None:
    """Best effort: take back from the customer's provider account what no line consumed."""
    unused = sum((line.cost_amount for line in order.lines if not line.done), Decimal("0.00"))
    if (
        order.funded_amount == 0
        and order.funding_started_at is not None
        and order.provider_customer_id
    ):  # a funding whose answer we never heard may have landed: take it back too
        try:
            landed = _landed_funding(order, order.provider_customer_id)
        except CloudError as exc:
            log.warning("looking up the funding of order %s failed: %s", order.id, exc)
            landed = None
        if landed is not None:
            _claim(order, landed)
    amount = min(unused, order.funded_amount)
    if amount <= 0 or not order.provider_customer_id:
        return
    try:
        cloud_provider().reclaim_customer_funds(
            customer_id=order.provider_customer_id, amount=amount
        )
    except CloudError as exc:
        log.warning("reclaiming %s from order %s failed: %s", amount, order.id, exc)
        orders.add_event(order, "reclaim_failed", f"{amount}: {exc}")
    else:
        order.funded_amount -= amount
        orders.add_event(order, "reclaimed", str(amount))
    commit_step("durable first: the reclaim after the provider's answer")
