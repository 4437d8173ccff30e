"""Paying a top-up through each emulator with the real SDKs, over HTTP: only a verified
notification or our own query credits, once, for the amount the gateway confirms."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode

import requests
from flask import Flask

from storefront.billing.models import Topup, TopupStatus
from storefront.extensions import db
from storefront.payments.emulators import alipay as alipay_emulator
from storefront.payments.emulators import wechat as wechat_emulator
from tests.payments.conftest import (
    balance,
    emulator,
    pay_at_emulator,
    start_topup,
    wait_for_balance,
)


def status_of(api: Any, reference: str) -> dict[str, Any]:
    response = api.get(f"{api.base}/api/v1/wallet/topups/{reference}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_alipay_top_up_is_credited_once_by_its_notification(app: Flask, api: Any) -> None:
    started = start_topup(api, "66.60", "alipay")
    assert started["status"] == "pending" and "/_alipay/gateway.do?" in started["pay_url"]
    assert "qr_code" not in started
    query = dict(parse_qsl(started["pay_url"].split("?", 1)[1]))
    assert query["sign_type"] == "RSA2" and query["method"] == "alipay.trade.page.pay"
    back = pay_at_emulator(started)
    assert back.status_code == 302 and f"/wallet/topup/{started['reference']}" in back.headers[
        "Location"]
    wait_for_balance(app, api.customer, "66.60")
    assert status_of(api, started["reference"])["status"] == "paid"
    # Alipay retries the same notification; and a replay by anyone: no second credit
    delivery = emulator(app, "alipay").outbox[-1]
    again = requests.post(delivery.url, data=delivery.body, headers=delivery.headers, timeout=10)
    assert again.text == "success"
    # a forgery: the amount changed after signing
    forged = dict(parse_qsl(delivery.body.decode()))
    forged.update(total_amount="6660.00", notify_id="forged-1")
    answer = requests.post(delivery.url, data=urlencode(forged), headers=delivery.headers,
                           timeout=10)
    assert answer.text == "fail"
    assert balance(app, api.customer) == Decimal("66.60")


def test_wechat_top_up_is_credited_once_by_its_notification(app: Flask, api: Any) -> None:
    started = start_topup(api, "12.34", "wechat")
    assert "/_wechatpay/scan/" in started["qr_code"] and "pay_url" not in started
    pay_at_emulator(started)
    wait_for_balance(app, api.customer, "12.34")
    delivery = emulator(app, "wechat").outbox[-1]
    assert json.loads(delivery.body)["resource"]["algorithm"] == "AEAD_AES_256_GCM"
    again = requests.post(delivery.url, data=delivery.body, headers=delivery.headers, timeout=10)
    assert again.status_code == 204
    # a forgery: a body the platform key did not sign (another amount, same headers)
    with app.app_context():
        trade = emulator(app, "wechat").trades[started["reference"]]
        fake = wechat_emulator.transaction(trade)
        fake["amount"]["total"] = 999900
        forged = wechat_emulator.notification(trade, fake)
    answer = requests.post(delivery.url, data=forged.body, headers=delivery.headers, timeout=10)
    assert answer.status_code == 400
    assert balance(app, api.customer) == Decimal("12.34")
    assert status_of(api, started["reference"])["status"] == "paid"


def test_a_query_credits_when_the_notification_is_late(app: Flask, api: Any) -> None:
    """The notification is held back: asking the gateway credits; the late notification, and a
    duplicate delivered out of order, move no money."""
    emulator(app, "wechat").delivery = "outbox"
    started = start_topup(api, "30.00", "wechat")
    pay_at_emulator(started)
    assert balance(app, api.customer) == Decimal("0.00")
    assert status_of(api, started["reference"])["status"] == "paid"  # our query credited
    assert balance(app, api.customer) == Decimal("30.00")
    delivery = emulator(app, "wechat").outbox[-1]
    with app.app_context():
        second = wechat_emulator.notification(emulator(app, "wechat").trades[started["reference"]])
    for late in (second, delivery, delivery):
        answer = requests.post(late.url, data=late.body, headers=late.headers, timeout=10)
        assert answer.status_code == 204
    assert balance(app, api.customer) == Decimal("30.00")


def test_a_payment_after_the_top_up_expired_is_still_credited(app: Flask, api: Any) -> None:
    emulator(app, "alipay").delivery = "outbox"
    started = start_topup(api, "8.00", "alipay")
    pay_at_emulator(started)
    with app.app_context():
        found = db.session.scalar(db.select(Topup).where(Topup.reference == started["reference"]))
        assert found is not None
        found.status, found.problem = TopupStatus.CANCELLED, "expired: not paid in time"
        db.session.commit()
    delivery = emulator(app, "alipay").outbox[-1]
    answer = requests.post(delivery.url, data=delivery.body, headers=delivery.headers, timeout=10)
    assert answer.text == "success"
    assert balance(app, api.customer) == Decimal("8.00")


def test_a_notification_for_a_closed_trade_does_not_credit(app: Flask, api: Any) -> None:
    emulator(app, "alipay").delivery = "outbox"
    started = start_topup(api, "9.00", "alipay")
    requests.get(started["pay_url"], timeout=10)  # the payer opened the cashier, then left
    with app.app_context():
        trade = emulator(app, "alipay").trades[started["reference"]]
        trade.status, trade.trade_no = "closed", "2026120722001"
        closed = alipay_emulator.notification(trade)
    answer = requests.post(closed.url, data=closed.body, headers=closed.headers, timeout=10)
    assert answer.text == "success"
    assert balance(app, api.customer) == Decimal("0.00")
    assert status_of(api, started["reference"])["status"] == "cancelled"


def test_api_refuses_bad_input_and_unknown_methods(app: Flask, api: Any) -> None:
    url = f"{api.base}/api/v1/wallet/topups"
    for body in ({"amount": "10.00", "method": "paypal"}, {"method": "alipay"},
                 {"amount": 10.5, "method": "alipay"}, {"amount": "-3", "method": "wechat"}, []):
        answer = api.post(url, json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert "error" in answer.json()
    assert api.get(f"{url}/TUNOSUCH").status_code == 404
    # the same Idempotency-Key starts one top-up
    first = start_topup(api, "5.00", "wechat", key="k-1")
    assert start_topup(api, "5.00", "wechat", key="k-1")["reference"] == first["reference"]


def test_a_delayed_notification_credits_when_it_arrives(app: Flask, api: Any) -> None:
    emulator(app, "alipay").delay_s = 1.5
    started = start_topup(api, "4.40", "alipay")
    pay_at_emulator(started)
    assert balance(app, api.customer) == Decimal("0.00")  # the gateway has not told us yet
    wait_for_balance(app, api.customer, "4.40")
