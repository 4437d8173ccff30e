"""Real-name as the provider documents it (PROVIDER.md "Real-name verification", mc_00017):
the sandbox refuses what the documentation does not allow; the real client (official BSS and
OBS SDKs) takes the documented routes against it over HTTP."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import pytest

from storefront.cloud import demo
from storefront.cloud.huawei.signed import SignedRequester
from storefront.cloud.interface import (
    BankCard,
    CloudProvider,
    IdentityDocument,
    ReviewResult,
    UpstreamRejected,
)
from storefront.cloud.sandbox.testing import RunningSandbox
from tests.cloud.conftest import settings_for

ID = "11010519491231002X"
CREDIT_CODE = "91350100M000100Y43"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _customer(provider: CloudProvider) -> str:
    return provider.create_sub_customer(
        xaccount_id=uuid.uuid4().hex, account_name="sf-" + uuid.uuid4().hex[:12]
    ).customer_id


def _mobile() -> str:
    return "139" + f"{secrets.randbelow(10**8):08d}"


def _objects(sandbox: RunningSandbox, prefix: str) -> list[dict[str, Any]]:
    path = f"/_sandbox/obs/objects?bucket={demo.DEMO_OBS_BUCKET}&prefix={prefix}"
    items: list[dict[str, Any]] = sandbox._control("GET", path, None)["items"]
    return items


def _raw_individual(sandbox: RunningSandbox, body: dict[str, Any]) -> UpstreamRejected:
    requester = SignedRequester(settings_for(sandbox.url))
    try:
        with pytest.raises(UpstreamRejected) as err:
            requester.request("POST", "/v2/customers/realname-auths/individual", body=body)
    finally:
        requester.close()
    return err.value


def test_sandbox_refuses_undocumented_types_and_local_file_names(
    sandbox: RunningSandbox, provider: CloudProvider
) -> None:
    customer_id = _customer(provider)
    base = {"customer_id": customer_id, "name": "张三", "verified_number": ID, "change_type": -1}
    local = ["front.png", "back.png", "holding.png"]
    # what the client sent before: verified_type 0 (no such document type) and local names
    refused = _raw_individual(
        sandbox, {**base, "identify_type": 0, "verified_type": 0, "verified_file_url": local}
    )
    assert (refused.code, refused.status) == ("CBC.0100", 400)
    assert "verified_type" in refused.message
    # a documented type, but files that are not in the partner's bucket
    refused = _raw_individual(
        sandbox, {**base, "identify_type": 0, "verified_type": 3, "verified_file_url": local}
    )
    assert refused.code == "CBC.99005030"
    # an undocumented route, a bank card without its details, a document without its images
    assert _raw_individual(sandbox, {**base, "identify_type": 1}).code == "CBC.0100"
    assert _raw_individual(sandbox, {**base, "identify_type": 4}).code == "CBC.0100"
    assert _raw_individual(sandbox, {**base, "identify_type": 0, "verified_type": 5}).code == (
        "CBC.0100"
    )
    # nothing was taken for review: a documented submission still goes through
    assert provider.realname_review(customer_id=customer_id).result is None


def test_bank_card_individual_end_to_end(sandbox: RunningSandbox, provider: CloudProvider) -> None:
    customer_id = _customer(provider)
    mobile = _mobile()
    provider.send_verification_code(mobile=mobile, scene=18, customer_id=customer_id)
    with pytest.raises(UpstreamRejected) as wrong:
        provider.submit_individual_realname(
            customer_id=customer_id,
            name="张三",
            id_number=ID,
            bank_card=BankCard(account="6222020200112233445", mobile=mobile, verification_code="0"),
        )
    assert wrong.value.code == "CBC.99004010"
    code = sandbox.verification_code(mobile)
    submitted = provider.submit_individual_realname(
        customer_id=customer_id,
        name="张三",
        id_number=ID,
        bank_card=BankCard(account="6222020200112233445", mobile=mobile, verification_code=code),
    )
    assert submitted.manual_review is False
    assert provider.realname_review(customer_id=customer_id).result == ReviewResult.PASSED
    [row] = provider.list_sub_customers(customer_id=customer_id).items
    assert int(row.verified_status) == 2 and row.realname == "张三"


def test_passport_images_go_to_the_bucket_in_order(
    sandbox: RunningSandbox, provider: CloudProvider
) -> None:
    customer_id = _customer(provider)
    folder = f"realname/{customer_id}"
    names = [
        provider.upload_realname_attachment(f"{folder}/{i}-{part}.png", PNG + bytes([i]))
        for i, part in enumerate(("data-page", "entry-stamp", "holding"))
    ]
    assert names == [
        f"{folder}/0-data-page.png",
        f"{folder}/1-entry-stamp.png",
        f"{folder}/2-holding.png",
    ]
    assert [o["key"] for o in _objects(sandbox, f"download/{folder}/")] == [
        f"download/{n}" for n in names
    ]
    provider.submit_individual_realname(
        customer_id=customer_id,
        name="John Smith",
        id_number="E12345678",
        document=IdentityDocument.PASSPORT,
        file_urls=names,
    )
    assert provider.realname_review(customer_id=customer_id).result == ReviewResult.PASSED


def test_enterprise_attachments_uploaded_to_the_emulated_bucket(
    sandbox: RunningSandbox, provider: CloudProvider, provider_for: Any
) -> None:
    customer_id = _customer(provider)
    folder = f"realname/{customer_id}"
    licence = provider.upload_realname_attachment(f"{folder}/licence.png", PNG)
    stored = _objects(sandbox, f"download/{folder}/")
    assert [(o["key"], o["size"]) for o in stored] == [(f"download/{licence}", len(PNG))]
    provider.submit_enterprise_realname(
        customer_id=customer_id,
        company_name="Acme Ltd",
        credit_code=CREDIT_CODE,
        legal_person="李四",
        file_urls=[licence],
    )
    assert provider.realname_review(customer_id=customer_id).result == ReviewResult.PASSED
    # an upload signed with the wrong secret key is refused and stores nothing
    forged = provider_for(sandbox.url, STOREFRONT_CLOUD_SK="not-the-partner-secret")
    with pytest.raises(UpstreamRejected) as err:
        forged.upload_realname_attachment(f"{folder}/forged.png", PNG)
    assert (err.value.code, err.value.status) == ("SignatureDoesNotMatch", 403)
    assert len(_objects(sandbox, f"download/{folder}/")) == 1


def test_enterprise_with_a_file_outside_the_bucket_is_refused(provider: CloudProvider) -> None:
    customer_id = _customer(provider)
    with pytest.raises(UpstreamRejected) as err:
        provider.submit_enterprise_realname(
            customer_id=customer_id,
            company_name="Acme Ltd",
            credit_code=CREDIT_CODE,
            legal_person="李四",
            file_urls=["/srv/instance/realname/licence.png.enc"],
        )
    assert err.value.code == "CBC.99005030"


def test_only_the_partner_may_use_its_bucket(sandbox: RunningSandbox, provider_for: Any) -> None:
    other = provider_for(
        sandbox.url,
        STOREFRONT_CLOUD_AK=demo.DEMO_DISTRIBUTOR_AK,
        STOREFRONT_CLOUD_SK=demo.DEMO_DISTRIBUTOR_SK,
        STOREFRONT_CLOUD_DOMAIN_ID=demo.DEMO_DISTRIBUTOR_DOMAIN_ID,
    )
    with pytest.raises(UpstreamRejected) as err:
        other.upload_realname_attachment("realname/intruder.png", PNG)
    assert (err.value.code, err.value.status) == ("AccessDenied", 403)
    assert _objects(sandbox, "download/realname/intruder") == []


def test_api_paths_are_not_taken_for_objects(sandbox: RunningSandbox) -> None:
    """A signed API call to a path no API has is still the gateway's 404, not an OBS answer."""
    requester = SignedRequester(settings_for(sandbox.url))
    try:
        with pytest.raises(UpstreamRejected) as err:
            requester.request("GET", "/v2.0/no-such/api")
    finally:
        requester.close()
    assert (err.value.code, err.value.status) == ("APIGW.0101", 404)
