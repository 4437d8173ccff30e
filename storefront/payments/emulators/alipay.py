"""Alipay open platform emulator, mounted at ``/_alipay/`` in development and tests.

``/_alipay/gateway.do`` takes the open API's common parameters (``app_id``, ``method``,
``charset``, ``sign_type=RSA2``, ``timestamp``, ``version``, ``biz_content``, ``sign``) and
checks the RSA2 signature over every parameter but ``sign``, sorted, with the app's public key.
Answers are ``{"<method>_response": {...}, "sign": "..."}`` signed by "Alipay" over the exact
text of the inner object. The cashier page (``alipay.trade.page.pay``, or the QR code of
``alipay.trade.precreate`` opened at ``/_alipay/scan/<token>``) lets the payer pay; Alipay then
POSTs the form-encoded asynchronous notification (RSA2 over every parameter but ``sign`` and
``sign_type``), retried until the merchant answers ``success``.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import secrets
import zipfile
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request
from flask.typing import ResponseReturnValue

from storefront.payments.emulators import keys
from storefront.payments.emulators.common import (
    CHINA,
    Delivery,
    EmulatorState,
    Trade,
    bill_day,
    serve,
    state,
)

NAME = "alipay_emulator"
bp = Blueprint(NAME, __name__, url_prefix="/_alipay")
STATUS = {"waiting": "WAIT_BUYER_PAY", "paid": "TRADE_SUCCESS", "closed": "TRADE_CLOSED"}
STAMP = "%Y-%m-%d %H:%M:%S"


def _keys() -> keys.DevKeys:
    return keys.dev_keys(current_app.instance_path)


def canonical(params: Mapping[str, str], drop: tuple[str, ...]) -> str:
    return "&".join(f"{k}={params[k]}" for k in sorted(params) if k not in drop and params[k])


def sign(message: str) -> str:
    key: Any = serialization.load_pem_private_key(_keys().alipay_private.encode(), None)
    raw = key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode()


def _verified(params: Mapping[str, str]) -> bool:
    if params.get("app_id") != keys.ALIPAY_APP_ID or params.get("sign_type") != "RSA2":
        return False
    key: Any = serialization.load_pem_public_key(_keys().alipay_app_public.encode())
    try:
        key.verify(
            base64.b64decode(params.get("sign", "")), canonical(params, ("sign",)).encode(),
            padding.PKCS1v15(), hashes.SHA256(),
        )  # fmt: skip
    except (InvalidSignature, ValueError):
        return False
    return True


def _answer(method: str, content: dict[str, Any]) -> ResponseReturnValue:
    name = method.replace(".", "_") + "_response"
    inner = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    body = f'{{"{name}":{inner},"sign":"{sign(inner)}"}}'
    return current_app.response_class(body, mimetype="application/json")


def _fail(method: str, sub_code: str, sub_msg: str) -> ResponseReturnValue:
    return _answer(
        method,
        {"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg},
    )


@bp.route("/gateway.do", methods=["GET", "POST"])
def gateway() -> ResponseReturnValue:
    params = dict(request.values.items())
    method = params.get("method", "")
    if not _verified(params):
        body = json.dumps({"error_response": {
            "code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature",
            "sub_msg": "验签出错"}})  # fmt: skip
        return current_app.response_class(body, status=200, mimetype="application/json")
    try:
        biz = json.loads(params.get("biz_content") or "{}")
    except ValueError:
        return _fail(method, "isv.invalid-parameter", "biz_content")
    handler = HANDLERS.get(method)
    if handler is None:
        return _fail(method, "isv.invalid-method", method)
    return handler(method, biz, params)


def _create(biz: Mapping[str, Any], params: Mapping[str, str]) -> Trade | str:
    try:
        amount = Decimal(str(biz["total_amount"]))
        reference = str(biz["out_trade_no"])
    except (KeyError, InvalidOperation):
        return "isv.missing-parameter"
    emulator = state(NAME)
    with emulator.lock:
        trade = emulator.trades.get(reference)
        if trade is None:
            trade = emulator.trades[reference] = Trade(
                reference, amount, str(biz.get("subject", "")), params.get("notify_url", ""),
                params.get("return_url", ""),
            )  # fmt: skip
        elif trade.amount != amount:
            return "ACQ.CONTEXT_INCONSISTENT"
        return trade


def page_pay(method: str, biz: dict[str, Any], params: Mapping[str, str]) -> ResponseReturnValue:
    trade = _create(biz, params)
    if isinstance(trade, str):
        abort(400, trade)
    return redirect(f"/_alipay/scan/{trade.token}")


def precreate(method: str, biz: dict[str, Any], params: Mapping[str, str]) -> ResponseReturnValue:
    trade = _create(biz, params)
    if isinstance(trade, str):
        return _fail(method, trade, trade)
    qr = f"{request.host_url.rstrip('/')}/_alipay/scan/{trade.token}"
    return _answer(
        method, {"code": "10000", "msg": "Success", "out_trade_no": trade.reference, "qr_code": qr}
    )


def _trade(method: str, biz: Mapping[str, Any]) -> Trade | ResponseReturnValue:
    trade = state(NAME).trades.get(str(biz.get("out_trade_no", "")))
    if trade is None:
        return _fail(method, "ACQ.TRADE_NOT_EXIST", "交易不存在")
    return trade


def query(method: str, biz: dict[str, Any], params: Mapping[str, str]) -> ResponseReturnValue:
    trade = _trade(method, biz)
    if not isinstance(trade, Trade):
        return trade
    return _answer(method, {
        "code": "10000", "msg": "Success", "out_trade_no": trade.reference,
        "trade_no": trade.trade_no, "trade_status": STATUS[trade.status],
        "total_amount": f"{trade.amount:.2f}",
        **({"send_pay_date": trade.paid_at.strftime(STAMP)} if trade.paid_at else {}),
    })  # fmt: skip


def close(method: str, biz: dict[str, Any], params: Mapping[str, str]) -> ResponseReturnValue:
    trade = _trade(method, biz)
    if not isinstance(trade, Trade):
        return trade
    with state(NAME).lock:
        if trade.status != "waiting":
            return _fail(method, "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        trade.status = "closed"
    return _answer(
        method,
        {
            "code": "10000",
            "msg": "Success",
            "out_trade_no": trade.reference,
            "trade_no": trade.trade_no,
        },
    )


def refund(method: str, biz: dict[str, Any], params: Mapping[str, str]) -> ResponseReturnValue:
    trade = _trade(method, biz)
    if not isinstance(trade, Trade):
        return trade
    request_no = str(biz.get("out_request_no") or trade.reference)
    try:
        amount = Decimal(str(biz["refund_amount"]))
    except (KeyError, InvalidOperation):
        return _fail(method, "isv.missing-parameter", "refund_amount")
    with state(NAME).lock:
        if trade.status == "waiting":
            return _fail(method, "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        if request_no not in trade.refunds:
            if amount <= 0 or trade.refunded + amount > trade.amount:
                return _fail(method, "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
            trade.refunds[request_no] = (amount, datetime.now(CHINA))
            if trade.refunded == trade.amount:
                trade.status = "closed"
    return _answer(method, {
        "code": "10000", "msg": "Success", "out_trade_no": trade.reference,
        "trade_no": trade.trade_no, "fund_change": "Y", "refund_fee": f"{trade.refunded:.2f}",
    })  # fmt: skip


def bill_url(method: str, biz: dict[str, Any], params: Mapping[str, str]) -> ResponseReturnValue:
    try:
        day = date.fromisoformat(str(biz.get("bill_date", "")))
    except ValueError:
        return _fail(method, "isp.bill_not_exist", "账单不存在")
    token = secrets.token_urlsafe(12)
    state(NAME).bills[token] = bill_archive(state(NAME), day)
    url = f"{request.host_url.rstrip('/')}/_alipay/bill/{token}.zip"
    return _answer(method, {"code": "10000", "msg": "Success", "bill_download_url": url})


BILL_COLUMNS = (
    "支付宝交易号",
    "商户订单号",
    "业务类型",
    "商品名称",
    "创建时间",
    "完成时间",
    "订单金额（元）",
    "商家实收（元）",
    "退款批次号/请求号",
)


def bill_archive(emulator: EmulatorState, day: date) -> bytes:
    """The day's trade bill: a zip with the detail CSV and the summary CSV, GBK-encoded."""
    out = io.StringIO()
    out.write(
        f"#支付宝交易记录明细查询\n#账号：[{keys.ALIPAY_APP_ID}]\n"
        f"#起始日期：[{day} 00:00:00]   终止日期：[{day} 23:59:59]\n"
    )
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(BILL_COLUMNS)
    for trade in list(emulator.trades.values()):
        if trade.paid_at and bill_day(trade.paid_at) == day.isoformat():
            writer.writerow(
                (
                    trade.trade_no,
                    trade.reference,
                    "交易",
                    trade.subject,
                    trade.created.strftime(STAMP),
                    trade.paid_at.strftime(STAMP),
                    f"{trade.amount:.2f}",
                    f"{trade.amount:.2f}",
                    "",
                )
            )
        for request_no, (amount, when) in trade.refunds.items():
            if bill_day(when) == day.isoformat():
                writer.writerow(
                    (
                        trade.trade_no,
                        trade.reference,
                        "退款",
                        trade.subject,
                        trade.created.strftime(STAMP),
                        when.strftime(STAMP),
                        f"-{amount:.2f}",
                        f"-{amount:.2f}",
                        request_no,
                    )
                )
    out.write("#-----------------------------------------业务明细列表结束---------\n")
    buffer = io.BytesIO()
    stem = f"{keys.ALIPAY_APP_ID}_{day:%Y%m%d}"
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr(f"{stem}_业务明细.csv", out.getvalue().encode("gbk"))
        bundle.writestr(f"{stem}_业务明细(汇总).csv", "#汇总\n".encode("gbk"))
    return buffer.getvalue()


