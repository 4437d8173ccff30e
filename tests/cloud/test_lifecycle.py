"""The sandbox's documented state machines, driven by its clock (``POST /_sandbox/clock``) and
read through the real client: orders 6 -> 3 -> 5 (or 4 when never paid), yearly/monthly
resources 2 -> 5 -> 4 -> 3 (storefront/cloud/sandbox/lifecycle.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from huaweicloudsdkbss.v2 import model as bss

from storefront.cloud import UpstreamRejected
from storefront.cloud.interface import (
    CloudProvider,
    PeriodType,
    ProviderOrderStatus,
    ResourceKind,
    ResourceRequest,
)
from storefront.cloud.sandbox.lifecycle import DAY_S, Lifecycle
from storefront.cloud.sandbox.testing import RunningSandbox
from tests.cloud.sdk_conformance import WireLog, problems
from tests.cloud.test_conformance import REGION, wire

__all__ = ["wire"]

PrivateSandbox = tuple[RunningSandbox, CloudProvider]


@pytest.fixture
def private(
    extra_sandbox: Callable[..., RunningSandbox], provider_for: Callable[..., CloudProvider]
) -> Callable[..., PrivateSandbox]:
    def make(**lifecycle: float) -> PrivateSandbox:
        running = extra_sandbox(lifecycle=lifecycle)
        return running, provider_for(running.url)

    return make


def _buy(provider: CloudProvider, *, pay: bool = True) -> tuple[Any, str, str]:
    """A customer's prepaid one-month server: (session, order id, server id)."""
    customer = provider.create_sub_customer(
        xaccount_id=uuid.uuid4().hex, account_name="sf-" + uuid.uuid4().hex[:12]
    ).customer_id
    provider.fund_customer(customer_id=customer, amount=Decimal("500"))
    session = provider.agency_session(customer_id=customer, region=REGION)
    net = provider.ensure_network(session=session, marker="life", name="life")
    made = provider.create_resources(
        session=session,
        request=ResourceRequest(
            kind=ResourceKind.ECS, region=REGION, spec="s6.small.1", name="life",
            client_token=uuid.uuid4().hex, prepaid=True, period=PeriodType.MONTH,
            period_count=1, vpc_id=net.vpc_id, subnet_id=net.subnet_id,
        ),
    )
    assert made.order_id
    if pay:
        provider.pay_order(session=session, order_id=made.order_id)
    return session, made.order_id, made.resource_ids[0]


def _move(sandbox: RunningSandbox, seconds: float) -> None:
    sandbox._control("POST", "/_sandbox/clock", {"offset_s": seconds, "signatures": False})


def _status(provider: CloudProvider, session: Any, order_id: str) -> ProviderOrderStatus:
    found = provider.show_customer_order(order_id=order_id)
    assert found is not None
    return found.status


def test_a_paid_order_is_processing_then_completed_after_the_processing_time(
    private: Callable[..., PrivateSandbox],
) -> None:
    sandbox, provider = private(order_processing_s=120)
    session, order_id, server = _buy(provider)
    customer = session.customer_id
    assert _status(provider, session, order_id) is ProviderOrderStatus.PROCESSING
    # still being made: not listed as in use, and ECS shows it building
    assert provider.list_prepaid_resources(customer_id=customer, order_id=order_id) == ()
    assert provider.server_power_states(session=session, server_ids=[server]) == {server: "BUILD"}
    # paying again while it is processing is "already paid", not an error
    provider.pay_order(session=session, order_id=order_id)

    _move(sandbox, 121)
    assert _status(provider, session, order_id) is ProviderOrderStatus.COMPLETED
    [resource] = provider.list_prepaid_resources(customer_id=customer, order_id=order_id)
    assert resource.status == "active"
    assert resource.expires_at is not None
    # a month from when processing finished, not from when it was paid
    expected = datetime.now(UTC) + timedelta(seconds=121) + timedelta(days=30)
    assert abs((resource.expires_at - expected).total_seconds()) < 60


def test_without_processing_time_a_paid_order_is_completed_at_once(
    private: Callable[..., PrivateSandbox],
) -> None:
    _sandbox, provider = private(order_processing_s=0)
    session, order_id, _server = _buy(provider)
    assert _status(provider, session, order_id) is ProviderOrderStatus.COMPLETED


def test_an_order_never_paid_is_cancelled_after_the_payment_deadline(
    private: Callable[..., PrivateSandbox],
) -> None:
    sandbox, provider = private()
    session, order_id, _server = _buy(provider, pay=False)
    assert _status(provider, session, order_id) is ProviderOrderStatus.UNPAID
    _move(sandbox, Lifecycle().unpaid_order_cancel_s - 60)
    assert _status(provider, session, order_id) is ProviderOrderStatus.UNPAID
    _move(sandbox, Lifecycle().unpaid_order_cancel_s + 1)
    assert _status(provider, session, order_id) is ProviderOrderStatus.CANCELLED
    with pytest.raises(UpstreamRejected) as err:  # the documented "status changed" code
        provider.pay_order(session=session, order_id=order_id)
    assert err.value.code == "CBC.99003106"


def test_a_prepaid_resource_expires_then_freezes_then_closes(
    private: Callable[..., PrivateSandbox], wire: WireLog
) -> None:
    sandbox, provider = private()
    session, order_id, server = _buy(provider)
    customer = session.customer_id

    def status() -> str:
        [resource] = provider.list_prepaid_resources(customer_id=customer, order_id=order_id)
        return resource.status

    life = Lifecycle()
    assert life.prepaid_grace_s == life.prepaid_retention_s == DAY_S  # level V0's documented days
    month = 30 * DAY_S
    assert status() == "active"
    _move(sandbox, month - 60)
    assert status() == "active"
    _move(sandbox, month + 60)
    assert status() == "expired"  # grace period (5): still usable
    assert provider.server_power_states(session=session, server_ids=[server]) == {server: "ACTIVE"}
    _move(sandbox, month + life.prepaid_grace_s + 60)
    assert status() == "frozen"  # retention period (4)
    _move(sandbox, month + life.prepaid_grace_s + life.prepaid_retention_s + 60)
    assert status() == "released"  # closed (3)
    # the clock going back does not bring it back
    _move(sandbox, 0)
    assert status() == "released"
    # every answer on the way held only what the SDK model documents: codes 2, 5, 4, 3
    listings = [a for a in wire.answers if a.path.endswith("/suscriptions/resources/query")]
    assert [a.body["data"][0]["status"] for a in listings] == [2, 2, 5, 4, 3, 3]
    for answer in listings:
        assert problems(bss.ListPayPerUseCustomerResourcesResponse, answer.body) == []


def test_lifecycle_settings_are_read_and_changed_through_the_control_endpoint(
    private: Callable[..., PrivateSandbox],
) -> None:
    sandbox, _provider = private(prepaid_grace_s=7 * DAY_S)
    assert sandbox._control("GET", "/_sandbox/lifecycle", None)["prepaid_grace_s"] == 7 * DAY_S
    changed = sandbox._control("POST", "/_sandbox/lifecycle", {"order_processing_s": 3})
    assert changed["order_processing_s"] == 3
    with pytest.raises(Exception, match="400"):
        sandbox._control("POST", "/_sandbox/lifecycle", {"order_processing_s": -1})
