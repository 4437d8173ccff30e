"""The staff's monthly sales report: revenue, provider cost and margin by product, region and
customer, its CSV, and the dashboard chart drawing from the same source."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import select

from storefront.accounts.models import Customer, StaffRole
from storefront.billing.models import Order
from storefront.extensions import db
from tests.billing.wallet_helpers import csrf
from tests.shop import ECS, EVS


def test_the_months_sales_by_product_region_and_customer(
    app: Flask,
    make_buyer: Callable[..., Customer],
    bought: Callable[..., Any],
    make_staff: Callable[..., Any],
    login: Callable[..., Any],
) -> None:
    ann, bob = make_buyer(name="Ann"), make_buyer(name="Bob")
    bought(ann, [ECS, EVS])
    bought(bob, [ECS])
    with app.app_context():
        orders = db.session.scalars(select(Order).execution_options(all_stores=True)).all()
        revenue = sum((o.total for o in orders), Decimal(0))
        cost = sum((o.cost_total for o in orders), Decimal(0))
        ann_total = sum((o.total for o in orders if o.customer_id == ann.id), Decimal(0))
    assert revenue >= cost > 0
    month = datetime.now(UTC).strftime("%Y-%m")
    support = login(make_staff(role=StaffRole.SUPPORT))
    assert support.get("/staff/sales").status_code == 403
    finance = login(make_staff(role=StaffRole.FINANCE))
    page = finance.get(f"/staff/sales?month={month}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="by-product"' in html and "Ann" in html and "cn-north-4" in html
    resp = finance.get(f"/staff/sales.csv?month={month}")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["dimension", "key", "label", "orders", "revenue", "cost", "margin"]
    total = rows[1]
    assert total[:4] == ["total", "", "", "2"]
    assert (Decimal(total[4]), Decimal(total[5]), Decimal(total[6])) == (
        revenue,
        cost,
        revenue - cost,
    )
    by = {(r[0], r[1]): r for r in rows[2:]}
    assert Decimal(by[("customer", str(ann.id))][4]) == ann_total
    assert by[("product", "ecs")][3] == "2" and by[("product", "evs")][3] == "1"
    assert sum(Decimal(r[4]) for r in rows if r[0] == "product") == revenue
    assert Decimal(by[("region", "cn-north-4")][6]) == revenue - cost
    # another month is empty; a bad month falls back to this one
    assert "0.00" in finance.get("/staff/sales.csv?month=2001-01").get_data(as_text=True)
    assert finance.get("/staff/sales?month=garbage").status_code == 200
    # the dashboard's chart reads the same figures
    owner = login(make_staff(role=StaffRole.OWNER))
    dashboard = owner.get("/admin/").get_data(as_text=True)
    assert str(revenue) in dashboard or f'"{revenue}"' in dashboard


def test_invoice_settings_are_validated(
    make_staff: Callable[..., Any], login: Callable[..., Any]
) -> None:
    finance = login(make_staff(role=StaffRole.FINANCE))
    page = finance.get("/staff/invoice-settings").get_data(as_text=True)
    token = csrf(page)
    bad = finance.post(
        "/staff/invoice-settings",
        data={"csrf_token": token, "legal_name": "X", "tax_id": "123", "tax_rate": "abc"},
    )
    assert bad.status_code == 422
    ok = finance.post(
        "/staff/invoice-settings",
        data={
            "csrf_token": token,
            "legal_name": "云帆销售有限公司",
            "tax_id": "91110000717882929D",
            "tax_rate": "6",
            "number_prefix": "YF-",
        },
    )
    assert ok.status_code == 302
    html = finance.get("/staff/invoice-settings").get_data(as_text=True)
    assert "云帆销售有限公司" in html and 'value="6"' in html
    support = login(make_staff(role=StaffRole.SUPPORT))
    assert support.get("/staff/invoice-settings").status_code == 403
