"""Fapiao requests: never more than the paid, not yet invoiced amount; the staff queue issues
(number + PDF) or rejects (reason); the customer is mailed once, in their language, and
downloads the fapiao."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storefront.accounts.models import Customer, StaffRole
from storefront.billing import services
from storefront.statements import fapiao, profiles
from storefront.statements.errors import ExceedsInvoiceable, ProfileMissing
from tests.billing.wallet_helpers import csrf
from tests.shop import drain
from tests.statements.helpers import USCC, bearer, in_store

PDF = b"%PDF-1.4\n% a fapiao\n"


def _ready(app: Flask, customer: Customer, owner: Any, debits: dict[str, str]) -> None:
    def go(c: Customer) -> None:
        services.fund(c, "10000.00", "setup", owner)
        for reference, amount in debits.items():
            services.debit(c, amount, "paid", reference)
        profiles.save(c, {"kind": "company", "title": "云帆科技", "tax_id": USCC})

    in_store(app, customer, go)


def _mails(mail_dir: Path, to: str) -> list[Any]:
    found = []
    for path in sorted(mail_dir.glob("*.eml")):
        m = message_from_bytes(path.read_bytes(), policy=policy.default)
        if m["To"] == to:
            found.append(m)
    return found


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    paid=st.lists(st.integers(min_value=1, max_value=50_000), min_size=1, max_size=4),
    refunds=st.lists(st.integers(min_value=0, max_value=50_000), min_size=4, max_size=4),
    asks=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=120_000),
            st.booleans(),
            st.integers(min_value=0, max_value=4),
        ),
        max_size=8,
    ),
)
def test_requests_never_exceed_what_was_paid_and_not_invoiced(
    app: Flask,
    make_customer: Callable[..., Customer],
    owner: Any,
    paid: list[int],
    refunds: list[int],
    asks: list[tuple[int, bool, int]],
) -> None:
    customer = make_customer()
    cents = Decimal("0.01")
    refs = {f"order:{customer.id}{n}": Decimal(p) * cents for n, p in enumerate(paid)}
    _ready(app, customer, owner, {r: str(a) for r, a in refs.items()})
    net = dict(refs)
    for (ref, amount), back in zip(refs.items(), refunds, strict=False):
        give_back = min(amount, Decimal(back) * cents)
        if give_back > 0:
            in_store(app, customer, lambda c, r=ref, g=give_back: services.refund(c, g, "x", r))
            net[ref] -= give_back
    requested = Decimal("0.00")
    for amount_cents, name_orders, decide in asks:
        amount = Decimal(amount_cents) * cents
        order_ids = [int(r[6:]) for r in list(refs)[:2]] if name_orders else None
        allowed = (
            sum((net[r] for r in refs if order_ids is None or int(r[6:]) in order_ids), Decimal(0))
            - requested
            if order_ids is None
            else None
        )
        try:
            made = in_store(
                app, customer, lambda c, a=amount, o=order_ids: fapiao.request_fapiao(c, a, o).id
            )
        except ExceedsInvoiceable:
            if allowed is not None:
                assert amount > allowed
            continue
        requested += amount
        if decide == 0:  # rejected: its amount can be asked for again
            staff_reject(app, owner, made)
            requested -= amount
        totals = in_store(
            app, customer, lambda c: (fapiao.invoiceable_total(c), fapiao.requested_by_reference(c))
        )
        left, taken = totals
        assert left == sum(net.values(), Decimal(0)) - requested >= 0
        for ref, amount_taken in taken.items():
            assert amount_taken <= net[ref]


def staff_reject(app: Flask, owner: Any, request_id: int) -> None:
    from storefront.accounts.models import Staff
    from storefront.extensions import db

    def go(c: Customer) -> None:
        staff = db.session.get(Staff, owner.id)
        fapiao.reject(request_id, staff, "wrong title")

    with app.app_context():
        from storefront.statements.models import InvoiceRequest

        req = db.session.get(InvoiceRequest, request_id)
        assert req is not None
        customer = db.session.get(Customer, req.customer_id)
    assert customer is not None
    in_store(app, customer, go)


def test_without_a_profile_or_over_the_limit_a_request_is_refused(
    app: Flask,
    client: Any,
    make_customer: Callable[..., Customer],
    owner: Any,
    token_for: Callable[[Any], str],
) -> None:
    customer = make_customer()
    headers = bearer(token_for, customer)
    in_store(app, customer, lambda c: services.fund(c, "50.00", "setup", owner))
    in_store(app, customer, lambda c: services.debit(c, "30.00", "x", "order:999001"))
    resp = client.post("/api/v1/invoice-requests", json={"amount": "10.00"}, headers=headers)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == ProfileMissing.code
    in_store(app, customer, lambda c: profiles.save(c, {"kind": "individual", "title": "Ann"}))
    for body in (
        {"amount": 10.5},
        {"amount": "abc"},
        {},
        {"amount": "1", "order_ids": "7"},
        {"amount": "1", "order_ids": [True]},
        {"amount": "-1"},
        {"amount": "780028159973379966975099744"},  # schemathesis found it a 500
    ):
        assert (
            client.post("/api/v1/invoice-requests", json=body, headers=headers).status_code == 422
        ), body
    over = client.post("/api/v1/invoice-requests", json={"amount": "30.01"}, headers=headers)
    assert over.status_code == 409 and over.get_json()["error"]["code"] == "exceeds_invoiceable"
    other_order = client.post(
        "/api/v1/invoice-requests", json={"amount": "1.00", "order_ids": [5]}, headers=headers
    )
    assert other_order.status_code == 409
    ok = client.post(
        "/api/v1/invoice-requests", json={"amount": "30.00", "order_ids": [999001]}, headers=headers
    )
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["references"] == [{"reference": "order:999001", "amount": "30.00"}]
    listed = client.get("/api/v1/invoice-requests", headers=headers).get_json()
    assert listed["invoiceable"] == "0.00" and listed["items"][0]["status"] == "pending"


def test_staff_issue_and_reject_and_the_customer_is_mailed_once_in_chinese(
    app: Flask,
    client: Any,
    make_customer: Callable[..., Customer],
    make_staff: Any,
    owner: Any,
    login: Callable[..., Any],
    token_for: Callable[[Any], str],
    mail_dir: Path,
) -> None:
    customer = make_customer(locale="zh_Hans_CN", name="韩梅梅")
    _ready(app, customer, owner, {"order:424201": "300.00"})
    headers = bearer(token_for, customer)
    first = client.post("/api/v1/invoice-requests", json={"amount": "100.00"}, headers=headers)
    second = client.post("/api/v1/invoice-requests", json={"amount": "200.00"}, headers=headers)
    first_id, second_id = first.get_json()["id"], second.get_json()["id"]
    support = login(make_staff(role=StaffRole.SUPPORT))
    assert support.get("/staff/fapiao").status_code == 403
    finance = login(make_staff(role=StaffRole.FINANCE))
    queue = finance.get("/staff/fapiao").get_data(as_text=True)
    token = csrf(queue)
    assert f'id="request-{first_id}"' in queue and "云帆科技" in queue and USCC in queue
    bad = finance.post(
        f"/staff/fapiao/{first_id}/issue",
        data={
            "csrf_token": token,
            "number": "12345678",
            "pdf": (io.BytesIO(b"not a pdf"), "f.pdf"),
        },
    )
    assert bad.status_code == 302
    assert (
        client.get("/api/v1/invoice-requests", headers=headers).get_json()["items"][1]["status"]
        == "pending"
    )
    done = finance.post(
        f"/staff/fapiao/{first_id}/issue",
        data={"csrf_token": token, "number": "04400123", "pdf": (io.BytesIO(PDF), "fapiao.pdf")},
    )
    assert done.status_code == 302
    again = finance.post(
        f"/staff/fapiao/{first_id}/issue",
        data={"csrf_token": token, "number": "04400124", "pdf": (io.BytesIO(PDF), "fapiao.pdf")},
    )
    assert again.status_code == 302  # already decided: refused, nothing changes
    finance.post(
        f"/staff/fapiao/{second_id}/reject", data={"csrf_token": token, "reason": "抬头有误"}
    )
    drain(app)
    drain(app)
    got = _mails(mail_dir, customer.email)
    subjects = sorted(str(m["Subject"]) for m in got)
    assert subjects == sorted(["您的发票 04400123 已开具", f"您的开票申请 #{second_id} 未通过"]), (
        subjects
    )
    body = next(m for m in got if "04400123" in str(m["Subject"])).get_body(("plain",))
    assert "100.00" in body.get_content() and "/invoices" in body.get_content()
    items = {
        i["id"]: i
        for i in client.get("/api/v1/invoice-requests", headers=headers).get_json()["items"]
    }
    assert items[first_id]["fapiao_number"] == "04400123"
    assert items[second_id]["reject_reason"] == "抬头有误"
    assert (
        client.get("/api/v1/invoice-requests", headers=headers).get_json()["invoiceable"]
        == "200.00"
    )  # the rejected amount may be asked for again
    pdf = client.get(f"/api/v1/invoice-requests/{first_id}/fapiao.pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.data == PDF
    assert (
        client.get(f"/api/v1/invoice-requests/{second_id}/fapiao.pdf", headers=headers).status_code
        == 404
    )
    assert finance.get(f"/staff/fapiao/{first_id}/file").data == PDF
    page = login(customer).get("/invoices", headers={"Accept-Language": "zh-CN"})
    html = page.get_data(as_text=True)
    assert "04400123" in html and "抬头有误" in html and "已付款未开票" in html
