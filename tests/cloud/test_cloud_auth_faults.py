"""Gateway behaviour: signature rejections and injected faults, seen through the client."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests
from huaweicloudsdkcore.auth.credentials import GlobalCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from storefront.cloud import IdentityKind, UpstreamRejected, UpstreamUnavailable, demo
from storefront.cloud.huawei.signed import SignedRequester
from storefront.cloud.interface import CloudProvider
from storefront.cloud.sandbox.testing import RunningSandbox


def _check(provider: CloudProvider) -> None:
    provider.check_user_identity(kind=IdentityKind.NAME, value="someone-new")


def test_unknown_ak(sandbox: RunningSandbox, provider_for: Callable[..., CloudProvider]) -> None:
    provider = provider_for(sandbox.url, STOREFRONT_CLOUD_AK="NOSUCHAK")
    with pytest.raises(UpstreamRejected) as err:
        _check(provider)
    assert (err.value.code, err.value.status) == ("APIGW.0301", 401)
    assert "ak NOSUCHAK not exist" in err.value.message


def test_bad_secret(sandbox: RunningSandbox, provider_for: Callable[..., CloudProvider]) -> None:
    provider = provider_for(sandbox.url, STOREFRONT_CLOUD_SK="wrong-secret")
    with pytest.raises(UpstreamRejected) as err:
        _check(provider)
    assert (err.value.code, err.value.status) == ("APIGW.0301", 401)
    assert "verify aksk signature fail" in err.value.message


def test_stale_date_through_client(
    extra_sandbox: Callable[..., RunningSandbox], provider_for: Callable[..., CloudProvider]
) -> None:
    skewed = extra_sandbox()
    skewed.set_clock_offset(20 * 60)
    with pytest.raises(UpstreamRejected) as err:
        _check(provider_for(skewed.url))
    assert err.value.code == "APIGW.0301" and "expired" in err.value.message


def _signed(url: str, date: datetime, sk: str = demo.DEMO_PARTNER_SK) -> requests.Response:
    parts = urlsplit(url)
    request = SdkRequest(
        method="GET",
        schema=parts.scheme,
        host=parts.netloc,
        resource_path="/v2/products/service-types",
        query_params=[("limit", 10)],
        header_params={"X-Sdk-Date": date.strftime("%Y%m%dT%H%M%SZ")},
        body="",
    )
    signed = Signer(GlobalCredentials(demo.DEMO_PARTNER_AK, sk)).sign(request)
    return requests.get(signed.url, headers=signed.header_params, timeout=5)


def test_raw_wire_bodies(sandbox: RunningSandbox) -> None:
    now = datetime.now(UTC)
    assert _signed(sandbox.url, now).status_code == 200
    stale = _signed(sandbox.url, now - timedelta(minutes=16))
    assert stale.status_code == 401
    assert stale.json()["error_code"] == "APIGW.0301"
    bad = _signed(sandbox.url, now, sk="nope")
    assert bad.status_code == 401 and set(bad.json()) == {"error_code", "error_msg"}
    unsigned = requests.get(sandbox.url + "/v2/products/service-types", timeout=5)
    assert unsigned.status_code == 401


def test_faults_exhaust_bounded_retries(
    extra_sandbox: Callable[..., RunningSandbox], provider_for: Callable[..., CloudProvider]
) -> None:
    failing = extra_sandbox(fault_rate=1.0, fault_mode="error")
    provider = provider_for(failing.url, STOREFRONT_CLOUD_RETRIES="2")
    with pytest.raises(UpstreamUnavailable) as err:
        _check(provider)
    assert err.value.status == 500


def _held(running: RunningSandbox, at_least: int) -> dict[str, int]:
    """The calls ``running`` held, once ``at_least`` of them are counted and a client timeout
    later (the client may time out before a loaded machine's sandbox thread starts its hold;
    every attempt was sent by the time the client gave up, so the count only catches up)."""
    deadline = time.monotonic() + 10
    while sum(running.hung().values()) < at_least and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # an attempt too many would be counted by now
    return running.hung()


def test_hang_times_out(
    extra_sandbox: Callable[..., RunningSandbox], provider_for: Callable[..., CloudProvider]
) -> None:
    hanging = extra_sandbox(fault_rate=1.0, fault_mode="hang", hang_s=5)
    provider = provider_for(
        hanging.url, STOREFRONT_CLOUD_TIMEOUT_S="0.3", STOREFRONT_CLOUD_RETRIES="1"
    )
    started = time.monotonic()
    with pytest.raises(UpstreamUnavailable, match="timed out"):
        _check(provider)
    assert time.monotonic() - started >= 0.5  # each attempt waited its 0.3 s
    # two attempts (the first and one retry), each held until the client timed out
    assert _held(hanging, 2) == {"/v2/partners/sub-customers/users/check-identity": 2}


def test_create_not_retried_after_timeout(
    extra_sandbox: Callable[..., RunningSandbox], provider_for: Callable[..., CloudProvider]
) -> None:
    hanging = extra_sandbox(fault_rate=1.0, fault_mode="hang", hang_s=5)
    provider = provider_for(
        hanging.url, STOREFRONT_CLOUD_TIMEOUT_S="0.3", STOREFRONT_CLOUD_RETRIES="3"
    )
    with pytest.raises(UpstreamUnavailable, match="timed out"):
        provider.create_sub_customer(xaccount_id="x", account_name="never-twice")
    # one attempt only, though three retries are allowed: the create may have been applied
    held = _held(hanging, 1)
    assert list(held.values()) == [1], held


def test_latency_and_runtime_fault_control(
    extra_sandbox: Callable[..., RunningSandbox], provider_for: Callable[..., CloudProvider]
) -> None:
    box = extra_sandbox(latency_ms=250)
    provider = provider_for(box.url)
    started = time.monotonic()
    _check(provider)
    assert time.monotonic() - started >= 0.25
    box.set_faults(latency_ms=0, fault_rate=1.0, mode="error")
    with pytest.raises(UpstreamUnavailable):
        _check(provider)
    assert box.inspect()["faults"]["fault_rate"] == 1.0
    box.clear_faults()
    _check(provider)


def test_connection_refused_is_unavailable(provider_for: Callable[..., CloudProvider]) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(UpstreamUnavailable, match="connection failed"):
        _check(provider_for(f"http://127.0.0.1:{port}"))


def test_signed_raw_request(sandbox: RunningSandbox) -> None:
    from storefront.cloud import CloudSettings

    requester = SignedRequester(CloudSettings.from_mapping({"STOREFRONT_SANDBOX_URL": sandbox.url}))
    try:
        answer = requester.request(
            "POST", "/v2/partners/sub-customers/query", body={"limit": 1}, idempotent=True
        )
        assert "count" in answer and "customer_infos" in answer
        # freeze is documented but not in the SDK: the sandbox answers a partial failure
        answer = requester.request(
            "POST",
            "/v2/partners/sub-customers/freeze",
            body={"customer_ids": ["x"], "reason": "test"},
        )
        assert answer["error_details"][0]["error_code"] == "CBC.99010014"
        with pytest.raises(UpstreamRejected) as err:
            requester.request("POST", "/v2/partners/sub-customers/not-a-route", body={})
        assert err.value.status == 404
    finally:
        requester.close()
