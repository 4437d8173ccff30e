"""Keeping yearly/monthly resources, through the real client against the sandbox over HTTP:
renewal price and renewal (attached disks follow), the documented refusals, pay-per-use at
expiry, the provider's auto-renew switched off, unsubscribe with the refund of the unused part
and the funds reclaimed to the partner; all driven by the sandbox's clock."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from huaweicloudsdkbss.v2 import model as bss

from storefront.cloud.huawei.renewals import customer_bss
from storefront.cloud.interface import (
    AgencySession,
    CloudProvider,
    DataDisk,
    ExpiryPolicyRefused,
    NotRenewable,
    NotUnsubscribable,
    PaidTerm,
    PeriodType,
    ProviderResource,
    RatingItem,
    ResourceBusy,
    ResourceKind,
    ResourceRequest,
    UpstreamRejected,
    UpstreamUnavailable,
    renewed_expiry,
)
from storefront.cloud.sandbox.testing import RunningSandbox
from tests.cloud.conftest import settings_for
from tests.cloud.sdk_conformance import WireLog, problems
from tests.cloud.test_conformance import REGION, wire

__all__ = ["wire"]

DAY = timedelta(days=1)
SERVER_SPEC = "s6.small.1"


@dataclass
class Bought:
    sandbox: RunningSandbox
    provider: CloudProvider
    session: AgencySession
    order_id: str
    server: str

    @property
    def customer(self) -> str:
        return self.session.customer_id

    def move(self, delta: timedelta) -> None:
        self.sandbox._control(
            "POST", "/_sandbox/clock", {"offset_s": delta.total_seconds(), "signatures": False}
        )

    def listed(self, resource_id: str | None = None) -> ProviderResource:
        wanted = resource_id or self.server
        # asked by id, the provider also lists what is attached to it
        rows = self.provider.list_prepaid_resources(
            customer_id=self.customer, resource_ids=[wanted]
        )
        [found] = [r for r in rows if r.resource_id == wanted]
        return found

    def balance(self) -> Decimal:
        funds = self.sandbox._control("GET", "/_sandbox/resources", None)["funds"]
        return Decimal(str(funds[self.customer]))

    def paid(self, order_id: str) -> Decimal:
        order = self.provider.show_customer_order(order_id=order_id)
        assert order is not None
        return order.amount


@pytest.fixture
def buy(
    extra_sandbox: Callable[..., RunningSandbox], provider_for: Callable[..., CloudProvider]
) -> Callable[..., Bought]:
    """A private sandbox with a customer (funded 5000) who bought a prepaid server."""

    def make(period: PeriodType = PeriodType.MONTH, count: int = 1) -> Bought:
        sandbox = extra_sandbox()
        provider = provider_for(sandbox.url)
        customer = provider.create_sub_customer(
            xaccount_id=uuid.uuid4().hex, account_name="sf-" + uuid.uuid4().hex[:12]
        ).customer_id
        provider.fund_customer(customer_id=customer, amount=Decimal("5000"))
        session = provider.agency_session(customer_id=customer, region=REGION)
        server, order = _create(provider, session, ResourceKind.ECS, SERVER_SPEC, period, count)
        return Bought(sandbox, provider, session, order, server)

    return make


def _create(
    provider: CloudProvider,
    session: AgencySession,
    kind: ResourceKind,
    spec: str,
    period: PeriodType = PeriodType.MONTH,
    count: int = 1,
    size: int | None = None,
) -> tuple[str, str]:
    net = provider.ensure_network(session=session, marker="renew", name="renew")
    made = provider.create_resources(
        session=session,
        request=ResourceRequest(
            kind=kind,
            region=REGION,
            spec=spec,
            name="renew",
            client_token=uuid.uuid4().hex,
            prepaid=True,
            period=period,
            period_count=count,
            size=size,
            vpc_id=net.vpc_id,
            subnet_id=net.subnet_id,
        ),
    )
    assert made.order_id
    provider.pay_order(session=session, order_id=made.order_id)
    return made.resource_ids[0], made.order_id


def _list_price(provider: CloudProvider, period: PeriodType, count: int) -> Decimal:
    item = RatingItem(
        key="vm",
        service_type="hws.service.type.ec2",
        resource_type="hws.resource.type.vm",
        spec=f"{SERVER_SPEC}.linux",
        region=REGION,
    )
    return provider.rate_period(items=[item], period=period, count=count).official


def _months_later(moment: datetime, months: int) -> datetime:
    index = moment.month - 1 + months
    return moment.replace(year=moment.year + index // 12, month=index % 12 + 1)


# --------------------------------------------------------------------------- renewal price


@pytest.mark.parametrize(
    ("period", "count"),
    [(PeriodType.MONTH, n) for n in range(1, 10)] + [(PeriodType.YEAR, n) for n in (1, 2, 3)],
)
def test_the_renewal_price_is_the_list_price_of_the_period(
    buy: Callable[..., Bought], period: PeriodType, count: int
) -> None:
    b = buy()
    price = b.provider.renewal_price(
        session=b.session, resource_id=b.server, period=period, count=count
    )
    expected = _list_price(b.provider, period, count)
    assert price.official_amount == expected
    assert price.amount == expected  # the customer has no discount of its own
    assert price.currency == "CNY"
    if period is PeriodType.MONTH and count == 1:
        assert price.amount == b.paid(b.order_id)  # a month costs what the first month cost


def test_the_renewal_price_is_the_customers_own_price(buy: Callable[..., Bought]) -> None:
    b = buy()
    b.sandbox._control("POST", f"/_sandbox/customers/{b.customer}/discount", {"rate": "0.8"})
    price = b.provider.renewal_price(
        session=b.session, resource_id=b.server, period=PeriodType.MONTH, count=2
    )
    assert price.amount == (price.official_amount * Decimal("0.8")).quantize(Decimal("0.01"))


def test_the_renewal_price_answer_is_what_the_sdk_documents(
    buy: Callable[..., Bought], wire: WireLog
) -> None:
    b = buy()
    b.provider.renewal_price(
        session=b.session, resource_id=b.server, period=PeriodType.YEAR, count=1
    )
    answer = wire.last("POST", re.compile("/v2/bills/ratings/period-resources/renew-rate"))
    assert problems(bss.ListRenewRateOnPeriodResponse, answer.body) == []


# --------------------------------------------------------------------------- renewal


def test_renewing_extends_the_expiry_and_charges_the_renewal_price(
    buy: Callable[..., Bought],
) -> None:
    b = buy()
    before = b.listed()
    assert before.expires_at is not None and not before.auto_renew
    price = b.provider.renewal_price(
        session=b.session, resource_id=b.server, period=PeriodType.MONTH, count=3
    )
    balance = b.balance()
    order_id = b.provider.renew(
        session=b.session, resource_id=b.server, period=PeriodType.MONTH, count=3
    )
    assert b.listed().expires_at == before.expires_at  # pending payment: nothing yet
    b.provider.pay_order(session=b.session, order_id=order_id)
    assert b.balance() == balance - price.amount
    assert b.paid(order_id) == price.amount
    assert b.listed().expires_at == _months_later(before.expires_at, 3)
    assert b.listed().expires_at == renewed_expiry(before.expires_at, PeriodType.MONTH, 3)


def test_renewing_an_attached_disks_server_renews_the_disk_with_it(
    buy: Callable[..., Bought],
) -> None:
    b = buy()
    disk, _order = _create(b.provider, b.session, ResourceKind.EVS, "SSD", size=40)
    b.sandbox._control(
        "POST", f"/_sandbox/resources/{disk}/attach", {"parent_resource_id": b.server}
    )
    attached = b.listed(disk)
    assert attached.parent_id == b.server
    alone = b.provider.renewal_price(
        session=b.session, resource_id=b.server, period=PeriodType.MONTH, count=1
    )
    assert alone.official_amount > _list_price(b.provider, PeriodType.MONTH, 1)  # disk included
    with pytest.raises(NotRenewable) as err:  # only primary resources are renewed
        b.provider.renew(session=b.session, resource_id=disk, period=PeriodType.MONTH, count=1)
    assert err.value.code == "CBC.30010036"

    expiry = b.listed().expires_at
    assert expiry is not None
    order_id = b.provider.renew(
        session=b.session, resource_id=b.server, period=PeriodType.YEAR, count=1
    )
    b.provider.pay_order(session=b.session, order_id=order_id)
    assert b.listed().expires_at == renewed_expiry(expiry, PeriodType.YEAR, 1)
    assert b.listed(disk).expires_at == _months_later(expiry, 12)


def test_a_data_disk_bought_with_the_server_is_attached_and_renewed_with_it(
    buy: Callable[..., Bought],
) -> None:
    b = buy()
    net = b.provider.ensure_network(session=b.session, marker="renew", name="renew")
    made = b.provider.create_resources(
        session=b.session,
        request=ResourceRequest(
            kind=ResourceKind.ECS, region=REGION, spec=SERVER_SPEC, name="with-disk",
            client_token=uuid.uuid4().hex, prepaid=True, period=PeriodType.MONTH,
            period_count=1, vpc_id=net.vpc_id, subnet_id=net.subnet_id,
            data_disks=(DataDisk(volume_type="SSD", size_gb=100),),
        ),
    )
    assert made.order_id
    b.provider.pay_order(session=b.session, order_id=made.order_id)
    listed = b.provider.list_prepaid_resources(customer_id=b.customer, order_id=made.order_id)
    [server] = [r for r in listed if r.parent_id is None]
    disks = [r for r in listed if r.parent_id == server.resource_id]
    assert disks and server.expires_at is not None
    with pytest.raises(NotRenewable) as err:
        b.provider.renewal_price(
            session=b.session, resource_id=disks[0].resource_id, period=PeriodType.MONTH, count=1
        )
    assert err.value.code == "CBC.30050007"  # attached: priced with its server only
    order_id = b.provider.renew(
        session=b.session, resource_id=server.resource_id, period=PeriodType.MONTH, count=2
    )
    b.provider.pay_order(session=b.session, order_id=order_id)
    again = b.provider.list_prepaid_resources(customer_id=b.customer, order_id=made.order_id)
    expected = renewed_expiry(server.expires_at, PeriodType.MONTH, 2)
    assert {r.expires_at for r in again} == {expected}


def test_a_renewal_whose_answer_was_lost_is_found_and_paid(buy: Callable[..., Bought]) -> None:
    b = buy()
    expiry = b.listed().expires_at
    assert expiry is not None
    since = datetime.now(UTC) - timedelta(minutes=1)
    assert b.provider.pending_renewal_orders(customer_id=b.customer, since=since) == ()
    b.sandbox.fail_once("/v2/orders/subscriptions/resources/renew", "after")
    with pytest.raises(UpstreamUnavailable):  # carried out, its answer lost: not sent again
        b.provider.renew(session=b.session, resource_id=b.server, period=PeriodType.MONTH, count=1)
    with pytest.raises(ResourceBusy):  # a second one is refused while it is unpaid
        b.provider.renew(session=b.session, resource_id=b.server, period=PeriodType.MONTH, count=1)
    [order_id] = b.provider.pending_renewal_orders(customer_id=b.customer, since=since)
    b.provider.pay_order(session=b.session, order_id=order_id)
    assert b.provider.pending_renewal_orders(customer_id=b.customer, since=since) == ()
    assert b.listed().expires_at == renewed_expiry(expiry, PeriodType.MONTH, 1)


def test_a_resource_in_its_grace_period_is_renewed_back_into_use(
    buy: Callable[..., Bought],
) -> None:
    b = buy()
    expiry = b.listed().expires_at
    assert expiry is not None
    b.move(timedelta(days=30, hours=2))
    assert b.listed().status == "expired"
    order_id = b.provider.renew(
        session=b.session, resource_id=b.server, period=PeriodType.MONTH, count=1
    )
    b.provider.pay_order(session=b.session, order_id=order_id)
    renewed = b.listed()
    assert renewed.status == "active"
    assert renewed.expires_at == _months_later(expiry, 1)  # from the old expiry, not from now


def test_documented_refusals_of_a_renewal(buy: Callable[..., Bought]) -> None:
    b = buy()
    with pytest.raises(ValueError, match="1-11"):
        b.provider.renew(session=b.session, resource_id=b.server, period=PeriodType.MONTH, count=12)
    with pytest.raises(NotRenewable) as err:
        b.provider.renew(
            session=b.session, resource_id="no-such-id", period=PeriodType.MONTH, count=1
        )
    assert err.value.code == "CBC.99003016"
    with pytest.raises(NotRenewable) as err:
        b.provider.renewal_price(
            session=b.session, resource_id="no-such-id", period=PeriodType.MONTH, count=1
        )
    assert err.value.code == "CBC.30050009"

    first = b.provider.renew(
        session=b.session, resource_id=b.server, period=PeriodType.MONTH, count=1
    )
    with pytest.raises(ResourceBusy) as busy:  # a second renewal while one is unpaid
        b.provider.renew(session=b.session, resource_id=b.server, period=PeriodType.MONTH, count=1)
    assert busy.value.code == "CBC.99003100"
    with pytest.raises(ResourceBusy):
        b.provider.renewal_price(
            session=b.session, resource_id=b.server, period=PeriodType.MONTH, count=1
        )
    with pytest.raises(ResourceBusy) as busy:  # nor unsubscribed while a renewal is unpaid
        b.provider.unsubscribe(session=b.session, resource_id=b.server)
    assert busy.value.code == "CBC.99003100"
    b.provider.pay_order(session=b.session, order_id=first)

    b.move(timedelta(days=61) + 2 * DAY + timedelta(hours=1))  # past grace and retention
    assert b.listed().status == "released"
    with pytest.raises(NotRenewable) as err:
        b.provider.renew(session=b.session, resource_id=b.server, period=PeriodType.MONTH, count=1)
    assert err.value.code == "CBC.99003016"


def test_an_on_demand_resource_has_no_renewal_price(buy: Callable[..., Bought]) -> None:
    b = buy()
    net = b.provider.ensure_network(session=b.session, marker="renew", name="renew")
    made = b.provider.create_resources(
        session=b.session,
        request=ResourceRequest(
            kind=ResourceKind.ECS,
            region=REGION,
            spec=SERVER_SPEC,
            name="od",
            client_token=uuid.uuid4().hex,
            prepaid=False,
            vpc_id=net.vpc_id,
            subnet_id=net.subnet_id,
        ),
    )
    with pytest.raises(NotRenewable) as err:
        b.provider.renewal_price(
            session=b.session, resource_id=made.resource_ids[0], period=PeriodType.MONTH, count=1
        )
    assert err.value.code == "CBC.30050013"


# --------------------------------------------------------------------------- at expiry


def test_pay_per_use_at_expiry_turns_the_server_on_demand_when_it_expires(
    buy: Callable[..., Bought],
) -> None:
    b = buy()
    b.provider.change_to_on_demand(session=b.session, resource_id=b.server)
    assert b.listed().on_demand_at_expiry
    b.move(timedelta(days=29))
    assert b.listed().status == "active"
    b.move(timedelta(days=30, hours=3))
    assert b.provider.list_prepaid_resources(customer_id=b.customer, resource_ids=[b.server]) == ()
    [now_on_demand] = b.provider.list_on_demand_resources(
        customer_id=b.customer, resource_ids=[b.server]
    )
    assert now_on_demand.status == "active" and not now_on_demand.prepaid


def test_pay_per_use_at_expiry_can_be_cancelled_and_is_refused_in_the_grace_period(
    buy: Callable[..., Bought],
) -> None:
    b = buy()
    b.provider.change_to_on_demand(session=b.session, resource_id=b.server)
    b.provider.change_to_on_demand(session=b.session, resource_id=b.server, enabled=False)
    assert not b.listed().on_demand_at_expiry
    b.move(timedelta(days=30, hours=2))
    assert b.listed().status == "expired"
    with pytest.raises(ExpiryPolicyRefused) as err:
        b.provider.change_to_on_demand(session=b.session, resource_id=b.server)
    assert err.value.code == "CBC.99003610"


def test_the_providers_auto_renew_is_switched_off(buy: Callable[..., Bought]) -> None:
    b = buy()
    # a resource set to auto-renew elsewhere (the provider's console, a customer's own call)
    _sdk_auto_renew_on(b)
    assert b.listed().auto_renew
    b.provider.cancel_auto_renew(session=b.session, resource_id=b.server)
    assert not b.listed().auto_renew
    expiry = b.listed().expires_at
    b.move(timedelta(days=29))
    assert b.listed().expires_at == expiry  # nothing renewed behind the store's back


def _sdk_auto_renew_on(b: Bought) -> None:
    """Auto-renew on, as the provider's own SDK call does it (the client does not offer it)."""
    client: Any = b.provider
    req = bss.AutoRenewalResourcesRequest(
        resource_id=b.server, body=bss.AutoRenewalResourcesReq(period_type="MONTH")
    )
    customer_bss(client, b.session).auto_renewal_resources(req)


