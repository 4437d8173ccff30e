"""Staff pages in words: audit events named, statuses named (in the page's language), wallet
times and amounts formatted."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from storefront.accounts.models import Customer, Staff, StaffRole
from storefront.backoffice import customer_freeze as backoffice
from storefront.billing import services as billing
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.stores.tenancy import store_context

ZH = {"Accept-Language": "zh-CN"}


def test_audit_statuses_and_wallet_in_words(
    app: Flask,
    login: Callable[..., FlaskClient],
    make_staff: Callable[..., Staff],
    make_customer: Callable[..., Customer],
    default_store: Store,
    **_: Any,
) -> None:
    owner = make_staff(role=StaffRole.OWNER)
    customer = make_customer()
    with app.app_context(), store_context(default_store):
        staff = db.session.get(Staff, owner.id)
        me = db.session.get(Customer, customer.id)
        assert staff is not None and me is not None
        billing.fund(me, "1234.50", "welcome credit", staff)
        backoffice.freeze_customer(staff, me, "unpaid invoice")
        db.session.commit()
    client = login(owner)
    audit = client.get("/admin/audit").get_data(as_text=True)
    assert "Customer frozen" in audit and ">customer.freeze<" not in audit
    zh_audit = client.get("/admin/audit", headers=ZH).get_data(as_text=True)
    assert "客户已冻结" in zh_audit
    page = client.get(f"/admin/customers/{customer.id}", headers=ZH).get_data(as_text=True)
    assert 'data-status="frozen">已冻结<' in page and "¥1,234.50" in page
    funds = client.get(f"/staff/customers/{customer.id}/funds").get_data(as_text=True)
    assert "CN¥1,234.50" in funds and "welcome credit" in funds
    first = re.search(r'id="statement".*?<tbody><tr><td>([^<]+)</td>', funds, re.S)
    assert first is not None and re.fullmatch(r"\w{3} \d{1,2}, \d{4}, .+", first.group(1))
