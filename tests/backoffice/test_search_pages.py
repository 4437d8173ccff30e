"""Customer search: keyset pages across filters and text, exact lookups, registration dates.

Runs on SQLite (prefix search) and PostgreSQL (substring search through the probe and the
trigram indexes); the assertions hold for both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from storefront.accounts.models import CustomerStatus, RealnameStatus


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Host": "localhost"}


def walk(client: Any, headers: dict[str, str], query: str) -> list[list[int]]:
    """Every page of ``/api/v1/admin/customers?<query>``, following next_cursor."""
    pages: list[list[int]] = []
    url = f"/api/v1/admin/customers?{query}"
    while True:
        resp = client.get(url, headers=headers)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        body = resp.get_json()
        pages.append([c["id"] for c in body["items"]])
        if not body["next_cursor"]:
            return pages
        assert len(pages) < 50
        url = f"/api/v1/admin/customers?{query}&cursor={body['next_cursor']}"


def test_pages_with_filters_and_text_are_complete_newest_first_and_disjoint(
    client: Any, make_staff: Any, make_customer: Any, token_for: Any
) -> None:
    base = datetime(2025, 3, 1, tzinfo=UTC)
    expected: list[tuple[datetime, int]] = []
    same_second = base + timedelta(hours=5)
    for i in range(12):
        pending = i % 3 != 0
        # three customers share one timestamp: the id breaks the tie across pages
        when = same_second if i in (4, 5, 7) else base + timedelta(minutes=i)
        customer = make_customer(
            email=f"wang{i}@example.com",
            name=f"wang-{i}",
            realname_status=RealnameStatus.PENDING if pending else RealnameStatus.VERIFIED,
            created_at=when,
        )
        if pending:
            expected.append((when, customer.id))
    make_customer(email="li@example.com", name="li-x", realname_status=RealnameStatus.PENDING)
    headers = auth(token_for(make_staff()))
    want = [ident for _, ident in sorted(expected, reverse=True)]
    for query in ("q=wang&realname=pending&limit=3", "q=wang&realname=pending&limit=2"):
        pages = walk(client, headers, query)
        flat = [i for page in pages for i in page]
        assert flat == want, query
        assert len(flat) == len(set(flat))
        assert all(pages[:-1]) and max(len(p) for p in pages) <= int(query.rsplit("=", 1)[1])
    assert [i for p in walk(client, headers, "realname=pending&limit=4") for i in p][:8] == (
        [i for p in walk(client, headers, "realname=pending&limit=100") for i in p][:8]
    )
    assert walk(client, headers, "q=li-&realname=verified&limit=2") == [[]]


def test_frozen_filter_pages_and_registration_dates(
    client: Any, make_staff: Any, make_customer: Any, token_for: Any
) -> None:
    base = datetime(2025, 5, 10, 12, tzinfo=UTC)
    frozen = [
        make_customer(status=CustomerStatus.FROZEN, created_at=base + timedelta(days=i)).id
        for i in range(5)
    ]
    make_customer(created_at=base + timedelta(days=2))
    headers = auth(token_for(make_staff()))
    assert [i for p in walk(client, headers, "frozen=true&limit=2") for i in p] == frozen[::-1]
    between = walk(
        client, headers, "frozen=true&registered_from=2025-05-11&registered_to=2025-05-13&limit=2"
    )
    assert [i for p in between for i in p] == frozen[1:4][::-1]
    bad = client.get("/api/v1/admin/customers?registered_from=May", headers=headers)
    assert bad.status_code == 422 and "registered_from" in bad.get_json()["error"]["fields"]


def test_complete_email_and_provider_id_find_their_customer(
    client: Any, make_staff: Any, make_customer: Any, token_for: Any
) -> None:
    ann = make_customer(email="ann@example.com", name="Ann")
    make_customer(email="joann@example.com", name="Jo")
    pid = "0123456789abcdef0123456789abcdef"
    holder = make_customer(provider_customer_id=pid)
    headers = auth(token_for(make_staff()))

    def ids(q: str) -> list[int]:
        body = client.get(f"/api/v1/admin/customers?q={q}", headers=headers).get_json()
        return [c["id"] for c in body["items"]]

    assert ids("ann@example.com") == [ann.id]
    assert ids("ANN@example.com") == [ann.id]
    assert ids(pid) == [holder.id]
    assert ids("nobody@example.com") == []