@bp.get("/bill/<token>.zip")
def bill_file(token: str) -> ResponseReturnValue:
    found = state(NAME).bills.get(token)
    if found is None:
        abort(404)
    return current_app.response_class(found, mimetype="application/zip")


@bp.get("/scan/<token>")
def cashier(token: str) -> ResponseReturnValue:
    trade = state(NAME).trade_or_404(token)
    return render_template(
        "payments/emulator_pay.html", trade=trade, gateway="Alipay", brand="支付宝",
        scan_url=request.url, action=f"/_alipay/scan/{token}",
    )  # fmt: skip


@bp.post("/scan/<token>")
def pay(token: str) -> ResponseReturnValue:
    trade = state(NAME).trade_or_404(token)
    if request.form.get("action") != "pay":
        return redirect(trade.return_url or "/")
    state(NAME).mark_paid(trade, lambda at: f"{at:%Y%m%d}2200{secrets.randbelow(10**12):012d}")
    notify(trade)
    if not trade.return_url:
        return render_template(
            "payments/emulator_pay.html",
            trade=trade,
            gateway="Alipay",
            brand="支付宝",
            scan_url=request.url,
            action="",
        )
    params = {
        "out_trade_no": trade.reference,
        "trade_no": trade.trade_no,
        "total_amount": f"{trade.amount:.2f}",
        "app_id": keys.ALIPAY_APP_ID,
        "method": "alipay.trade.page.pay.return",
        "sign_type": "RSA2",
    }
    params["sign"] = sign(canonical(params, ("sign", "sign_type")))
    joiner = "&" if "?" in trade.return_url else "?"
    return redirect(trade.return_url + joiner + urlencode(params))


