"""ECS boot image and network, and VPC/EIP creates that survive a lost answer, against the
sandbox through the Huawei client."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from storefront.cloud.interface import (
    AgencySession,
    CloudProvider,
    PeriodType,
    ResourceKind,
    ResourceRequest,
    UpstreamRejected,
    UpstreamUnavailable,
)
from storefront.cloud.sandbox.testing import RunningSandbox

REGION = "cn-north-4"


@pytest.fixture
def session(provider: CloudProvider) -> AgencySession:
    made = provider.create_sub_customer(
        xaccount_id=uuid.uuid4().hex, account_name=f"n{uuid.uuid4().hex[:12]}"
    )
    return provider.agency_session(customer_id=made.customer_id, region=REGION)


def _ecs(token: str, **extra: object) -> ResourceRequest:
    return ResourceRequest(
        kind=ResourceKind.ECS, region=REGION, spec="s6.large.2.linux", client_token=token,
        name="ecs-1", period=PeriodType.MONTH, period_count=1, **extra,  # type: ignore[arg-type]
    )


def _listed(sandbox: RunningSandbox, kind: str, customer: str) -> list[dict[str, object]]:
    rows = sandbox._control("GET", "/_sandbox/resources", None)["resources"]
    return [r for r in rows if r["kind"] == kind and r["customer_id"] == customer]


def test_network_is_created_once_per_marker(
    provider: CloudProvider, session: AgencySession, sandbox: RunningSandbox
) -> None:
    first = provider.ensure_network(session=session, marker="sf1o1l0-net", name="net")
    again = provider.ensure_network(session=session, marker="sf1o1l0-net", name="net")
    assert again == first  # found through the list APIs, not made twice
    other = provider.ensure_network(session=session, marker="sf1o2l0-net", name="net")
    assert other.vpc_id != first.vpc_id
    assert len(_listed(sandbox, "vpc", session.customer_id)) == 2


def test_server_boots_the_configured_image_in_its_network(
    provider: CloudProvider, session: AgencySession
) -> None:
    net = provider.ensure_network(session=session, marker="m-net", name="net")
    made = provider.create_resources(
        session=session,
        request=_ecs("tok-ok", vpc_id=net.vpc_id, subnet_id=net.subnet_id),
    )
    assert made.order_id and len(made.resource_ids) == 1


def test_unknown_image_or_subnet_is_refused_like_the_provider(
    provider: CloudProvider, session: AgencySession
) -> None:
    net = provider.ensure_network(session=session, marker="m2-net", name="net")
    with pytest.raises(UpstreamRejected) as bad_image:
        provider.create_resources(
            session=session,
            request=_ecs("tok-img", image_ref="no-such-image", vpc_id=net.vpc_id,
                         subnet_id=net.subnet_id),
        )
    assert bad_image.value.code == "Ecs.0005" and bad_image.value.status == 400
    assert "image" in bad_image.value.message
    with pytest.raises(UpstreamRejected) as bad_subnet:
        provider.create_resources(
            session=session,
            request=_ecs("tok-net", vpc_id=net.vpc_id, subnet_id=str(uuid.uuid4())),
        )
    assert bad_subnet.value.code == "Ecs.0005" and "subnet" in bad_subnet.value.message


def test_vpc_whose_answer_was_lost_is_found_not_made_again(
    provider: CloudProvider, session: AgencySession, sandbox: RunningSandbox
) -> None:
    request = ResourceRequest(
        kind=ResourceKind.VPC, region=REGION, spec="vpc", client_token="tok-vpc", name="v",
        prepaid=False,
    )
    hang_s = sandbox.inspect()["faults"]["hang_s"]
    sandbox.set_faults(hang_s=0.05)
    sandbox.fail_once(f"/v1/{session.project_id}/vpcs", "after")
    try:
        with pytest.raises(UpstreamUnavailable):
            provider.create_resources(session=session, request=request)
    finally:
        sandbox.set_faults(hang_s=hang_s)
    made = provider.create_resources(session=session, request=request)
    vpcs = _listed(sandbox, "vpc", session.customer_id)
    assert [v["resource_id"] for v in vpcs] == list(made.resource_ids)  # exactly one


def test_eip_whose_answer_was_lost_is_found_with_its_order(
    provider: CloudProvider, session: AgencySession, sandbox: RunningSandbox
) -> None:
    request = ResourceRequest(
        kind=ResourceKind.EIP, region=REGION, spec="5_bgp", client_token="tok-eip", name="e",
        size=5, period=PeriodType.MONTH, period_count=1,
    )
    hang_s = sandbox.inspect()["faults"]["hang_s"]
    sandbox.set_faults(hang_s=0.05)
    sandbox.fail_once(f"/v2.0/{session.project_id}/publicips", "after")
    try:
        with pytest.raises(UpstreamUnavailable):
            provider.create_resources(session=session, request=request)
    finally:
        sandbox.set_faults(hang_s=hang_s)
    made = provider.create_resources(session=session, request=request)
    eips = _listed(sandbox, "eip", session.customer_id)
    assert [e["resource_id"] for e in eips] == list(made.resource_ids)  # exactly one
    assert made.order_id == eips[0]["order_id"]
    order = provider.show_customer_order(order_id=made.order_id)
    assert order is not None and order.amount > Decimal(0)
