"""The provider's documented contract (../shared/PROVIDER.md): codes and states read from the
official SDK's own models, the agency name, error codes and the international auth host.

The status tables are checked against the SDK model's field docs, so a table that invents a code
(or misses a documented one) fails here, not at a partner's first purchase."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from huaweicloudsdkbss.v2 import model as bss
from huaweicloudsdkecs.v2 import model as ecs

from storefront.cloud import CloudSettings, UpstreamRejected, build_provider
from storefront.cloud.huawei import (
    ON_DEMAND_RESOURCE_STATUS,
    ORDER_STATUS,
    PREPAID_RESOURCE_STATUS,
    order_status,
    resource_status,
)
from storefront.cloud.interface import CloudProvider, ProviderOrderStatus
from storefront.cloud.sandbox.testing import RunningSandbox
from tests.cloud.conftest import settings_for


def documented_codes(model: type, attribute: str) -> dict[int, str]:
    """``{code: meaning}`` from an SDK model's field doc such as ``1：待审核2：待退款…``."""
    doc = getattr(model, attribute).__doc__ or ""
    return {int(code): word for code, word in re.findall(r"(\d+)：([^\d\s：]+)", doc)}


ORDER_DOC = documented_codes(bss.CustomerOrderV2, "status")
ON_DEMAND_DOC = documented_codes(bss.CustomerOnDemandResource, "status")


def test_the_sdk_docs_are_what_provider_md_quotes() -> None:
    assert ORDER_DOC == {
        1: "待审核", 2: "待退款", 3: "处理中", 4: "已取消", 5: "已完成", 6: "待支付",
        9: "待确认", 10: "待发货", 11: "待收货", 12: "待上门取货", 13: "换新中",
    }
    assert set(ON_DEMAND_DOC) == {1, 2, 3, 4, 5, 6}


def test_every_documented_order_code_has_one_meaning() -> None:
    # 10-13 are physical goods only; every other documented code is in the table.
    assert set(ORDER_STATUS) == {c for c in ORDER_DOC if c < 10}
    expected = {
        1: ProviderOrderStatus.PROCESSING,  # pending review
        2: ProviderOrderStatus.PROCESSING,  # pending refund
        3: ProviderOrderStatus.PROCESSING,  # processing
        4: ProviderOrderStatus.CANCELLED,
        5: ProviderOrderStatus.COMPLETED,
        6: ProviderOrderStatus.UNPAID,
        9: ProviderOrderStatus.PROCESSING,  # pending confirmation
    }
    for code, status in expected.items():
        assert order_status(code) is status, (code, ORDER_DOC[code])
    # Nothing undocumented is ever read as paid or cancelled.
    assert order_status(77) is ProviderOrderStatus.PROCESSING


@pytest.mark.parametrize(
    ("code", "status"), [(2, "active"), (3, "released"), (4, "frozen"), (5, "expired")]
)
def test_prepaid_resource_codes(code: int, status: str) -> None:
    assert resource_status(code, prepaid=True) == status


@pytest.mark.parametrize(
    ("code", "status"),
    [(1, "active"), (2, "expired"), (3, "frozen"), (4, "active"), (5, "released"),
     (6, "released")],
)
def test_on_demand_resource_codes(code: int, status: str) -> None:
    assert set(ON_DEMAND_RESOURCE_STATUS) == set(ON_DEMAND_DOC)
    assert resource_status(code, prepaid=False) == status


def test_a_normal_on_demand_resource_is_not_creating_and_an_expired_prepaid_is_not_released(
) -> None:
    # The two tables differ: the same code means different things in each listing.
    assert resource_status(1, prepaid=False) == "active"
    assert resource_status(5, prepaid=True) == "expired"
    assert set(PREPAID_RESOURCE_STATUS) == {2, 3, 4, 5}


# --- the sandbox answers with the documented codes -----------------------------------------


def _customer(provider: CloudProvider) -> str:
    made = provider.create_sub_customer(
        xaccount_id=uuid.uuid4().hex, account_name="sf-" + uuid.uuid4().hex[:12]
    )
    return made.customer_id