def test_the_providers_auto_renew_charges_seven_days_before_expiry(
    buy: Callable[..., Bought],
) -> None:
    b = buy()
    expiry = b.listed().expires_at
    assert expiry is not None
    _sdk_auto_renew_on(b)
    balance = b.balance()
    b.move(timedelta(days=22, hours=-1))
    assert b.listed().expires_at == expiry
    b.move(timedelta(days=23, hours=1))
    assert b.listed().expires_at == _months_later(expiry, 1)
    assert b.balance() == balance - b.paid(b.order_id)


# --------------------------------------------------------------------------- unsubscribe


def _terms(b: Bought) -> list[PaidTerm]:
    listed = b.listed()
    assert listed.effective_at is not None and listed.expires_at is not None
    return [
        PaidTerm(
            order_id=b.order_id,
            amount=b.paid(b.order_id),
            starts_at=listed.effective_at,
            ends_at=listed.expires_at,
            period=PeriodType.MONTH,
            count=1,
        )
    ]


def test_unsubscribing_refunds_the_unused_part_less_the_handling_fee(
    buy: Callable[..., Bought],
) -> None:
    b = buy()
    paid = b.paid(b.order_id)
    terms = _terms(b)
    b.move(timedelta(days=10, minutes=30))
    at = datetime.now(UTC) + timedelta(days=10, minutes=30)
    quote = b.provider.unsubscribe_quote(terms=terms, at=at)
    # hours from the whole hour the term began, used up to the whole hour of unsubscribing;
    # 10 % handling fee on a monthly term
    start = terms[0].starts_at.replace(minute=0, second=0, microsecond=0)
    total_h = (terms[0].ends_at - start) // timedelta(hours=1)
    used_h = (at.replace(minute=0, second=0, microsecond=0) - start) // timedelta(hours=1)
    assert 240 <= used_h <= 241 and total_h == 720
    consumed = (paid * used_h / total_h).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    assert quote.consumed == consumed
    assert quote.fee == (paid / 10).quantize(Decimal("0.01"))
    assert quote.refund == paid - quote.consumed - quote.fee
    balance = b.balance()
    done = b.provider.unsubscribe(session=b.session, resource_id=b.server)
    assert done.refund == quote.refund
    assert b.balance() == balance + done.refund
    assert b.listed().status == "released"
    with pytest.raises(NotUnsubscribable) as err:  # twice
        b.provider.unsubscribe(session=b.session, resource_id=b.server)
    assert err.value.code == "CBC.30000067"
    # the refund is reclaimed to the partner
    assert b.provider.reclaim_customer_funds(customer_id=b.customer, amount=done.refund)
    assert b.balance() == balance


