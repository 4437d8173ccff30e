"""Invoices: one per paid order, numbered without gaps per store, with the store as seller and
the customer's billing profile as it was when issued; the PDFs read back with the figures."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.billing import services
from storefront.extensions import db
from storefront.statements import invoices
from storefront.statements.models import Invoice
from tests.billing.conftest import requires_postgres
from tests.statements.conftest import pdf_fonts, pdf_text
from tests.statements.helpers import SELLER_USCC, USCC, bearer, in_store

COMPANY = {
    "kind": "company",
    "title": "杭州云帆科技有限公司",
    "tax_id": USCC.lower(),
    "address": "杭州市西湖区文三路 1 号",
    "phone": "0571-88888888",
    "bank": "招商银行杭州分行",
    "account": "571900000010",
}


def _settings(app: Flask, customer: Customer, **values: Any) -> None:
    def apply(c: Customer) -> None:
        s = invoices.settings_for(c.store_id)
        for name, value in values.items():
            setattr(s, name, value)

    in_store(app, customer, apply)


def test_billing_profile_is_validated_and_kept_with_history(
    client: Any, make_customer: Callable[..., Customer], token_for: Callable[[Any], str]
) -> None:
    headers = bearer(token_for, make_customer())
    assert client.get("/api/v1/billing-profile", headers=headers).get_json()["profile"] is None
    bad = client.put(
        "/api/v1/billing-profile",
        json={"kind": "company", "title": "X", "tax_id": "91350100M000100Y44", "bank": "B"},
        headers=headers,
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"tax_id", "account"}
    assert client.put("/api/v1/billing-profile", json=[1], headers=headers).status_code == 422
    assert (
        client.put(
            "/api/v1/billing-profile", json={"kind": "x", "title": 5}, headers=headers
        ).status_code
        == 422
    )
    ok = client.put("/api/v1/billing-profile", json=COMPANY, headers=headers)
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["profile"]["tax_id"] == USCC and ok.get_json()["profile"]["version"] == 1
    same = client.put("/api/v1/billing-profile", json=COMPANY, headers=headers)
    assert same.get_json()["profile"]["version"] == 1  # unchanged: no new version
    client.put(
        "/api/v1/billing-profile", json={**COMPANY, "title": "新名称有限公司"}, headers=headers
    )
    got = client.get("/api/v1/billing-profile", headers=headers).get_json()
    assert got["profile"]["title"] == "新名称有限公司"
    assert [p["version"] for p in got["history"]] == [2, 1]


def test_each_paid_order_gets_an_invoice_with_the_profile_at_the_time(
    app: Flask,
    client: Any,
    make_buyer: Callable[..., Customer],
    bought: Callable[..., Any],
    token_for: Callable[[Any], str],
) -> None:
    buyer = make_buyer(locale="zh_Hans_CN", name="李雷")
    _settings(
        app,
        buyer,
        legal_name="北京云销售有限公司",
        tax_id=SELLER_USCC,
        tax_rate=Decimal("0.06"),
        number_prefix="SF-",
    )
    headers = bearer(token_for, buyer)
    assert client.put("/api/v1/billing-profile", json=COMPANY, headers=headers).status_code == 200
    bought(buyer)
    listed = client.get("/api/v1/invoices", headers=headers).get_json()["items"]
    assert len(listed) == 1
    inv = listed[0]
    assert inv["number"].startswith("SF-") and inv["order_id"]
    total = Decimal(inv["total"])
    assert total > 0 and Decimal(inv["net"]) + Decimal(inv["tax"]) == total
    assert Decimal(inv["tax"]) == total - (total / Decimal("1.06")).quantize(Decimal("0.01"))
    # the profile changes afterwards: the invoice keeps the one it was issued with
    client.put(
        "/api/v1/billing-profile", json={**COMPANY, "title": "后来的名称有限公司"}, headers=headers
    )
    pdf = client.get(f"/api/v1/invoices/{inv['id']}.pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    for expected in (
        "杭州云帆科技有限公司",
        USCC,
        "北京云销售有限公司",
        SELLER_USCC,
        inv["number"],
        inv["total"],
        inv["tax"],
        "收款凭证",
        "ECS",
    ):
        assert expected in text, (expected, text)
    assert "后来的名称有限公司" not in text
    again = client.get(f"/api/v1/invoices/{inv['id']}.pdf", headers=headers)
    assert again.data == pdf.data  # rendered once, then kept
    assert any("CJK" in f for f in pdf_fonts(pdf.data))
    # listing again issues nothing new; another customer's invoice is not found
    assert len(client.get("/api/v1/invoices", headers=headers).get_json()["items"]) == 1
    other = bearer(token_for, make_buyer())
    assert client.get(f"/api/v1/invoices/{inv['id']}.pdf", headers=other).status_code == 404
    assert client.get("/api/v1/invoices?cursor=x", headers=headers).status_code == 422


def _paid(app: Flask, customer: Customer, owner: Any, count: int, prefix: str) -> None:
    def pay(c: Customer) -> None:
        services.fund(c, "1000.00", "setup", owner)
        for n in range(count):
            services.debit(c, "10.00", "Renewal", f"renewal:{prefix}-{c.id}-{n}")

    in_store(app, customer, pay)


def _sequences(app: Flask) -> list[int]:
    with app.app_context():
        return sorted(
            db.session.scalars(select(Invoice.sequence).execution_options(all_stores=True)).all()
        )


def test_numbers_have_no_gaps_when_an_issue_rolls_back(
    app: Flask, make_customer: Callable[..., Customer], owner: Any
) -> None:
    first, second = make_customer(), make_customer()
    _paid(app, first, owner, 2, "a")
    _paid(app, second, owner, 1, "b")

    def issue_then_fail(c: Customer) -> None:
        assert invoices.ensure_invoices(c) == 1
        raise RuntimeError("the request failed after the invoice was written")

    with contextlib.suppress(RuntimeError):
        in_store(app, second, issue_then_fail)
    in_store(app, first, invoices.ensure_invoices)
    in_store(app, second, invoices.ensure_invoices)
    assert _sequences(app) == [1, 2, 3]


@requires_postgres
def test_numbers_stay_gapless_under_concurrent_issuing(
    app: Flask, make_customer: Callable[..., Customer], owner: Any
) -> None:
    """Eight customers' invoices issued at once, some of the transactions rolling back after
    taking a number: the committed numbers are 1..N without a gap or a repeat."""
    customers = [make_customer() for _ in range(8)]
    for c in customers:
        _paid(app, c, owner, 3, "c")
    barrier = threading.Barrier(len(customers))
    errors: list[BaseException] = []

    def work(index: int, customer: Customer) -> None:
        try:
            barrier.wait()
            if index % 3 == 0:  # issue, then roll back: the numbers it took come back
                with contextlib.suppress(ZeroDivisionError):
                    in_store(app, customer, lambda c: (invoices.ensure_invoices(c), 1 / 0))
            in_store(app, customer, invoices.ensure_invoices)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(customers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert _sequences(app) == list(range(1, 3 * len(customers) + 1))


def test_the_job_issues_missing_invoices_without_a_visit(
    app: Flask, make_customer: Callable[..., Customer], owner: Any
) -> None:
    from storefront.statements import jobs

    customer = make_customer()
    _paid(app, customer, owner, 2, "job")
    with app.app_context():
        assert jobs.issue_invoices() == 1
        assert jobs.issue_invoices() == 0  # nothing left
    assert _sequences(app) == [1, 2]
