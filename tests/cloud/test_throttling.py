"""The provider's per-API, per-second quotas: the sandbox answers 429 as documented, and the
client keeps one budget per API so it is never refused, and retries a 429 when it is."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest
from huaweicloudsdkbss.v2 import BssClient
from huaweicloudsdkbss.v2 import model as m
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from storefront.cloud import IdentityKind, UpstreamThrottled, build_provider
from storefront.cloud.huawei import credentials, http_config
from storefront.cloud.quota import QuotaBudget
from storefront.cloud.sandbox.quotas import QuotaGate
from storefront.cloud.sandbox.testing import RunningSandbox
from tests.cloud.conftest import settings_for


def partner_tool(url: str) -> BssClient:
    """The official SDK as a partner's own tool would use it: no budget of ours."""
    settings = settings_for(url)
    return (
        BssClient.new_builder()
        .with_http_config(http_config(settings))
        .with_credentials(credentials(settings))
        .with_endpoint(settings.bss_endpoint)
        .build()
    )


def fresh_name() -> str:
    return "sf" + uuid.uuid4().hex[:10]


def check(client: BssClient) -> None:
    client.check_user_identity(
        m.CheckUserIdentityRequest(
            body=m.CheckSubcustomerUserReq(search_type="name", search_value=fresh_name())
        )
    )


def test_sandbox_answers_429_over_the_documented_quota(sandbox: RunningSandbox) -> None:
    client = partner_tool(sandbox.url)
    refused = []
    for _ in range(12):  # check-identity: 5 per second; 12 calls span at most two windows
        try:
            check(client)
        except ClientRequestException as exc:
            refused.append((exc.status_code, exc.error_code))
    assert refused and set(refused) == {(429, "APIG.0308")}


def test_client_budget_keeps_under_the_quota(sandbox: RunningSandbox) -> None:
    provider = build_provider(settings_for(sandbox.url, STOREFRONT_CLOUD_RETRIES="0"))
    time.sleep(1 - time.time() % 1)  # a fresh provider window (earlier tests spent theirs)
    started = time.monotonic()
    for _ in range(12):  # without the budget the sixth call in a second would be a 429
        provider.check_user_identity(kind=IdentityKind.NAME, value=fresh_name())
    assert time.monotonic() - started >= 1.0  # it waited for the next windows instead


def test_the_sandbox_quota_scale_multiplies_the_documented_quotas() -> None:
    """``STOREFRONT_SANDBOX_QUOTA_SCALE``: an account whose quotas the provider raised."""
    api = "/v2/partners/sub-customers/users/check-identity"  # 5 per second as documented
    for gate, quota in ((QuotaGate(), 5), (QuotaGate(scale=2), 10), (QuotaGate(scale=0.1), 1)):
        admitted = [gate.admit("127.0.0.1", api, "partner", now=100.5) for _ in range(quota + 1)]
        assert admitted == [True] * quota + [False]  # the next one in the second is refused
        assert gate.admit("127.0.0.1", api, "partner", now=101.0)  # the next second: admitted


def test_the_client_budget_follows_the_quota_scale(
    sandbox: RunningSandbox, extra_sandbox: Callable[..., RunningSandbox]
) -> None:
    """``STOREFRONT_CLOUD_QUOTA_SCALE`` 2 against an account with doubled quotas: 9 calls a second
    (90 % of 10), none refused; against the documented quotas (5 a second) the same client is
    refused."""
    doubled = extra_sandbox(quota_scale=2)
    settings = {"STOREFRONT_CLOUD_RETRIES": "0", "STOREFRONT_CLOUD_QUOTA_SCALE": "2"}
    provider = build_provider(settings_for(doubled.url, **settings))
    started = time.monotonic()
    for _ in range(19):  # a 429 would raise (no retries)
        provider.check_user_identity(kind=IdentityKind.NAME, value=fresh_name())
    assert time.monotonic() - started >= 1.9  # paced: 19 calls need three windows
    assert doubled.state.throttled == {}

    too_fast = build_provider(settings_for(sandbox.url, **settings))
    with pytest.raises(UpstreamThrottled):  # 5 fit in a second, the client sends up to 9
        for _ in range(30):
            too_fast.check_user_identity(kind=IdentityKind.NAME, value=fresh_name())


def test_client_retries_a_429(sandbox: RunningSandbox) -> None:
    client = partner_tool(sandbox.url)
    provider = build_provider(settings_for(sandbox.url))
    # Someone else (the partner's own tool, same account and source) spends this second's quota.
    while True:
        try:
            check(client)
        except ClientRequestException as exc:
            assert exc.status_code == 429
            break
    result = provider.check_user_identity(kind=IdentityKind.NAME, value=fresh_name())
    assert result.available


def test_budget_is_shared_through_redis_between_processes() -> None:
    import os

    url = os.environ.get("STOREFRONT_TEST_REDIS_URL")
    if not url:
        pytest.skip("STOREFRONT_TEST_REDIS_URL not set (CI's PostgreSQL pass sets it)")
    api = "quota-test-" + uuid.uuid4().hex  # an API with the default quota: 10 per second
    one, two = QuotaBudget(url), QuotaBudget(url)  # two processes' budgets, one store
    time.sleep(1 - time.time() % 1)  # start at the top of a window
    assert max(budget.acquire(api) for budget in (one, two) * 5) < 0.2  # 10 fit in one
    waited = two.acquire(api)
    assert waited > 0.2  # the 11th call of the window, from either process, waits for the next