def test_within_five_days_the_refund_is_full(buy: Callable[..., Bought]) -> None:
    b = buy()
    paid = b.paid(b.order_id)
    b.move(timedelta(days=2))
    done = b.provider.unsubscribe(session=b.session, resource_id=b.server)
    assert done.refund == paid
    quote = b.provider.unsubscribe_quote(
        terms=_terms(b), at=datetime.now(UTC) + 2 * DAY, five_day_full_refund=True
    )
    assert quote.refund == paid


def test_unsubscribing_renewals_only_refunds_them_in_full_and_keeps_the_resource(
    buy: Callable[..., Bought],
) -> None:
    b = buy()
    expiry = b.listed().expires_at
    with pytest.raises(NotUnsubscribable) as err:  # nothing renewed yet
        b.provider.unsubscribe(session=b.session, resource_id=b.server, renewals_only=True)
    assert err.value.code == "CBC.99003128"
    order_id = b.provider.renew(
        session=b.session, resource_id=b.server, period=PeriodType.MONTH, count=2
    )
    b.provider.pay_order(session=b.session, order_id=order_id)
    b.move(timedelta(days=10))
    done = b.provider.unsubscribe(session=b.session, resource_id=b.server, renewals_only=True)
    assert done.refund == b.paid(order_id)
    kept = b.listed()
    assert kept.status == "active" and kept.expires_at == expiry