def test_assume_role_needs_the_agency_named_after_the_xaccount_type(
    sandbox: RunningSandbox,
) -> None:
    right = build_provider(settings_for(sandbox.url))
    customer = _customer(right)
    session = right.agency_session(customer_id=customer, region="cn-north-4")
    assert session.project_id

    # The old hard-coded name is refused, as the provider refuses any agency not granted.
    wrong = build_provider(
        settings_for(sandbox.url, STOREFRONT_CLOUD_AGENCY_NAME="storefront_partner_agency")
    )
    with pytest.raises(UpstreamRejected) as err:
        wrong.agency_session(customer_id=customer, region="cn-north-4")
    assert err.value.code == "IAM.0002"


def test_agency_setting_defaults_to_the_xaccount_type() -> None:
    base = {"STOREFRONT_CLOUD": "huaweicloud", "STOREFRONT_CLOUD_AK": "a",
            "STOREFRONT_CLOUD_SK": "s", "STOREFRONT_CLOUD_DOMAIN_ID": "d",
            "STOREFRONT_CLOUD_XACCOUNT_TYPE": "acme_IDP"}
    assert CloudSettings.from_mapping(base).agency == "acme_IDP"
    named = CloudSettings.from_mapping({**base, "STOREFRONT_CLOUD_AGENCY_NAME": "granted"})
    assert named.agency == "granted"


def test_international_profile_logs_in_on_the_international_auth_host() -> None:
    base = {"STOREFRONT_CLOUD": "huaweicloud", "STOREFRONT_CLOUD_AK": "a",
            "STOREFRONT_CLOUD_SK": "s", "STOREFRONT_CLOUD_DOMAIN_ID": "d"}
    intl = CloudSettings.from_mapping({**base, "STOREFRONT_CLOUD_PROFILE": "intl"})
    cn = CloudSettings.from_mapping(base)
    assert intl.auth_host == "https://auth-intl.huaweicloud.com"
    assert cn.auth_host == "https://auth.huaweicloud.com"


def _sdk(sandbox: RunningSandbox, method: str, path: str, body: Any = None) -> Any:
    """A signed call with the demo partner's keys, answered as raw JSON."""
    from storefront.cloud.huawei.signed import SignedRequester

    return SignedRequester(settings_for(sandbox.url)).request(method, path, body=body)


def _server(provider: CloudProvider, *, prepaid: bool) -> tuple[str, Any, Any]:
    """A funded new customer with one small server (monthly when ``prepaid``), through the
    real client: ``(customer id, agency session, created resources)``."""
    from storefront.cloud.interface import PeriodType, ResourceKind, ResourceRequest

    customer = _customer(provider)
    provider.fund_customer(customer_id=customer, amount=Decimal("500"))
    session = provider.agency_session(customer_id=customer, region="cn-north-4")
    net = provider.ensure_network(session=session, marker="contract", name="contract")
    made = provider.create_resources(
        session=session,
        request=ResourceRequest(
            kind=ResourceKind.ECS, region="cn-north-4", spec="s6.small.1", quantity=1,
            name="contract", client_token=uuid.uuid4().hex, prepaid=prepaid,
            period=PeriodType.MONTH if prepaid else None, period_count=1 if prepaid else None,
            vpc_id=net.vpc_id, subnet_id=net.subnet_id,
        ),
    )
    return customer, session, made


