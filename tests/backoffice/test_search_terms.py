"""Customer search terms that PostgreSQL answers by other plans (a short term under a real-name
filter through that status's trigram indexes, a medium term through the wide probe, a term of
dense trigrams with those trigrams left out of the index condition): the pages hold exactly the
rows of the plain match, newest first. SQLite matches prefixes; the expectations say which."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import insert

from storefront.accounts.models import Customer, CustomerStatus, RealnameStatus
from storefront.backoffice.customer_text_search import (
    dense_trigrams,
    forget_dense_trigrams,
    kept_pieces,
)
from storefront.extensions import db
from tests.backoffice.test_search_pages import auth, walk

BASE = datetime(2025, 6, 1, tzinfo=UTC)


def substring(app: Flask) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def flat(pages: list[list[int]]) -> list[int]:
    return [i for page in pages for i in page]


def seed(app: Flask, store_id: int, rows: list[dict[str, Any]]) -> list[int]:
    """Insert customers in one statement (oldest first); their ids."""
    with app.app_context():
        for i, row in enumerate(rows):
            row.setdefault("email", f"bulk{i}@example.com")
            row.setdefault("status", CustomerStatus.ACTIVE)
            row.setdefault("realname_status", RealnameStatus.UNVERIFIED)
            row.update(store_id=store_id, password_hash="x", created_at=BASE + timedelta(seconds=i))
        db.session.execute(insert(Customer), rows)
        db.session.commit()
        return [c.id for c in db.session.scalars(db.select(Customer).order_by(Customer.id))]


def test_dense_trigrams_are_left_out_only_when_enough_rarer_ones_remain() -> None:
    dense = dense_trigrams([f"user{n}@example.com" for n in range(200, 300)])
    assert {"use", "ser", "er2", "com"} <= dense and not {"er1", "r12", "r20"} & dense
    assert kept_pieces("user123", dense) == ["er123"]
    assert kept_pieces("user1", dense) == ["user1"]  # 1 would remain
    assert kept_pieces("zuser1", {"use", "ser"}) == ["zuser1"]  # zus, er1: 2 would remain
    assert kept_pieces("zuserab12", {"use", "ser"}) == ["zus", "erab12"]
    assert kept_pieces("abcuserdefg", {"use", "ser"}) == ["abcus", "erdefg"]
    assert kept_pieces("li-", set()) == ["li-"]
    assert dense_trigrams([]) == set()


def test_short_term_under_a_realname_filter_returns_the_plain_filters_matches(
    app: Flask, client: Any, default_store: Any, make_staff: Any, token_for: Any
) -> None:
    pending, verified = RealnameStatus.PENDING, RealnameStatus.VERIFIED
    names = [
        ("li-a", pending),
        ("li-b", verified),
        ("zhang-li-c", pending),  # inside the name: a match on PostgreSQL only
        ("lin-d", pending),
        ("li-e", pending),
        ("wang-f", pending),
    ]
    ids = seed(app, default_store.id, [{"name": n, "realname_status": s} for n, s in names])
    headers = auth(token_for(make_staff()))
    inside = substring(app)
    want = [
        ident
        for ident, (name, status) in reversed(list(zip(ids, names, strict=True)))
        if status == pending and (name.startswith("li-") or (inside and "li-" in name))
    ]
    assert flat(walk(client, headers, "q=li-&realname=pending&limit=2")) == want
    assert flat(walk(client, headers, "q=LI-&realname=pending&limit=25")) == want
    assert walk(client, headers, "q=li-&realname=rejected") == [[]]


def test_a_term_in_a_few_of_the_newest_rows_pages_through_every_match(
    app: Flask, client: Any, default_store: Any, make_staff: Any, token_for: Any
) -> None:
    # 3,000 customers, one in a hundred named "widez-…": 10 in the newest 1,000 rows the probe
    # reads, so PostgreSQL reads on in order (the wide probe) for the page and the next ones
    rows = [{"name": f"widez-{i}" if i % 100 == 7 else f"other-{i}"} for i in range(3000)]
    ids = seed(app, default_store.id, rows)
    headers = auth(token_for(make_staff()))
    want = [ids[i] for i in reversed(range(3000)) if i % 100 == 7]
    assert flat(walk(client, headers, "q=widez&limit=25")) == want
    assert flat(walk(client, headers, "q=widez-&limit=7")) == want
    assert flat(walk(client, headers, "q=widez-1&limit=4")) == [
        ids[i] for i in reversed(range(3000)) if i % 100 == 7 and str(i).startswith("1")
    ]


def test_a_term_of_dense_trigrams_finds_exactly_its_matches(
    app: Flask, client: Any, default_store: Any, make_staff: Any, token_for: Any
) -> None:
    # "use" and "ser" are in every email: PostgreSQL leaves them out of the index condition
    # for "user123" and checks the whole term on each row (the sample of the store's newest
    # customers is taken afresh: a minute-old one would be of another test's customers)
    rows: list[dict[str, Any]] = [
        {"email": f"user{n}@example.com", "name": f"n{n}", "phone": f"+86138{n:08d}"}
        for n in (123, *range(200, 400))
    ]
    rows.append({"email": "x.user123z@corp.test", "name": "inside", "phone": None})
    rows.append({"email": "userx123@corp.test", "name": "not a match", "phone": None})
    rows.append({"email": "frozen@corp.test", "name": "user1230", "status": CustomerStatus.FROZEN})
    ids = seed(app, default_store.id, rows)
    by_email = dict(zip([r["email"] for r in rows], ids, strict=True))
    forget_dense_trigrams()
    headers = auth(token_for(make_staff()))
    prefix_matches = [by_email["frozen@corp.test"], by_email["user123@example.com"]]
    if substring(app):
        want = [prefix_matches[0], by_email["x.user123z@corp.test"], prefix_matches[1]]
    else:
        want = prefix_matches
    assert flat(walk(client, headers, "q=user123&limit=2")) == want
    assert flat(walk(client, headers, "q=user123&frozen=true")) == [by_email["frozen@corp.test"]]
    # phones: "+86138" in every one; the digits after it are matched on the row
    phone = flat(walk(client, headers, "q=13800000123"))
    assert phone == [by_email["user123@example.com"]]


def test_a_term_under_real_name_and_frozen_filters_together(
    app: Flask, client: Any, default_store: Any, make_staff: Any, token_for: Any
) -> None:
    # PostgreSQL probes the real-name filter's newest rows and checks the frozen one on them
    pending, verified = RealnameStatus.PENDING, RealnameStatus.VERIFIED
    frozen, active = CustomerStatus.FROZEN, CustomerStatus.ACTIVE
    combos = [(s, r) for s in (frozen, active) for r in (pending, verified)] * 3
    rows = [
        {"name": f"wang-{i}", "status": s, "realname_status": r} for i, (s, r) in enumerate(combos)
    ]
    ids = seed(app, default_store.id, rows)
    headers = auth(token_for(make_staff()))

    def want(status: CustomerStatus) -> list[int]:
        return [ids[i] for i in reversed(range(len(combos))) if combos[i] == (status, pending)]

    assert flat(walk(client, headers, "q=wang-&realname=pending&frozen=true&limit=2")) == want(
        frozen
    )
    assert flat(walk(client, headers, "q=wang&realname=pending&frozen=false")) == want(active)
    assert walk(client, headers, "q=li-&realname=pending&frozen=true") == [[]]
    # a complete email: looked up exactly, under both filters
    assert walk(client, headers, "q=bulk0@example.com&realname=pending&frozen=true") == [[ids[0]]]
    assert walk(client, headers, "q=bulk2@example.com&realname=pending&frozen=true") == [[]]
