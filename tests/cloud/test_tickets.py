"""Service tickets at the provider (#21): the Huawei client (OSM SDK) against the sandbox over
HTTP: a case is opened, read, answered by the provider's engineer (the sandbox's control
route), messaged, listed and closed; another partner cannot read it."""

from __future__ import annotations

import pytest
import requests

from storefront.cloud import demo
from storefront.cloud.interface import (
    CASE_STATE,
    CaseAction,
    CaseState,
    CloudProvider,
    UpstreamRejected,
    case_state,
)
from storefront.cloud.sandbox.testing import RunningSandbox
from tests.cloud.conftest import settings_for


def _engineer(sandbox: RunningSandbox, case_id: str, content: str, status: int = 17) -> None:
    resp = requests.post(
        f"{sandbox.url}/_sandbox/osm/cases/{case_id}/reply",
        json={"content": content, "status": status},
        timeout=5,
    )
    assert resp.status_code == 200, resp.text


def test_a_case_is_opened_answered_and_closed(
    provider: CloudProvider, sandbox: RunningSandbox
) -> None:
    case_id = provider.create_case(description="Server s-1 cannot reach the internet")
    case = provider.show_case(case_id=case_id)
    assert case.state is CaseState.PENDING and case.status == 0
    assert [m.content for m in case.messages] == ["Server s-1 cannot reach the internet"]
    assert not case.messages[0].from_provider

    _engineer(sandbox, case_id, "Please check the security group of s-1.")
    case = provider.show_case(case_id=case_id)
    assert case.state is CaseState.FEEDBACK
    answer = case.messages[-1]
    assert answer.from_provider and answer.content == "Please check the security group of s-1."
    assert answer.message_id and answer.created_at is not None

    provider.add_case_message(case_id=case_id, content="Opened port 443, thanks.")
    messages = provider.list_case_messages(case_id=case_id)
    assert [m.from_provider for m in messages] == [False, True, False]
    assert provider.show_case(case_id=case_id).state is CaseState.PROCESSING

    assert case_id in {c.case_id for c in provider.list_cases(limit=100)}
    provider.end_case(case_id=case_id, action=CaseAction.CLOSE)
    assert provider.show_case(case_id=case_id).state is CaseState.COMPLETED
    with pytest.raises(UpstreamRejected):  # finished: no more messages
        provider.add_case_message(case_id=case_id, content="one more")


def test_a_cancelled_case_is_finished(provider: CloudProvider) -> None:
    case_id = provider.create_case(description="Never mind")
    provider.end_case(case_id=case_id, action=CaseAction.CANCEL)
    case = provider.show_case(case_id=case_id)
    assert case.state is CaseState.CANCELLED and case.state.finished


def test_another_partner_cannot_read_the_case(
    provider: CloudProvider, provider_for: object, sandbox: RunningSandbox
) -> None:
    from storefront.cloud import build_provider

    case_id = provider.create_case(description="Mine")
    other = build_provider(
        settings_for(
            sandbox.url,
            STOREFRONT_CLOUD_AK=demo.DEMO_DISTRIBUTOR_AK,
            STOREFRONT_CLOUD_SK=demo.DEMO_DISTRIBUTOR_SK,
            STOREFRONT_CLOUD_DOMAIN_ID=demo.DEMO_DISTRIBUTOR_DOMAIN_ID,
        )
    )
    with pytest.raises(UpstreamRejected) as caught:
        other.show_case(case_id=case_id)
    assert "OSM.0003" in str(caught.value) or getattr(caught.value, "code", "") == "OSM.0003"
    assert case_id not in {c.case_id for c in other.list_cases(limit=100)}


@pytest.mark.parametrize(
    ("code", "state"),
    [
        (0, CaseState.PENDING),
        (1, CaseState.PROCESSING),
        (2, CaseState.CONFIRM),
        (3, CaseState.COMPLETED),
        (4, CaseState.CANCELLED),
        (5, CaseState.PROCESSING),
        (12, CaseState.CANCELLED),
        (17, CaseState.FEEDBACK),
    ],
)
def test_every_documented_case_status_has_a_meaning(code: int, state: CaseState) -> None:
    assert CASE_STATE[code] is state
    assert case_state(code) is state


def test_the_sandbox_answers_each_status_the_provider_sets(
    provider: CloudProvider, sandbox: RunningSandbox
) -> None:
    for code in (1, 2, 3):
        case_id = provider.create_case(description=f"status {code}")
        _engineer(sandbox, case_id, "update", status=code)
        assert provider.show_case(case_id=case_id).state is CASE_STATE[code]