def test_unsubscribing_a_renewed_resource_refunds_the_renewal_in_full(
    buy: Callable[..., Bought], wire: WireLog
) -> None:
    b = buy()
    terms = _terms(b)
    order_id = b.provider.renew(
        session=b.session, resource_id=b.server, period=PeriodType.MONTH, count=1
    )
    b.provider.pay_order(session=b.session, order_id=order_id)
    renewal = PaidTerm(
        order_id=order_id,
        amount=b.paid(order_id),
        starts_at=terms[0].ends_at,
        ends_at=_months_later(terms[0].ends_at, 1),
        period=PeriodType.MONTH,
        count=1,
    )
    b.move(timedelta(days=20))
    quote = b.provider.unsubscribe_quote(
        terms=[*terms, renewal], at=datetime.now(UTC) + timedelta(days=20)
    )
    done = b.provider.unsubscribe(session=b.session, resource_id=b.server)
    assert done.refund == quote.refund
    assert done.refund > renewal.amount  # the renewal in full, plus what is left of the month
    answer = wire.last("GET", re.compile("/v2/orders/customer-orders/refund-orders"))
    assert problems(bss.ShowRefundOrderDetailsResponse, answer.body) == []
    assert {line["base_order_id"] for line in answer.body["refund_infos"]} == {b.order_id, order_id}


