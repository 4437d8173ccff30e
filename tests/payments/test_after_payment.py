"""After the payment: refunds of a top-up, closing unpaid trades, the daily reconciliation,
and "exactly once" under concurrent deliveries."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import requests
from flask import Flask
from sqlalchemy import func, select

from storefront.accounts.models import Staff, StaffRole
from storefront.backoffice.models import AuditEntry
from storefront.billing import services as billing
from storefront.billing.models import JournalTransaction, Topup, TopupStatus
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.payments import jobs, reconcile
from storefront.payments.emulators import wechat as wechat_emulator
from storefront.payments.emulators.common import CHINA, Trade
from storefront.payments.models import BillDifference, TopupCharge
from tests.billing.wallet_helpers import csrf
from tests.payments.conftest import (
    balance,
    emulator,
    pay_at_emulator,
    start_topup,
    wait_for_balance,
)


def paid_topup(app: Flask, api: Any, amount: str, method: str = "wechat") -> str:
    # the balance before paying: the payment notice may credit the wallet before
    # pay_at_emulator returns (it is delivered on its own thread)
    before = balance(app, api.customer)
    started = start_topup(api, amount, method)
    pay_at_emulator(started)
    wait_for_balance(app, api.customer, str(before + Decimal(amount)))
    return str(started["reference"])


def refund_page(client: Any, reference: str, **form: str) -> Any:
    page = client.get(f"/staff/topups/{reference}/refund")
    if not form:
        return page
    html = page.get_data(as_text=True)
    return client.post(f"/staff/topups/{reference}/refund",
                       data={**form, "csrf_token": csrf(html)})


def test_refund_goes_back_to_the_payment_method_never_beyond_the_unspent_part(
    app: Flask, api: Any, make_staff: Callable[..., Staff], login: Callable[..., Any]
) -> None:
    reference = paid_topup(app, api, "50.00")
    finance = login(make_staff(role=StaffRole.FINANCE))
    assert login(make_staff(role=StaffRole.SUPPORT)).get(
        f"/staff/topups/{reference}/refund").status_code == 403
    listing = finance.get("/staff/payments/topups").get_data(as_text=True)
    assert reference in listing and f"/staff/topups/{reference}/refund" in listing
    assert "50.00" in refund_page(finance, reference).get_data(as_text=True)
    done = refund_page(finance, reference, amount="20.00", reason="asked by the customer")
    assert done.status_code == 302
    assert balance(app, api.customer) == Decimal("30.00")
    trade = emulator(app, "wechat").trades[reference]
    assert trade.refunded == Decimal("20.00")  # the gateway refunded to the payer's method
    with app.app_context():
        billing.debit(api.customer, "25.00", "an order", "order:1")  # spent: 5.00 left unspent
        db.session.commit()
    refused = refund_page(finance, reference, amount="10.00", reason="")
    assert refused.status_code == 422 and "5.00" in refused.get_data(as_text=True)
    assert refund_page(finance, reference, amount="5.00", reason="rest").status_code == 302
    assert balance(app, api.customer) == Decimal("0.00")
    assert trade.refunded == Decimal("25.00")
    assert "Nothing can be refunded" in refund_page(finance, reference).get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action)).all()
    assert actions.count("topup.refunded") == 2


def test_refund_window_closes(
    app: Flask, api: Any, make_staff: Callable[..., Staff], login: Callable[..., Any]
) -> None:
    reference = paid_topup(app, api, "10.00", "alipay")
    with app.app_context():
        found = db.session.scalar(select(Topup).where(Topup.reference == reference))
        assert found is not None
        found.paid_at = utcnow() - timedelta(days=91)
        db.session.commit()
    owner = login(make_staff(role=StaffRole.OWNER))
    refused = refund_page(owner, reference, amount="1.00", reason="")
    assert refused.status_code == 422
    assert balance(app, api.customer) == Decimal("10.00")


def test_an_unpaid_trade_is_closed_at_the_gateway_after_its_timeout(
    app: Flask, api: Any
) -> None:
    emulator(app, "wechat").delivery = "outbox"
    waiting = start_topup(api, "7.00", "wechat")
    paid_quietly = start_topup(api, "3.00", "wechat")
    pay_at_emulator(paid_quietly)  # its notification never arrives
    with app.app_context():
        assert jobs.close_unpaid() == 0  # not timed out yet
        closed = jobs.close_unpaid(now=utcnow() + timedelta(hours=1))
        db.session.commit()
        assert closed == 1
        found = db.session.scalar(select(Topup).where(Topup.reference == waiting["reference"]))
        assert found is not None and found.status is TopupStatus.CANCELLED
        charge = db.session.scalar(select(TopupCharge).where(TopupCharge.topup_id == found.id))
        assert charge is not None and charge.closed_at is not None
    assert emulator(app, "wechat").trades[waiting["reference"]].status == "closed"
    assert balance(app, api.customer) == Decimal("3.00")  # the last query credited the other
    with app.app_context():
        assert jobs.close_unpaid(now=utcnow() + timedelta(hours=2)) == 0  # closed once


def test_reconciliation_flags_each_planted_difference(
    app: Flask, api: Any, make_staff: Callable[..., Staff], login: Callable[..., Any]
) -> None:
    fine = paid_topup(app, api, "10.00")
    changed = paid_topup(app, api, "20.00")
    vanished = paid_topup(app, api, "30.00")
    ali = paid_topup(app, api, "40.00", "alipay")
    trades = emulator(app, "wechat").trades
    trades[changed].amount = Decimal("25.00")  # the gateway settled another amount
    del trades[vanished]  # credited here, absent from the gateway's bill
    now = datetime.now(CHINA)
    trades["TUSTRANGER"] = Trade("TUSTRANGER", Decimal("5.00"), "?", "", status="paid",
                                 trade_no="4200STRANGER", paid_at=now)
    emulator(app, "alipay").trades[ali].amount = Decimal("41.00")
    with app.app_context():
        found = reconcile.reconcile("wechat", now.date())
        found += reconcile.reconcile("alipay", now.date())
        db.session.commit()
        flagged = {(d.reference, d.kind) for d in found}
        assert flagged == {
            (changed, "amount_mismatch"), (vanished, "missing_in_bill"),
            ("TUSTRANGER", "missing_topup"), (ali, "amount_mismatch"),
        }
        reconcile.reconcile("wechat", now.date())  # a re-run adds nothing
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(BillDifference)) == 4
    assert fine not in {reference for reference, _ in flagged}
    page = login(make_staff(role=StaffRole.FINANCE)).get("/staff/payments/differences")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and changed in html and "Different amount" in html
    assert "Credited here, not in the bill" in html


def test_concurrent_deliveries_credit_exactly_once(app: Flask, api: Any) -> None:
    """Eight deliveries at once (the same notification, new ones for the same trade, and our
    own queries): the wallet is credited once."""
    emulator(app, "wechat").delivery = "outbox"
    started = start_topup(api, "77.70", "wechat")
    pay_at_emulator(started)
    first = emulator(app, "wechat").outbox[-1]
    with app.app_context():
        trade = emulator(app, "wechat").trades[started["reference"]]
        others = [wechat_emulator.notification(trade) for _ in range(3)]
    items = [first, first, first, *others, None, None]
    barrier = threading.Barrier(len(items))
    answers: list[int] = []

    def deliver(item: Any) -> None:
        barrier.wait()
        if item is None:
            answers.append(api.get(f"{api.base}/api/v1/wallet/topups/{started['reference']}")
                           .status_code)
        else:
            answers.append(requests.post(item.url, data=item.body, headers=item.headers,
                                         timeout=30).status_code)

    threads = [threading.Thread(target=deliver, args=(item,))
               for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert balance(app, api.customer) == Decimal("77.70")
    with app.app_context():
        credits = db.session.scalar(select(func.count()).select_from(JournalTransaction).where(
            JournalTransaction.reference == f"topup:{started['reference']}"))
    assert credits == 1
    assert all(code in (200, 204) for code in answers), answers
