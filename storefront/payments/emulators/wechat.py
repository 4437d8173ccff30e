"""WeChat Pay API v3 emulator, mounted at ``/_wechatpay/`` in development and tests.

Every ``/v3/…`` request must carry ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,
nonce_str=…,signature=…,timestamp=…,serial_no=…``: RSA-SHA256 (PKCS#1 v1.5) over
``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n`` with the merchant's API key, checked with
its public key. Answers are signed by the platform key (``Wechatpay-Timestamp``, ``-Nonce``,
``-Signature`` over ``TIMESTAMP\\nNONCE\\nBODY\\n``, ``-Serial`` = the platform certificate,
served AES-256-GCM encrypted under the APIv3 key at ``/v3/certificates``). Notifications are
JSON with the transaction AES-256-GCM encrypted in ``resource``, signed the same way.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import secrets
import time
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
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

NAME = "wechat_emulator"
PREFIX = "/_wechatpay"
bp = Blueprint(NAME, __name__, url_prefix=PREFIX)
AUTH = re.compile(r'(\w+)="([^"]*)"')
MAX_SKEW_S = 300
STATE = {"waiting": "NOTPAY", "paid": "SUCCESS", "closed": "CLOSED"}


def _keys() -> keys.DevKeys:
    return keys.dev_keys(current_app.instance_path)


def platform_sign(message: str) -> str:
    key: Any = serialization.load_pem_private_key(_keys().wechat_platform_private.encode(), None)
    raw = key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode()


def signed_headers(body: str) -> dict[str, str]:
    stamp, nonce = str(int(time.time())), secrets.token_hex(16).upper()
    return {
        "Wechatpay-Timestamp": stamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": platform_sign(f"{stamp}\n{nonce}\n{body}\n"),
        "Wechatpay-Serial": _keys().wechat_platform_serial,
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    }


def _json(content: dict[str, Any] | None, status: int = 200) -> ResponseReturnValue:
    body = "" if content is None else json.dumps(content, ensure_ascii=False)
    response = current_app.response_class(body, status=status, mimetype="application/json")
    if status < 300:
        response.headers.update(signed_headers(body))
    return response


def _error(status: int, code: str, message: str) -> ResponseReturnValue:
    return _json({"code": code, "message": message}, status)


def encrypt(plain: str, associated: str) -> dict[str, str]:
    nonce = secrets.token_urlsafe(9)[:12]
    cipher = AESGCM(_keys().wechat_apiv3_key.encode()).encrypt(
        nonce.encode(), plain.encode(), associated.encode()
    )
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "nonce": nonce,
        "associated_data": associated,
        "ciphertext": base64.b64encode(cipher).decode(),
    }


@bp.before_request
def check_authorization() -> ResponseReturnValue | None:
    if not request.path.startswith(f"{PREFIX}/v3/") or request.path.startswith(
        f"{PREFIX}/v3/billdownload/"
    ):
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, rest = header.partition(" ")
    fields = dict(AUTH.findall(rest))
    if scheme != "WECHATPAY2-SHA256-RSA2048" or fields.get("mchid") != keys.WECHAT_MCH_ID:
        return _error(401, "SIGN_ERROR", "bad Authorization scheme or mchid")
    if fields.get("serial_no") != _keys().wechat_merchant_serial:
        return _error(401, "SIGN_ERROR", "unknown merchant certificate serial")
    stamp = fields.get("timestamp", "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > MAX_SKEW_S:
        return _error(401, "SIGN_ERROR", "timestamp out of range")
    path = request.full_path.removeprefix(PREFIX).rstrip("?")
    body = request.get_data(as_text=True)
    message = f"{request.method}\n{path}\n{stamp}\n{fields.get('nonce_str', '')}\n{body}\n"
    key: Any = serialization.load_pem_public_key(_keys().wechat_merchant_public.encode())
    try:
        key.verify(
            base64.b64decode(fields.get("signature", "")),
            message.encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError):
        return _error(401, "SIGN_ERROR", "signature verification failed")
    return None


@bp.get("/v3/certificates")
def certificates() -> ResponseReturnValue:
    now = datetime.now(CHINA)
    return _json({"data": [{
        "serial_no": _keys().wechat_platform_serial,
        "effective_time": (now - timedelta(days=1)).isoformat(timespec="seconds"),
        "expire_time": (now + timedelta(days=3650)).isoformat(timespec="seconds"),
        "encrypt_certificate": encrypt(_keys().wechat_platform_cert, "certificate"),
    }]})  # fmt: skip


@bp.post("/v3/pay/transactions/native")
def native() -> ResponseReturnValue:
    data = request.get_json(silent=True) or {}
    try:
        reference, total = str(data["out_trade_no"]), int(data["amount"]["total"])
        notify_url = str(data["notify_url"])
    except (KeyError, TypeError, ValueError):
        return _error(400, "PARAM_ERROR", "out_trade_no, amount.total and notify_url required")
    if data.get("mchid") != keys.WECHAT_MCH_ID or data.get("appid") != keys.WECHAT_APP_ID:
        return _error(400, "APPID_MCHID_NOT_MATCH", "appid and mchid do not match")
    emulator = state(NAME)
    amount = Decimal(total) / 100
    with emulator.lock:
        trade = emulator.trades.get(reference)
        if trade is None:
            trade = emulator.trades[reference] = Trade(
                reference, amount, str(data.get("description", "")), notify_url
            )
        elif trade.amount != amount:
            return _error(400, "INVALID_REQUEST", "out_trade_no used with another amount")
        elif trade.status != "waiting":
            return _error(
                400,
                "ORDERPAID" if trade.status == "paid" else "ORDER_CLOSED",
                "trade is not waiting for payment",
            )
    return _json({"code_url": f"{request.host_url.rstrip('/')}{PREFIX}/scan/{trade.token}"})


def transaction(trade: Trade) -> dict[str, Any]:
    refunded = trade.refunds and trade.status != "waiting"
    return {
        "appid": keys.WECHAT_APP_ID, "mchid": keys.WECHAT_MCH_ID,
        "out_trade_no": trade.reference, "transaction_id": trade.trade_no,
        "trade_type": "NATIVE", "trade_state": "REFUND" if refunded else STATE[trade.status],
        "trade_state_desc": "", "bank_type": "OTHERS", "attach": "",
        "success_time": trade.paid_at.isoformat(timespec="seconds") if trade.paid_at else None,
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": int(trade.amount * 100), "payer_total": int(trade.amount * 100),
                   "currency": "CNY", "payer_currency": "CNY"},
    }  # fmt: skip


@bp.get("/v3/pay/transactions/out-trade-no/<reference>")
def query(reference: str) -> ResponseReturnValue:
    if request.args.get("mchid") != keys.WECHAT_MCH_ID:
        return _error(400, "PARAM_ERROR", "mchid required")
    trade = state(NAME).trades.get(reference)
    if trade is None:
        return _error(404, "ORDER_NOT_EXIST", "订单不存在")
    return _json(transaction(trade))


@bp.post("/v3/pay/transactions/out-trade-no/<reference>/close")
def close(reference: str) -> ResponseReturnValue:
    emulator = state(NAME)
    trade = emulator.trades.get(reference)
    if trade is None:
        return _error(404, "ORDER_NOT_EXIST", "订单不存在")
    with emulator.lock:
        if trade.status == "paid":
            return _error(400, "ORDERPAID", "订单已支付")
        trade.status = "closed"
    return _json(None, 204)


@bp.post("/v3/refund/domestic/refunds")
def refund() -> ResponseReturnValue:
    data = request.get_json(silent=True) or {}
    emulator = state(NAME)
    trade = emulator.trades.get(str(data.get("out_trade_no", "")))
    try:
        refund_no, amount = str(data["out_refund_no"]), Decimal(int(data["amount"]["refund"])) / 100
        total = Decimal(int(data["amount"]["total"])) / 100
    except (KeyError, TypeError, ValueError):
        return _error(400, "PARAM_ERROR", "out_refund_no and amount required")
    if trade is None or trade.paid_at is None:
        return _error(404, "RESOURCE_NOT_EXISTS", "订单不存在或未支付")
    with emulator.lock:
        if total != trade.amount:
            return _error(400, "PARAM_ERROR", "amount.total is not the order's")
        if refund_no not in trade.refunds:
            if amount <= 0 or trade.refunded + amount > trade.amount:
                return _error(403, "NOT_ENOUGH", "退款金额超过可退金额")
            trade.refunds[refund_no] = (amount, datetime.now(CHINA))
    when = trade.refunds[refund_no][1]
    return _json({
        "refund_id": f"50{abs(hash(refund_no)) % 10**18:018d}", "out_refund_no": refund_no,
        "transaction_id": trade.trade_no, "out_trade_no": trade.reference, "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱", "status": "SUCCESS",
        "create_time": when.isoformat(timespec="seconds"), "funds_account": "AVAILABLE",
        "amount": {"total": int(trade.amount * 100), "refund": int(amount * 100),
                   "payer_total": int(trade.amount * 100), "payer_refund": int(amount * 100),
                   "currency": "CNY"},
    })  # fmt: skip


BILL_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,"
    "交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,"
    "商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
    "手续费,费率,订单金额,申请退款金额,费率备注"
)


def bill_text(emulator: EmulatorState, day: date) -> str:
    lines = [BILL_HEADER]

    def row(
        when: datetime, trade: Trade, status: str, settled: str, refund_no: str, refunded: str
    ) -> str:
        values = (
            when.strftime("%Y-%m-%d %H:%M:%S"),
            keys.WECHAT_APP_ID,
            keys.WECHAT_MCH_ID,
            "0",
            "",
            trade.trade_no,
            trade.reference,
            "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
            "NATIVE",
            status,
            "OTHERS",
            "CNY",
            settled,
            "0.00",
            "",
            refund_no,
            refunded,
            "0.00",
            "",
            "SUCCESS" if refund_no else "",
            trade.subject,
            "",
            "0.00000",
            "0.60%",
            f"{trade.amount:.2f}",
            refunded,
            "",
        )
        return ",".join(f"`{v}" for v in values)

    for trade in list(emulator.trades.values()):
        if trade.paid_at and bill_day(trade.paid_at) == day.isoformat():
            lines.append(row(trade.paid_at, trade, "SUCCESS", f"{trade.amount:.2f}", "", "0.00"))
        for refund_no, (amount, when) in trade.refunds.items():
            if bill_day(when) == day.isoformat():
                lines.append(row(when, trade, "REFUND", "0.00", refund_no, f"{amount:.2f}"))
    lines.append(
        "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,"
        "订单总金额,申请退款总金额"
    )
    lines.append(f"`{len(lines) - 2},`0.00,`0.00,`0.00,`0.00000,`0.00,`0.00")
    return "\n".join(lines) + "\n"


@bp.get("/v3/bill/tradebill")
def trade_bill() -> ResponseReturnValue:
    try:
        day = date.fromisoformat(request.args.get("bill_date", ""))
    except ValueError:
        return _error(400, "PARAM_ERROR", "bill_date")
    raw = bill_text(state(NAME), day).encode()
    token = secrets.token_urlsafe(12)
    gzipped = request.args.get("tar_type") == "GZIP"
    state(NAME).bills[token] = gzip.compress(raw) if gzipped else raw
    base = request.host_url.rstrip("/")
    return _json({
        "hash_type": "SHA1", "hash_value": hashlib.sha1(raw).hexdigest(),  # noqa: S324
        "download_url": f"{base}{PREFIX}/v3/billdownload/file?token={token}",
    })  # fmt: skip


@bp.get("/v3/billdownload/file")
def bill_file() -> ResponseReturnValue:
    found = state(NAME).bills.get(request.args.get("token", ""))
    if found is None:
        abort(404)
    return current_app.response_class(found, mimetype="application/octet-stream")


@bp.get("/scan/<token>")
def scan(token: str) -> ResponseReturnValue:
    trade = state(NAME).trade_or_404(token)
    return render_template(
        "payments/emulator_pay.html",
        trade=trade,
        gateway="WeChat Pay",
        brand="微信支付",
        scan_url=request.url,
        action=f"{PREFIX}/scan/{token}",
    )


@bp.post("/scan/<token>")
def pay(token: str) -> ResponseReturnValue:
    trade = state(NAME).trade_or_404(token)
    if request.form.get("action") == "pay":
        state(NAME).mark_paid(trade, lambda at: f"4200{at:%Y%m%d}{secrets.randbelow(10**10):010d}")
        notify(trade)
    return redirect(f"{PREFIX}/scan/{token}")


def notification(trade: Trade, resource: dict[str, Any] | None = None) -> Delivery:
    """A signed, encrypted TRANSACTION.SUCCESS notification (tests may build their own)."""
    plain = json.dumps(resource or transaction(trade), ensure_ascii=False)
    body = json.dumps({
        "id": str(uuid.uuid4()), "create_time": datetime.now(CHINA).isoformat(timespec="seconds"),
        "resource_type": "encrypt-resource", "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": {"original_type": "transaction", **encrypt(plain, "transaction")},
    }, ensure_ascii=False)  # fmt: skip
    headers = {"Content-Type": "application/json", **signed_headers(body)}
    return Delivery(trade.notify_url, body.encode(), headers, trade.reference)


def notify(trade: Trade) -> None:
    state(NAME).send(notification(trade), lambda r: 200 <= r.status_code < 300)


def mount(app: Flask) -> None:
    serve(app, bp)