def notification(trade: Trade, status: str | None = None) -> Delivery:
    """A signed asynchronous notification of the trade's state (tests may build their own)."""
    params = {
        "notify_time": datetime.now(CHINA).strftime(STAMP), "notify_type": "trade_status_sync",
        "notify_id": secrets.token_hex(16), "app_id": keys.ALIPAY_APP_ID, "charset": "utf-8",
        "version": "1.0", "sign_type": "RSA2", "trade_no": trade.trade_no,
        "out_trade_no": trade.reference, "trade_status": status or STATUS[trade.status],
        "total_amount": f"{trade.amount:.2f}", "receipt_amount": f"{trade.amount:.2f}",
        "subject": trade.subject, "gmt_create": trade.created.strftime(STAMP),
        **({"gmt_payment": trade.paid_at.strftime(STAMP)} if trade.paid_at else {}),
    }  # fmt: skip
    params["sign"] = sign(canonical(params, ("sign", "sign_type")))
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    return Delivery(trade.notify_url, urlencode(params).encode(), headers, trade.reference)


def notify(trade: Trade) -> None:
    state(NAME).send(notification(trade), lambda r: r.status_code == 200 and r.text == "success")


HANDLERS = {
    "alipay.trade.page.pay": page_pay,
    "alipay.trade.precreate": precreate,
    "alipay.trade.query": query,
    "alipay.trade.close": close,
    "alipay.trade.refund": refund,
    "alipay.data.dataservice.bill.downloadurl.query": bill_url,
}


def mount(app: Flask) -> None:
    serve(app, bp)