def test_every_answer_is_what_the_sdk_model_documents(
    buy: Callable[..., Bought], wire: WireLog
) -> None:
    b = buy()
    order_id = b.provider.renew(
        session=b.session, resource_id=b.server, period=PeriodType.MONTH, count=1
    )
    b.provider.pay_order(session=b.session, order_id=order_id)
    b.provider.change_to_on_demand(session=b.session, resource_id=b.server)
    b.provider.cancel_auto_renew(session=b.session, resource_id=b.server)
    b.listed()
    b.provider.unsubscribe(session=b.session, resource_id=b.server)
    prefix = "/v2/orders/subscriptions/resources"
    listing = "/v2/orders/suscriptions/resources/query"
    for method, path, model in (
        ("POST", f"{prefix}/renew", bss.RenewalResourcesResponse),
        ("POST", f"{prefix}/to-on-demand", bss.UpdatePeriodToOnDemandResponse),
        ("DELETE", f"{prefix}/autorenew/{b.server}", bss.CancelAutoRenewalResourcesResponse),
        ("POST", f"{prefix}/unsubscribe", bss.CancelResourcesSubscriptionResponse),
        ("POST", listing, bss.ListPayPerUseCustomerResourcesResponse),
    ):
        answer = wire.last(method, re.compile(re.escape(path)))
        assert problems(model, answer.body) == [], path


