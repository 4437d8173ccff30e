"""Ids in query strings and forms: ``²`` and ``١٢`` pass ``str.isdigit()`` but are no ids; pages
that read them answer as for any other bad id, never a 500."""

from __future__ import annotations

import re
from typing import Any

import pytest

from storefront.accounts.models import StaffRole
from storefront.routing import MAX_ID, parse_id
from tests.catalog.test_pages import csrf, login

LOOKALIKES = ["²", "١٢", "9" * 40, str(MAX_ID + 1), "0", "-1", " 7 "]


def test_parse_id() -> None:
    assert [parse_id(v) for v in LOOKALIKES] == [None, None, None, None, None, None, 7]
    assert parse_id(str(MAX_ID)) == MAX_ID


@pytest.mark.parametrize("value", LOOKALIKES)
def test_staff_pages_with_lookalike_ids(client: Any, make_staff: Any, value: str) -> None:
    login(client, make_staff(role=StaffRole.OWNER))
    assert client.get("/admin/audit", query_string={"customer_id": value}).status_code == 200
    assert client.get("/admin/audit", query_string={"before": value}).status_code == 200
    resp = client.post(
        "/staff/customer-groups",
        headers=csrf(client, "/staff/customer-groups"),
        data={"name": f"G{abs(hash(value)) % 10_000}"},
    )
    assert resp.status_code in (200, 302)
    group = client.get("/staff/customer-groups").get_data(as_text=True)
    found = re.search(r"/staff/customer-groups/(\d+)", group)
    assert found is not None
    added = client.post(
        f"/staff/customer-groups/{found.group(1)}/members",
        headers=csrf(client, "/staff/customer-groups"),
        data={"customer_id": value},
    )
    assert added.status_code == 302  # "choose a customer", not a 500