def test_sandbox_order_and_resource_codes_deserialize_into_the_sdk_models(
    sandbox: RunningSandbox, provider: CloudProvider
) -> None:
    """Buy an on-demand and a prepaid server through the real client, then read the raw
    listings into the SDK's models: only documented codes come back."""
    customer, session, made = _server(provider, prepaid=True)
    assert made.order_id
    unpaid = provider.show_customer_order(order_id=made.order_id)
    assert unpaid is not None and unpaid.status is ProviderOrderStatus.UNPAID
    raw = _sdk(sandbox, "GET", f"/v2/orders/customer-orders/details/{made.order_id}")
    assert raw["order_info"]["status"] == 6  # pending payment, as documented
    # An unpaid order's resources are not listed as in use.
    assert provider.list_prepaid_resources(customer_id=customer, order_id=made.order_id) == ()

    provider.pay_order(session=session, order_id=made.order_id)
    raw = _sdk(sandbox, "GET", f"/v2/orders/customer-orders/details/{made.order_id}")
    assert raw["order_info"]["status"] in ORDER_DOC and raw["order_info"]["status"] in (3, 5)
    order = bss.CustomerOrderV2(**raw["order_info"])
    assert order_status(order.status) in (
        ProviderOrderStatus.PROCESSING, ProviderOrderStatus.COMPLETED
    )
    # Paying again: the documented "status changed" code, which the client reads as paid.
    provider.pay_order(session=session, order_id=made.order_id)

    listed = _sdk(
        sandbox, "POST", "/v2/orders/suscriptions/resources/query",
        {"customer_id": customer, "order_id": made.order_id},
    )
    assert listed["data"] and {r["status"] for r in listed["data"]} <= {2, 3, 4, 5}
    [resource] = provider.list_prepaid_resources(customer_id=customer, order_id=made.order_id)
    assert resource.status == "active"

    on_demand = _sdk(
        sandbox, "POST", "/v2/partners/sub-customers/on-demand-resources/query",
        {"customer_id": customer},
    )
    assert {r["status"] for r in on_demand["resources"]} <= set(ON_DEMAND_DOC)


def test_pay_errors_are_the_documented_codes(sandbox: RunningSandbox) -> None:
    provider = build_provider(settings_for(sandbox.url))
    customer = _customer(provider)
    session = provider.agency_session(customer_id=customer, region="cn-north-4")
    with pytest.raises(UpstreamRejected) as err:
        provider.pay_order(session=session, order_id="CS" + uuid.uuid4().hex[:16].upper())
    assert err.value.code == "CBC.30000010"


def test_a_stopped_server_is_in_use_for_billing_and_shutoff_for_ecs(
    sandbox: RunningSandbox, provider: CloudProvider
) -> None:
    customer, session, made = _server(provider, prepaid=False)
    [server_id] = made.resource_ids
    assert provider.server_power_states(session=session, server_ids=[server_id]) == {
        server_id: "ACTIVE"
    }
    sandbox._control("POST", f"/_sandbox/resources/{server_id}/status", {"status": "stopped"})
    states = provider.server_power_states(session=session, server_ids=[server_id, "gone"])
    assert states == {server_id: "SHUTOFF"}
    # The word is one the SDK model documents for ServerDetail.status.
    assert "SHUTOFF" in (ecs.ServerDetail.status.__doc__ or "")
    [listed] = provider.list_on_demand_resources(customer_id=customer, resource_ids=[server_id])
    assert listed.status == "active"  # billing: normal (1); the power state is ECS's word


def test_a_partners_own_sdk_can_drive_the_sandbox(sandbox: RunningSandbox) -> None:
    """``GET /_sandbox/partner`` gives what the official SDK needs, from outside the project."""
    import requests
    from huaweicloudsdkbss.v2 import BssClient
    from huaweicloudsdkcore.auth.credentials import GlobalCredentials

    info = requests.get(f"{sandbox.url}/_sandbox/partner", timeout=5).json()
    assert set(info) == {"ak", "sk", "domain_id", "xaccount_type", "project_id", "distributor"}
    assert set(info["distributor"]) == {"ak", "sk", "domain_id"}
    client = (
        BssClient.new_builder()
        .with_credentials(GlobalCredentials(info["ak"], info["sk"], info["domain_id"]))
        .with_endpoint(sandbox.url)
        .build()
    )
    answer = client.check_user_identity(
        bss.CheckUserIdentityRequest(
            body=bss.CheckSubcustomerUserReq(search_type="name", search_value="sf-outside-tool")
        )
    )
    assert answer.check_result == "available"
