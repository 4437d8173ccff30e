"""Customer registration as the provider documents it (PROVIDER.md "Customer registration"):
generated account names, account-name rules, and the SMS code a mobile needs — through the
official SDK client against the sandbox over HTTP."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid

import pytest
from huaweicloudsdkbss.v2 import model as m

from storefront.cloud import UpstreamRejected
from storefront.cloud.interface import CloudProvider
from storefront.cloud.sandbox.testing import RunningSandbox

ACCOUNT_NAME = re.compile(r"^[a-zA-Z_-][a-zA-Z0-9_-]*$")


def _mobile() -> str:
    return "138" + f"{uuid.uuid4().int % 10**8:08d}"


def _sent(provider: CloudProvider, sandbox: RunningSandbox, mobile: str) -> str:
    provider.send_verification_code(mobile=mobile)
    return sandbox.verification_code(mobile)


def _code_of(call: pytest.ExceptionInfo[UpstreamRejected]) -> tuple[str, int]:
    return call.value.code, call.value.status


@pytest.mark.parametrize("absent", [None, ""])
def test_without_a_domain_name_the_provider_generates_one(
    provider: CloudProvider, absent: str | None
) -> None:
    created = provider.create_sub_customer(xaccount_id=uuid.uuid4().hex, account_name=absent)
    name = created.account_name
    assert len(name) == 32 and ACCOUNT_NAME.match(name) and not name.isdigit()
    assert not name.lower().startswith(("op_", "shadow_"))
    [listed] = provider.list_sub_customers(customer_id=created.customer_id).items
    assert listed.account_name == name


def test_create_answer_matches_the_sdk_model(provider: CloudProvider) -> None:
    """The answer deserialises into CreateSubCustomerResponse with only its fields."""
    fields = set(m.CreateSubCustomerResponse.openapi_types)
    created = provider.create_sub_customer(xaccount_id=uuid.uuid4().hex)
    assert fields == {"domain_id", "domain_name"}
    assert created.customer_id and created.account_name


@pytest.mark.parametrize(
    "name",
    [
        "abcd",
        "a" * 33,
        "12345678",
        "9abcdef",
        "ada lovelace",
        "ada.l",
        "张三abcdef",
        "op_x12",
        "shadow_x",
    ],
)
def test_domain_name_rules(provider: CloudProvider, name: str) -> None:
    with pytest.raises(UpstreamRejected) as err:
        provider.create_sub_customer(xaccount_id=uuid.uuid4().hex, account_name=name)
    assert _code_of(err) == ("CBC.99000031", 400)


def test_a_mobile_needs_the_code_sent_to_it(
    provider: CloudProvider, sandbox: RunningSandbox
) -> None:
    mobile = _mobile()
    with pytest.raises(UpstreamRejected) as err:
        provider.create_sub_customer(xaccount_id=uuid.uuid4().hex, mobile=mobile)
    assert _code_of(err) == ("CBC.0100", 400)
    with pytest.raises(UpstreamRejected) as err:  # no code was ever sent to it
        provider.create_sub_customer(
            xaccount_id=uuid.uuid4().hex, mobile=mobile, verification_code="123456"
        )
    assert _code_of(err) == ("CBC.99004010", 400)

    code = _sent(provider, sandbox, mobile)
    assert re.fullmatch(r"\d{6}", code)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    with pytest.raises(UpstreamRejected) as err:
        provider.create_sub_customer(
            xaccount_id=uuid.uuid4().hex, mobile=mobile, verification_code=wrong
        )
    assert _code_of(err) == ("CBC.99004010", 400)

    created = provider.create_sub_customer(
        xaccount_id=uuid.uuid4().hex, mobile=mobile, verification_code=code
    )
    [listed] = provider.list_sub_customers(customer_id=created.customer_id).items
    assert listed.mobile == mobile
    with pytest.raises(UpstreamRejected) as err:  # used once
        provider.create_sub_customer(
            xaccount_id=uuid.uuid4().hex, mobile=mobile, verification_code=code
        )
    assert _code_of(err) == ("CBC.99004010", 400)


def test_a_code_expires_after_ten_minutes(provider: CloudProvider, sandbox: RunningSandbox) -> None:
    mobile = _mobile()
    code = _sent(provider, sandbox, mobile)
    sandbox.set_clock_offset(10 * 60 + 5)
    try:
        with pytest.raises(UpstreamRejected) as err:
            provider.create_sub_customer(
                xaccount_id=uuid.uuid4().hex, mobile=mobile, verification_code=code
            )
    finally:
        sandbox.set_clock_offset(0)
    assert _code_of(err) == ("CBC.99004008", 400)


def test_more_than_three_wrong_tries_block_the_code(
    provider: CloudProvider, sandbox: RunningSandbox
) -> None:
    mobile = _mobile()
    code = _sent(provider, sandbox, mobile)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(4):
        with pytest.raises(UpstreamRejected) as err:
            provider.create_sub_customer(
                xaccount_id=uuid.uuid4().hex, mobile=mobile, verification_code=wrong
            )
        assert err.value.code == "CBC.99004010"
    with pytest.raises(UpstreamRejected) as err:
        provider.create_sub_customer(
            xaccount_id=uuid.uuid4().hex, mobile=mobile, verification_code=code
        )
    assert _code_of(err) == ("CBC.99004009", 400)


@pytest.mark.parametrize(
    ("kwargs", "what"),
    [
        ({"mobile": "85291234567"}, "mainland"),
        ({"mobile": "+8613800138000"}, "mainland"),
        ({"mobile": "13800138000", "scene": 7}, "scene"),
        ({"mobile": "13800138000", "scene": 18}, "customer_id"),
        ({"mobile": "13800138000", "lang": "fr"}, "lang"),
    ],
)
def test_send_verification_code_refuses_bad_input(
    provider: CloudProvider, kwargs: dict, what: str
) -> None:
    with pytest.raises(UpstreamRejected) as err:
        provider.send_verification_code(**kwargs)
    assert _code_of(err) == ("CBC.0100", 400)
    assert what in str(err.value.message)


def test_send_verification_code_limit_per_hour(provider: CloudProvider) -> None:
    mobile = _mobile()
    for _ in range(15):
        provider.send_verification_code(mobile=mobile, lang="en-us")
    with pytest.raises(UpstreamRejected) as err:
        provider.send_verification_code(mobile=mobile)
    assert _code_of(err) == ("CBC.99004015", 400)


def test_control_route_answers_404_for_a_number_without_code(sandbox: RunningSandbox) -> None:
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(
            sandbox.url + "/_sandbox/verification-codes?mobile=13000000000", timeout=5
        )
    assert err.value.code == 404
    assert json.loads(err.value.read())["error_code"] == "CBC.0100"
