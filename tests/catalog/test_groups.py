"""Customer groups: the staff page (list, create, rename, members, delete with its rules) and
group prices reaching the group's customers in the calculator and ``POST /api/v1/quotes``."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from storefront.accounts.models import StaffRole
from storefront.catalog.models import CustomerGroup, CustomerGroupMember, PriceRule
from storefront.extensions import db
from tests.builders import PASSWORD
from tests.catalog.test_pages import add_rule_past_warning, csrf, login

GROUPS = "/staff/customer-groups"


def _staff(client: Any, make_staff: Any, role: StaffRole = StaffRole.FINANCE) -> Any:
    staff = make_staff(role=role)
    login(client, staff)
    return staff


def _create(client: Any, name: str) -> Any:
    return client.post(GROUPS, headers=csrf(client, GROUPS), data={"name": name})


def _group_id(app: Any, name: str) -> int:
    with app.app_context():
        group_id = db.session.scalar(
            select(CustomerGroup.id)
            .where(CustomerGroup.name == name)
            .execution_options(all_stores=True)
        )
    assert group_id is not None
    return int(group_id)


def test_create_list_rename_and_errors(
    app: Any, client: Any, catalog: Any, make_staff: Any, make_store: Any
) -> None:
    _staff(client, make_staff)
    empty = client.get(GROUPS).get_data(as_text=True)
    assert "No customer groups yet" in empty
    resp = _create(client, "  Key   accounts ")
    assert resp.status_code == 302
    group_id = _group_id(app, "Key accounts")  # spaces tidied
    assert resp.headers["Location"].endswith(f"{GROUPS}/{group_id}")
    page = client.get(GROUPS).get_data(as_text=True)
    assert "Key accounts" in page and f"/staff/pricing?group={group_id}" in page

    # a clear error, never a 500: empty name, duplicate name (any case), too long
    for name, message in (
        ("", "This field is required."),
        ("key ACCOUNTS", "already has a group with that name"),
        ("x" * 81, "Field cannot be longer than 80 characters."),
    ):
        resp = _create(client, name)
        assert resp.status_code == 200, name
        assert message in resp.get_data(as_text=True), name
    # no CSRF token, no change
    assert client.post(GROUPS, data={"name": "Sneaky"}).status_code == 400

    # rename, and the same checks on rename
    detail = f"{GROUPS}/{group_id}"
    resp = client.post(f"{detail}/rename", headers=csrf(client, detail), data={"name": "VIP"})
    assert resp.status_code == 302
    _create(client, "Partners")
    resp = client.post(f"{detail}/rename", headers=csrf(client, detail), data={"name": "partners"})
    assert resp.status_code == 200
    assert "already has a group with that name" in resp.get_data(as_text=True)
    assert "Customer group: VIP" in client.get(detail).get_data(as_text=True)

    # another store's group is not found here
    other = make_store()
    with app.app_context():
        db.session.add(CustomerGroup(store_id=other.id, name="Theirs"))
        db.session.commit()
    assert client.get(f"{GROUPS}/{_group_id(app, 'Theirs')}").status_code == 404
    assert "Theirs" not in client.get(GROUPS).get_data(as_text=True)


def test_groups_are_paginated_with_member_counts(
    app: Any, client: Any, catalog: Any, make_staff: Any, make_customer: Any
) -> None:
    _staff(client, make_staff, StaffRole.OWNER)
    store_id = catalog["store"].id
    customers = [make_customer() for _ in range(3)]
    with app.app_context():
        groups = [CustomerGroup(store_id=store_id, name=f"Group {i:02d}") for i in range(25)]
        db.session.add_all(groups)
        db.session.flush()
        for c in customers:
            db.session.add(
                CustomerGroupMember(store_id=store_id, group_id=groups[0].id, customer_id=c.id)
            )
        db.session.commit()
    first = client.get(GROUPS).get_data(as_text=True)
    assert "Group 00" in first and "Group 19" in first and "Group 20" not in first
    row = re.search(r"Group 00</a></td>\s*<td class=\"text-end\">(\d+)</td>", first)
    assert row is not None and row.group(1) == "3"
    next_url = re.search(r'href="(/staff/customer-groups\?after=\d+)"', first)
    assert next_url is not None
    second = client.get(next_url.group(1)).get_data(as_text=True)
    assert "Group 20" in second and "Group 24" in second and "Group 00" not in second
    assert "Next page" not in second


def test_members_by_email_search(
    app: Any, client: Any, catalog: Any, make_staff: Any, make_customer: Any, make_store: Any
) -> None:
    _staff(client, make_staff)
    wang = make_customer(email="wang.fang@example.com", name="Wang Fang")
    make_customer(email="li.lei@example.com")
    make_customer(store=make_store(), email="wang.other@example.com")  # another store
    _create(client, "VIP")
    group_id = _group_id(app, "VIP")
    detail = f"{GROUPS}/{group_id}"
    assert "No members yet" in client.get(detail).get_data(as_text=True)

    found = client.get(f"{detail}?q=WANG").get_data(as_text=True)
    assert "wang.fang@example.com" in found
    assert "li.lei@example.com" not in found and "wang.other@example.com" not in found
    assert "No customer of this store matches" in client.get(f"{detail}?q=zzz").get_data(
        as_text=True
    )
    assert "Type at least two characters" in client.get(f"{detail}?q=w").get_data(as_text=True)

    resp = client.post(
        f"{detail}/members?q=wang", headers=csrf(client, detail), data={"customer_id": wang.id}
    )
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Customer added to the group." in page
    assert re.search(r'id="members".*wang\.fang@example\.com', page, re.S)
    assert "in the group" in page  # the search result now says so
    # adding twice is harmless; a customer of another store cannot be added
    client.post(f"{detail}/members", headers=csrf(client, detail), data={"customer_id": wang.id})
    with app.app_context():
        other_id = db.session.scalar(
            select(func.max(CustomerGroupMember.customer_id)).execution_options(all_stores=True)
        )
        count = db.session.scalar(
            select(func.count(CustomerGroupMember.id)).execution_options(all_stores=True)
        )
    assert other_id == wang.id and count == 1
    from storefront.accounts.models import Customer

    with app.app_context():
        stranger = db.session.scalar(
            select(Customer.id)
            .where(Customer.email == "wang.other@example.com")
            .execution_options(all_stores=True)
        )
    resp = client.post(
        f"{detail}/members", headers=csrf(client, detail), data={"customer_id": stranger}
    )
    assert "No such customer." in client.get(resp.headers["Location"]).get_data(as_text=True)

    resp = client.post(
        f"{detail}/members/remove", headers=csrf(client, detail), data={"customer_id": wang.id}
    )
    assert resp.status_code == 302
    page = client.get(detail).get_data(as_text=True)
    assert "Customer removed from the group." in page and "No members yet" in page


def test_delete_says_what_happens_to_rules(
    app: Any, client: Any, catalog: Any, make_staff: Any, make_customer: Any
) -> None:
    _staff(client, make_staff)
    _create(client, "Resellers")
    _create(client, "Schools")
    group_id = _group_id(app, "Resellers")
    store_id = catalog["store"].id
    member = make_customer()
    with app.app_context():
        db.session.add(
            CustomerGroupMember(store_id=store_id, group_id=group_id, customer_id=member.id)
        )
        db.session.add_all(
            [
                PriceRule(
                    store_id=store_id,
                    product_code="ecs",
                    group_id=group_id,
                    kind="discount",
                    adjustment="percent",
                    value=5,
                ),
                PriceRule(
                    store_id=store_id, group_id=None, kind="markup", adjustment="percent", value=10
                ),
            ]
        )
        db.session.commit()
    detail = f"{GROUPS}/{group_id}"
    page = client.get(detail).get_data(as_text=True)
    assert re.search(r'id="group-rules".*discount off list price 5\.00%.*ecs', page, re.S)
    assert f'href="/staff/pricing?group={group_id}"' in page
    filtered = client.get(f"/staff/pricing?group={group_id}").get_data(as_text=True)
    assert "Showing the rules for everyone and for the group Resellers." in filtered

    confirm = client.get(f"{detail}/delete")
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Delete the group Resellers?" in text
    assert "will be deleted with it" in text and "discount off list price 5.00%" in text
    assert "markup on cost 10" not in text  # the rule for everyone stays and is not listed
    assert client.post(f"{detail}/delete").status_code == 400  # CSRF: no token, no delete

    resp = client.post(f"{detail}/delete", headers=csrf(client, f"{detail}/delete"))
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Group Resellers deleted, with the 1 price rule that targeted it." in page
    with app.app_context():
        rules = db.session.scalars(select(PriceRule).execution_options(all_stores=True)).all()
        members = db.session.scalar(
            select(func.count(CustomerGroupMember.id)).execution_options(all_stores=True)
        )
    assert [r.group_id for r in rules] == [None] and members == 0
    assert client.get(detail).status_code == 404

    schools = _group_id(app, "Schools")
    page = client.get(f"{GROUPS}/{schools}/delete").get_data(as_text=True)
    assert "No price rule targets this group." in page


def _api_quote(client: Any, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {
        "region": "cn-north-4",
        "billing_mode": "monthly",
        "period": 1,
        "items": [{"product": "ecs", "spec": "s6.large.2.linux", "quantity": 1}],
    }
    resp = client.post("/api/v1/quotes", json=body, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_group_price_reaches_calculator_and_api_quotes(
    app: Any, client: Any, catalog: Any, make_staff: Any, make_customer: Any
) -> None:
    """End to end: staff create a group, add a customer, give the group a 5 % markup on
    ECS; that customer (and only they) get it in the calculator and in POST /api/v1/quotes.
    (A discount off list would be floored at cost: the partner's cost is the list price.)"""
    member = make_customer(email="member@example.com")
    outsider = make_customer(email="outsider@example.com")
    _staff(client, make_staff)
    _create(client, "Wholesale")
    group_id = _group_id(app, "Wholesale")
    detail = f"{GROUPS}/{group_id}"
    client.post(f"{detail}/members", headers=csrf(client, detail), data={"customer_id": member.id})
    resp = add_rule_past_warning(
        client,
        {
            "product_code": "ecs",
            "spec_code": "",
            "group_id": str(group_id),
            "kind": "markup",
            "adjustment": "percent",
            "value": "5",
        },
    )
    assert resp.status_code == 302
    preview = client.get(f"/staff/pricing?region=cn-north-4&group={group_id}").get_data(
        as_text=True
    )
    assert "117.60" in preview  # 112.00 cost (the list price) + 5 %

    def token(email: str) -> str:
        resp = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
        assert resp.status_code == 200, resp.get_json()
        return str(resp.get_json()["token"])

    assert _api_quote(client, token("member@example.com"))["total"] == "117.60"
    assert _api_quote(client, token("outsider@example.com"))["total"] == "112.00"
    assert _api_quote(client, None)["total"] == "112.00"

    form = {
        "region": "cn-north-4",
        "ecs_spec": "s6.large.2.linux",
        "ecs_quantity": "1",
        "months": "1",
        "years": "1",
    }
    for who, monthly in ((member, "CN¥117.60"), (outsider, "CN¥112.00")):
        login(client, who)
        html = client.post("/calculator/price", data=form, headers=csrf(client)).get_data(
            as_text=True
        )
        found = re.search(r'data-price="monthly"[^>]*>([^<]+)<', html)
        assert found is not None and found.group(1).strip() == monthly, who.email
        # the quote the calculator makes is the same price
        resp = client.post(
            "/calculator/quote", data={**form, "billing_mode": "monthly"}, headers=csrf(client)
        )
        quote = client.get(resp.headers["Location"]).get_data(as_text=True)
        assert f'id="quote-total">{monthly}<' in quote

    # removed from the group: back to the list price
    _staff(client, make_staff)
    client.post(
        f"{detail}/members/remove", headers=csrf(client, detail), data={"customer_id": member.id}
    )
    assert _api_quote(client, token("member@example.com"))["total"] == "112.00"
