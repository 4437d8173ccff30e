"""Monthly bills: every figure from the ledger, each month opening where the last one closed."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask
from pypdf import PdfReader

from storefront.accounts.models import Customer
from storefront.billing import services
from storefront.billing.models import AccountKind, Posting, Wallet
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.stores.tenancy import store_context
from tests.statements.conftest import pdf_fonts, pdf_text

D = Decimal


def _in_store(app: Flask, customer: Customer, action: Callable[[Customer], Any]) -> Any:
    with app.app_context():
        fresh = db.session.get(Customer, customer.id)
        assert fresh is not None
        from storefront.stores.models import Store

        store = db.session.get(Store, fresh.store_id)
        with store_context(store):
            result = action(fresh)
            db.session.commit()
            return result


def _ledger_sum(app: Flask, customer: Customer, before: datetime | None = None) -> Decimal:
    with app.app_context():
        from storefront.billing.models import JournalTransaction

        query = (
            db.select(Posting.amount)
            .join(Wallet, Wallet.account_id == Posting.account_id)
            .join(JournalTransaction, JournalTransaction.id == Posting.transaction_id)
            .where(Wallet.customer_id == customer.id)
            .execution_options(all_stores=True)
        )
        if before is not None:
            query = query.where(JournalTransaction.created_at < before)
        return sum(db.session.scalars(query).all(), D("0.00"))


def _movements(html: str) -> list[tuple[str, str]]:
    """The bill page's wallet movements: (kind, amount's digits) a row."""
    table = html.split('id="bill-lines"')[1].split("</table>")[0]
    rows = re.findall(r"<tr><td>.*?</td><td>(.*?)</td><td>.*?</td><td[^>]*>(.*?)</td></tr>", table)
    return [(kind, re.sub(r"[^0-9.-]", "", amount)) for kind, amount in rows]


def _logo(app: Flask, store_id: int, name: str | None) -> None:
    """Give the store a logo file (or take it away)."""
    from PIL import Image

    with app.app_context():
        store = db.session.get(Store, store_id)
        assert store is not None
        if name is not None:
            folder = Path(app.instance_path) / "branding" / str(store_id)
            folder.mkdir(parents=True, exist_ok=True)
            Image.new("RGB", (40, 20), (199, 0, 11)).save(folder / name)
        store.logo_path = f"/branding/{name}" if name else None
        db.session.commit()


def test_months_chain_and_every_figure_is_the_ledgers(
    app: Flask,
    client: Any,
    make_customer: Callable[..., Customer],
    owner: Any,
    travel: Callable[[datetime], None],
    token_for: Callable[[Any], str],
) -> None:
    buyer = make_customer()
    # September: a funding; October: a purchase, usage and a partial refund; November: a
    # take-back; December (now): nothing. Amounts are the ledger's own.
    travel(datetime(2026, 9, 10, 12, tzinfo=UTC))
    _in_store(app, buyer, lambda c: services.fund(c, "500.00", "wire", owner))
    travel(datetime(2026, 10, 3, 9, tzinfo=UTC))
    _in_store(app, buyer, lambda c: services.debit(c, "120.00", "Order 77", "order:77"))
    _in_store(app, buyer, lambda c: services.debit(c, "3.50", "usage", "usage:1:r1"))
    travel(datetime(2026, 10, 31, 23, 59, tzinfo=UTC))
    _in_store(app, buyer, lambda c: services.refund(c, "20.00", "partial", "order:77"))
    _in_store(
        app, buyer, lambda c: services.credit(c, "5.00", "sorry", source=AccountKind.STORE_REVENUE)
    )
    travel(datetime(2026, 11, 1, 0, 0, 1, tzinfo=UTC))
    _in_store(app, buyer, lambda c: services.fund(c, "-1.50", "correction", owner))
    travel(datetime(2026, 12, 5, tzinfo=UTC))

    headers = {"Authorization": f"Bearer {token_for(buyer)}"}
    bills = {}
    for month in ("2026-08", "2026-09", "2026-10", "2026-11", "2026-12"):
        resp = client.get(f"/api/v1/bills?month={month}", headers=headers)
        assert resp.status_code == 200, resp.get_json()
        bills[month] = resp.get_json()
    months = list(bills)
    for earlier, later in itertools.pairwise(months):
        assert bills[later]["opening_balance"] == bills[earlier]["closing_balance"]
    for month, bill in bills.items():
        year, mon = map(int, month.split("-"))
        start = datetime(year, mon, 1, tzinfo=UTC)
        end = datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=UTC)
        assert D(bill["opening_balance"]) == _ledger_sum(app, buyer, start)
        assert D(bill["closing_balance"]) == _ledger_sum(app, buyer, end)
        assert sum((D(x["amount"]) for x in bill["lines"]), D(0)) == D(bill["closing_balance"]) - D(
            bill["opening_balance"]
        )
    october = bills["2026-10"]
    assert october == {
        **october,
        "opening_balance": "500.00",
        "closing_balance": "401.50",
        "top_ups": "5.00",
        "refunds": "20.00",
        "purchases": "120.00",
        "usage_charges": "3.50",
        "charges": "123.50",
        "currency": "CNY",
    }
    kinds = [(x["kind"], x["amount"], x.get("order_id")) for x in october["lines"]]
    assert kinds == [
        ("purchase", "-120.00", 77),
        ("usage", "-3.50", None),
        ("refund", "20.00", 77),
        ("top_up", "5.00", None),
    ]
    assert bills["2026-11"]["adjustments"] == "1.50"
    assert bills["2026-12"]["lines"] == [] and bills["2026-12"]["closing_balance"] == "400.00"
    assert services.ledger.format_amount(D("400.00")) == bills["2026-12"]["closing_balance"]
    # a month not begun, or not a month, is a 422, never a 500
    assert client.get("/api/v1/bills?month=2027-01", headers=headers).status_code == 422
    assert client.get("/api/v1/bills?month=2026-13", headers=headers).status_code == 422
    assert client.get("/api/v1/bills/banana.csv", headers=headers).status_code == 422
    assert client.get("/api/v1/bills?month=2026-10").status_code == 401


def test_csv_and_pdf_in_the_customers_language_with_the_figures(
    app: Flask,
    client: Any,
    make_customer: Callable[..., Customer],
    owner: Any,
    login: Callable[..., Any],
    token_for: Callable[[Any], str],
) -> None:
    buyer = make_customer(locale="zh_Hans_CN", name="王小明")
    _in_store(app, buyer, lambda c: services.fund(c, "88.80", "wire", owner))
    _in_store(app, buyer, lambda c: services.debit(c, "12.34", "usage", "usage:9:r9"))
    headers = {"Authorization": f"Bearer {token_for(buyer)}"}
    month = datetime.now(UTC).strftime("%Y-%m")
    resp = client.get(f"/api/v1/bills/{month}.csv", headers=headers)
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["日期", "类型", "说明", "金额"]
    assert [r[3] for r in rows[2:4]] == ["88.80", "-12.34"]
    assert [r[1] for r in rows[2:4]] == ["充值", "用量"]  # each line's kind, in Chinese
    assert rows[-1][0] == "期末余额" and rows[-1][3] == "76.46"
    _logo(app, buyer.store_id, "logo-0123456789abcdef.png")
    try:
        pdf = client.get(f"/api/v1/bills/{month}.pdf", headers=headers)
    finally:
        _logo(app, buyer.store_id, None)
    resources = PdfReader(io.BytesIO(pdf.data)).pages[0]["/Resources"]
    assert "/XObject" in resources  # the store's logo, inlined
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    assert "王小明" in text and "账单" in text and "76.46" in text and "88.80" in text
    assert any("CJK" in name for name in pdf_fonts(pdf.data))  # the CJK font is embedded
    # the page: the same figures, and the downloads behind a login
    page = client.get("/billing")
    assert page.status_code == 302
    browser = login(buyer)
    zh = {"Accept-Language": "zh-CN"}
    html = browser.get(f"/billing?month={month}", headers=zh).get_data(as_text=True)
    assert "期末余额" in html and "76.46" in html
    # each wallet movement: its kind and description in the page's language
    assert _movements(html) == [("充值", "88.80"), ("用量", "-12.34")]
    assert "按需用量" in html.split('id="bill-lines"')[1]
    english = browser.get(f"/billing?month={month}", headers={"Accept-Language": "en"})
    assert _movements(english.get_data(as_text=True)) == [("Top-up", "88.80"), ("Usage", "-12.34")]
    assert browser.get("/billing?month=nope").status_code == 302  # back to this month
    assert browser.get(f"/billing/{month}.pdf").data.startswith(b"%PDF-")
