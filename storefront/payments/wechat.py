"""WeChat Pay API v3 adapter on ``wechatpayv3``: Native (QR) pay.

Requests carry ``Authorization: WECHATPAY2-SHA256-RSA2048 …`` signed with the merchant's API
key; answers and notifications are verified with the platform certificate (downloaded from
``/v3/certificates``, AES-256-GCM under the APIv3 key) or the WeChat Pay public key; a
notification's ``resource`` is AES-256-GCM encrypted under the APIv3 key.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import threading
import time
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.core import Core

from storefront.billing.errors import InvalidNotification
from storefront.billing.topup import Notification
from storefront.payments.gateway import (
    CLOSED,
    PAID,
    UNKNOWN,
    WAITING,
    WECHAT,
    BillRow,
    Charge,
    GatewayError,
    TradeState,
    fen,
)
from storefront.payments.settings import WechatSettings

NOTIFY_MAX_AGE_S = 300
_cache: dict[tuple[str, ...], WechatGateway] = {}
_lock = threading.Lock()


class _Core(Core):
    """The SDK's core, pointed at ``api_url`` (the SDK hard-codes the production host)."""

    api_url = ""

    @property
    def _gate_way(self) -> str:
        return self.api_url

    @_gate_way.setter
    def _gate_way(self, value: str) -> None:
        pass


def _client(settings: WechatSettings) -> WeChatPay:
    core_class = type("_BoundCore", (_Core,), {"api_url": settings.api_url})
    client = WeChatPay.__new__(WeChatPay)  # WeChatPay.__init__ without its hard-coded host
    client._type, client._mchid, client._appid = (
        WeChatPayType.NATIVE, settings.mch_id, settings.app_id,
    )  # fmt: skip
    client._notify_url, client._partner_mode = None, False
    client._core = core_class(
        mchid=settings.mch_id, cert_serial_no=settings.cert_serial_no,
        private_key=settings.private_key, apiv3_key=settings.apiv3_key,
        cert_dir=settings.cert_dir, timeout=(5, 20), public_key=settings.public_key,
        public_key_id=settings.public_key_id,
    )  # fmt: skip
    return client


class WechatGateway:
    name = WECHAT

    def __init__(self, settings: WechatSettings) -> None:
        self._settings = settings
        try:
            self._client = _client(settings)
        except Exception as exc:
            raise GatewayError(f"wechat pay: {exc}") from None

    @classmethod
    def cached(cls, settings: WechatSettings) -> WechatGateway:
        key = (settings.api_url, settings.mch_id, settings.cert_serial_no)
        with _lock:
            found = _cache.get(key)
            if found is None or found._settings != settings:
                found = _cache[key] = cls(settings)
            return found

    def _call(self, what: str, *args: Any, **kwargs: Any) -> tuple[int, Any]:
        try:
            code, text = getattr(self._client, what)(*args, **kwargs)
        except Exception as exc:
            raise GatewayError(f"wechat {what}: {exc}") from None
        return int(code), text

    def charge(
        self, *, reference: str, amount: Decimal, subject: str, notify_url: str, return_url: str
    ) -> Charge:
        code, text = self._call(
            "pay", description=subject[:127], out_trade_no=reference,
            amount={"total": fen(amount), "currency": "CNY"}, notify_url=notify_url,
            pay_type=WeChatPayType.NATIVE,
        )  # fmt: skip
        if code != 200:
            raise GatewayError(f"wechat native pay: {code} {text}")
        return Charge(qr_code=json.loads(text)["code_url"])

    def verify(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        stamp = str(headers.get("Wechatpay-Timestamp", ""))
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > NOTIFY_MAX_AGE_S:
            raise InvalidNotification("stale or missing timestamp")
        try:
            data = self._client.callback(dict(headers), body)
        except Exception:
            data = None
        if not data:
            raise InvalidNotification("bad signature or resource")
        resource = data["resource"]
        if resource.get("mchid") != self._settings.mch_id:
            raise InvalidNotification("another merchant's notification")
        if resource.get("trade_state") != "SUCCESS":
            raise InvalidNotification(f"not final: {resource.get('trade_state')}")
        try:
            return Notification(
                nonce=f"wx:{data['id']}"[:64],
                reference=resource["out_trade_no"],
                gateway_transaction_id=resource.get("transaction_id", "")[:64],
                amount=Decimal(int(resource["amount"]["total"])) / 100,
                currency=resource["amount"].get("currency", "CNY"),
                succeeded=True,
            )
        except (KeyError, TypeError, ValueError):
            raise InvalidNotification("malformed resource") from None

    def query(self, reference: str) -> TradeState:
        code, text = self._call("query", out_trade_no=reference)
        if code == 404:
            return TradeState(reference, UNKNOWN)
        if code != 200:
            raise GatewayError(f"wechat query: {code} {text}")
        data = json.loads(text)
        state = data.get("trade_state")
        found = (
            PAID if state in ("SUCCESS", "REFUND")
            else CLOSED if state in ("CLOSED", "REVOKED", "PAYERROR")
            else WAITING
        )  # fmt: skip
        total = data.get("amount", {}).get("total")
        return TradeState(
            reference, found, data.get("transaction_id", ""),
            Decimal(int(total)) / 100 if total is not None else None,
            data.get("amount", {}).get("currency", "CNY"),
        )  # fmt: skip

    def close(self, reference: str) -> None:
        code, text = self._call("close", out_trade_no=reference)
        if code not in (204, 200):
            raise GatewayError(f"wechat close: {code} {text}")

    def refund(self, reference: str, refund_no: str, amount: Decimal, total: Decimal) -> None:
        code, text = self._call(
            "refund", out_refund_no=refund_no, out_trade_no=reference,
            amount={"refund": fen(amount), "total": fen(total), "currency": "CNY"},
        )  # fmt: skip
        if code != 200:
            raise GatewayError(f"wechat refund: {code} {text}")

    def bill(self, day: date) -> list[BillRow]:
        code, text = self._call("trade_bill", bill_date=day.isoformat(), tar_type="GZIP")
        if code == 400 and "NO_STATEMENT_EXIST" in str(text):
            return []
        if code != 200:
            raise GatewayError(f"wechat trade bill: {code} {text}")
        info = json.loads(text)
        code, content = self._call("download_bill", info["download_url"])
        if code != 200:
            raise GatewayError(f"wechat bill download: {code}")
        raw = gzip.decompress(content if isinstance(content, bytes) else content.encode())
        if hashlib.sha1(raw).hexdigest() != str(info.get("hash_value", "")).lower():  # noqa: S324
            raise GatewayError("wechat bill: the file's SHA1 does not match")
        return parse_bill(raw.decode("utf-8"))


def parse_bill(text: str) -> list[BillRow]:
    """Rows of a trade bill: a header, one line per trade or refund (values prefixed with a
    backquote), then the totals (from the line starting ``总交易单数``)."""
    lines: list[str] = []
    for line in text.splitlines():
        if line.startswith("总交易单数"):
            break
        if line.strip():
            lines.append(line)
    rows: list[BillRow] = []
    for record in csv.DictReader(lines):
        clean = {k.strip(): (v or "").strip().lstrip("`") for k, v in record.items() if k}
        refund = clean.get("交易状态") == "REFUND"
        rows.append(BillRow(
            reference=clean["商户订单号"], trade_no=clean["微信订单号"],
            kind="refund" if refund else "payment",
            amount=Decimal(clean["退款金额"] if refund else clean["应结订单金额"]),
            refund_no=clean.get("商户退款单号", ""),
        ))  # fmt: skip
    return rows