def test_the_renewed_expiry_keeps_the_day_or_the_months_last() -> None:
    moment = datetime(2026, 1, 31, 10, 30, tzinfo=UTC)
    assert renewed_expiry(moment, PeriodType.MONTH, 1) == datetime(2026, 2, 28, 10, 30, tzinfo=UTC)
    assert renewed_expiry(moment, PeriodType.MONTH, 11) == datetime(
        2026, 12, 31, 10, 30, tzinfo=UTC
    )
    assert renewed_expiry(moment, PeriodType.YEAR, 3) == datetime(2029, 1, 31, 10, 30, tzinfo=UTC)


def test_the_partners_own_keys_are_refused(buy: Callable[..., Bought]) -> None:
    """Renewing, unsubscribing and pricing a renewal take the customer's credentials."""
    b = buy()
    partner = _partner_session(b)
    with pytest.raises(UpstreamRejected) as err:
        b.provider.renewal_price(
            session=partner, resource_id=b.server, period=PeriodType.MONTH, count=1
        )
    assert (err.value.status, err.value.code) == (403, "CBC.0151")
    with pytest.raises(UpstreamRejected) as err:
        b.provider.unsubscribe(session=partner, resource_id=b.server)
    assert (err.value.status, err.value.code) == (403, "CBC.0151")
    assert b.listed().status == "active"


def _partner_session(b: Bought) -> AgencySession:
    settings = settings_for(b.sandbox.url)
    return AgencySession(
        customer_id=settings.domain_id, region=REGION, project_id=b.session.project_id,
        access_key=settings.ak, secret_key=settings.sk, security_token="",
    )
