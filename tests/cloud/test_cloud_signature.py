"""The sandbox's own signature verifier against the SDK signer's published vectors."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from storefront.cloud.sandbox import signature as sig

DATE = "20200608T023900Z"
HOST = "service.endpoint.myhuaweicloud.com"
SIGNED_AT = datetime(2020, 6, 8, 2, 39, tzinfo=UTC)


def _headers() -> dict[str, str]:
    return {"Host": HOST, "X-Sdk-Date": DATE}


# Published in huaweicloud-sdk-python-v3, huaweicloud-sdk-core/tests/test_signer.py
# (AK "AccessKey", SK "SecretKey", X-Sdk-Date 20200608T023900Z, GET/POST /resources?size=1).
@pytest.mark.parametrize(
    ("method", "body", "expected"),
    [
        ("GET", b"", "cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842"),
        (
            "POST",
            b'{"name":"test","id":1}',
            "436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f",
        ),
    ],
)
def test_published_vectors(method: str, body: bytes, expected: str) -> None:
    canonical = sig.canonical_request(
        method=method,
        path="/resources",
        query_string="size=1",
        headers=_headers(),
        signed_headers=("host", "x-sdk-date"),
        body=body,
    )
    assert sig.signature("SecretKey", sig.string_to_sign(canonical, DATE)) == expected
    auth = sig.Authorization("AccessKey", ("host", "x-sdk-date"), expected)
    sig.verify(
        method=method,
        path="/resources",
        query_string="size=1",
        headers=_headers(),
        body=body,
        secret_key="SecretKey",
        auth=auth,
        now=SIGNED_AT,
    )


def test_published_canonical_query() -> None:
    published = (
        "enable=true&limit=1&multi=1&multi=2&multi=3"
        "&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29"
    )
    assert sig.canonical_query(published) == published
    shuffled = (
        "test=%E4%B8%80+(%26%3D%3F!%23%25.*)&multi=3&path=/tmp/123&multi=1&limit=1"
        "&enable=true&multi=2"
    )
    assert sig.canonical_query(shuffled) == published


def test_hand_worked_canonical_request() -> None:
    body = b'{"limit":10}'
    canonical = sig.canonical_request(
        method="post",
        path="/v2/partners/sub-customers/query",
        query_string="b=2&a=x%20y",
        headers={
            "Host": "127.0.0.1:5001",
            "X-Sdk-Date": DATE,
            "Content-Type": " application/json ",
        },
        signed_headers=("content-type", "host", "x-sdk-date"),
        body=body,
    )
    assert canonical == "\n".join(
        [
            "POST",
            "/v2/partners/sub-customers/query/",
            "a=x%20y&b=2",
            "content-type:application/json",
            "host:127.0.0.1:5001",
            f"x-sdk-date:{DATE}",
            "",
            "content-type;host;x-sdk-date",
            hashlib.sha256(body).hexdigest(),
        ]
    )
    assert sig.string_to_sign(canonical, DATE) == (
        f"SDK-HMAC-SHA256\n{DATE}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    )


@pytest.mark.parametrize(
    ("method", "path", "query", "body"),
    [
        ("GET", "/v2/products/service-types", [("limit", 10), ("offset", 0)], ""),
        ("POST", "/v2/bills/ratings/on-demand-resources", [], '{"project_id":"p","x":"é"}'),
        ("DELETE", "/v1/a b/c~d/%E4%B8%80", [("q", "a b&c"), ("flag", True)], ""),
    ],
)
def test_agrees_with_sdk_signer(method: str, path: str, query: list, body: str) -> None:
    request = SdkRequest(
        method=method,
        schema="http",
        host="127.0.0.1:5001",
        resource_path=path,
        query_params=query,
        header_params={"X-Sdk-Date": DATE, "Content-Type": "application/json", "X-Domain-Id": "d0"},
        body=body,
    )
    signed = Signer(BasicCredentials("AK1", "SK1")).sign(request)
    auth = sig.parse_authorization(signed.header_params["Authorization"])
    query_string = signed.uri.partition("?")[2]
    headers = {k: v for k, v in signed.header_params.items() if k != "Authorization"}
    sig.verify(
        method=method,
        path=path,
        query_string=query_string,
        headers=headers,
        body=signed.body or b"",
        secret_key="SK1",
        auth=auth,
        now=SIGNED_AT,
    )
    with pytest.raises(sig.SignatureError, match="signature fail"):
        sig.verify(
            method=method,
            path=path,
            query_string=query_string,
            headers=headers,
            body=signed.body or b"",
            secret_key="SK2",
            auth=auth,
            now=SIGNED_AT,
        )


def test_stale_date_rejected() -> None:
    auth = sig.Authorization("AccessKey", ("host", "x-sdk-date"), "00")
    with pytest.raises(sig.SignatureError, match="expired"):
        sig.verify(
            method="GET",
            path="/resources",
            query_string="size=1",
            headers=_headers(),
            body=b"",
            secret_key="SecretKey",
            auth=auth,
            now=SIGNED_AT + timedelta(minutes=16),
        )


def test_malformed_authorization() -> None:
    with pytest.raises(sig.SignatureError):
        sig.parse_authorization("Basic Zm9vOmJhcg==")
