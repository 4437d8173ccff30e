"""Alipay open platform adapter on ``python-alipay-sdk`` (module ``alipay``), RSA2 signatures.

- ``charge``: ``alipay.trade.page.pay`` (the cashier page, where the payer logs in or scans);
- ``verify``: the asynchronous notification (form POST, RSA2 over the sorted parameters
  without ``sign`` and ``sign_type``), checked with Alipay's public key and our app id;
- ``query`` / ``close`` / ``refund``: ``alipay.trade.query`` / ``.close`` / ``.refund``, whose
  answers the SDK verifies with Alipay's public key;
- ``bill``: ``alipay.data.dataservice.bill.downloadurl.query`` then the zip of GBK CSV files.
"""

from __future__ import annotations

import csv
import io
import logging
import urllib.request
import zipfile
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl

from alipay import AliPay
from alipay.exceptions import AliPayException
from alipay.utils import AliPayConfig

from storefront.billing.errors import InvalidNotification
from storefront.billing.topup import Notification
from storefront.payments.gateway import (
    ALIPAY,
    CLOSED,
    PAID,
    UNKNOWN,
    WAITING,
    BillRow,
    Charge,
    GatewayError,
    TradeState,
    yuan,
)
from storefront.payments.settings import AlipaySettings

log = logging.getLogger(__name__)
SUCCESS_CODE = "10000"
PAID_STATES = ("TRADE_SUCCESS", "TRADE_FINISHED")
MAX_BILL_BYTES = 50 * 1024 * 1024


class _Client(AliPay):
    def __init__(self, settings: AlipaySettings) -> None:
        super().__init__(
            appid=settings.app_id,
            app_private_key_string=settings.app_private_key,
            alipay_public_key_string=settings.alipay_public_key,
            sign_type="RSA2",
            config=AliPayConfig(timeout=15),
        )
        self._gateway = settings.gateway_url


class AlipayGateway:
    name = ALIPAY

    def __init__(self, settings: AlipaySettings) -> None:
        self._settings = settings
        self._client = _Client(settings)

    def charge(
        self, *, reference: str, amount: Decimal, subject: str, notify_url: str, return_url: str
    ) -> Charge:
        query = self._client.api_alipay_trade_page_pay(
            subject=subject, out_trade_no=reference, total_amount=yuan(amount),
            return_url=return_url, notify_url=notify_url, timeout_express="30m",
        )  # fmt: skip
        return Charge(pay_url=f"{self._settings.gateway_url}?{query}")

    def verify(self, body: bytes, headers: Any) -> Notification:
        try:
            text = body.decode("utf-8")
            data = dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            raise InvalidNotification("malformed body") from None
        signature = data.pop("sign", "")
        try:
            valid = bool(signature) and self._client.verify(dict(data), signature)
        except (AliPayException, ValueError, TypeError):
            valid = False
        if not valid:
            raise InvalidNotification("bad signature")
        if data.get("app_id") != self._settings.app_id:
            raise InvalidNotification("another app's notification")
        status = data.get("trade_status", "")
        if status not in (*PAID_STATES, "TRADE_CLOSED"):
            raise InvalidNotification(f"not final: {status}")
        try:
            amount = Decimal(data["total_amount"])
            return Notification(
                nonce=f"ali:{data['notify_id']}"[:64],
                reference=data["out_trade_no"],
                gateway_transaction_id=data.get("trade_no", "")[:64],
                amount=amount,
                currency="CNY",
                succeeded=status in PAID_STATES,
            )
        except (KeyError, InvalidOperation):
            raise InvalidNotification("malformed body") from None

    def _call(self, method: str, biz: dict[str, Any]) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = self._client.server_api(method, biz)
        except AliPayException as exc:
            raise GatewayError(f"{method}: {exc}") from None
        except OSError as exc:
            raise GatewayError(f"{method}: {exc}") from None
        return answer

    def query(self, reference: str) -> TradeState:
        answer = self._call("alipay.trade.query", {"out_trade_no": reference})
        if answer.get("code") != SUCCESS_CODE:
            if answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
                return TradeState(reference, UNKNOWN)
            raise GatewayError(f"alipay.trade.query: {answer.get('sub_code')}")
        status = answer.get("trade_status", "")
        found = PAID if status in PAID_STATES else CLOSED if status == "TRADE_CLOSED" else WAITING
        return TradeState(
            reference, found, answer.get("trade_no", ""), Decimal(answer["total_amount"])
        )

    def close(self, reference: str) -> None:
        answer = self._call("alipay.trade.close", {"out_trade_no": reference})
        if answer.get("code") != SUCCESS_CODE and answer.get("sub_code") not in (
            "ACQ.TRADE_NOT_EXIST",  # never scanned: nothing to close at Alipay
            "ACQ.TRADE_STATUS_ERROR",  # already closed
        ):
            raise GatewayError(f"alipay.trade.close: {answer.get('sub_code')}")

    def refund(self, reference: str, refund_no: str, amount: Decimal, total: Decimal) -> None:
        answer = self._call(
            "alipay.trade.refund",
            {"out_trade_no": reference, "refund_amount": yuan(amount),
             "out_request_no": refund_no},
        )  # fmt: skip
        if answer.get("code") != SUCCESS_CODE:
            raise GatewayError(f"alipay.trade.refund: {answer.get('sub_code')}")

    def bill(self, day: date) -> list[BillRow]:
        answer = self._call(
            "alipay.data.dataservice.bill.downloadurl.query",
            {"bill_type": "trade", "bill_date": day.isoformat()},
        )
        if answer.get("code") != SUCCESS_CODE:
            if answer.get("sub_code") == "isp.bill_not_exist":
                return []
            raise GatewayError(f"bill download: {answer.get('sub_code')}")
        with urllib.request.urlopen(answer["bill_download_url"], timeout=30) as response:  # noqa: S310
            archive = response.read(MAX_BILL_BYTES)
        return parse_bill(archive)


def parse_bill(archive: bytes) -> list[BillRow]:
    """The trade rows of Alipay's bill archive (a zip of GBK CSV files; the detail file's
    header names the columns, lines starting with ``#`` are comments)."""
    rows: list[BillRow] = []
    with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
        for name in bundle.namelist():
            if "汇总" in name:  # the summary file
                continue
            text = bundle.read(name).decode("gbk")
            lines = [line for line in text.splitlines() if line and not line.startswith("#")]
            for record in csv.DictReader(lines):
                clean = {k.strip(): (v or "").strip() for k, v in record.items() if k}
                kind = "refund" if clean.get("业务类型") == "退款" else "payment"
                rows.append(BillRow(
                    reference=clean["商户订单号"], trade_no=clean["支付宝交易号"], kind=kind,
                    amount=abs(Decimal(clean["订单金额（元）"])),
                    refund_no=clean.get("退款批次号/请求号", ""),
                ))  # fmt: skip
    return rows
