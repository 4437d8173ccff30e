"""The small interface every real gateway adapter implements, and where adapters come from.

``storefront.billing.topup`` knows a gateway only by ``name`` and ``verify`` (a verified
notification); the rest (charge, query, close, refund, bill) is used by this area.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from flask_babel import gettext as _

from storefront.errors import DomainError

ALIPAY, WECHAT = "alipay", "wechat"
PAID, WAITING, CLOSED, REFUNDED, UNKNOWN = "paid", "waiting", "closed", "refunded", "unknown"


class GatewayError(DomainError):
    """The gateway refused or could not be reached.

    ``str(exc)`` is the detail, for logs; ``message`` is what a person sees (and the API's
    ``gateway_unavailable``, 502) if one ever reaches a page or the API uncaught.
    """

    code = "gateway_unavailable"
    status = 502

    def __init__(self, detail: str) -> None:
        super().__init__(_("The payment service did not answer. Try again later."))
        self.detail = detail

    def __str__(self) -> str:
        return self.detail


@dataclass(frozen=True)
class Charge:
    pay_url: str | None = None  # open in a browser (Alipay's cashier page)
    qr_code: str | None = None  # show as a QR code for the payer's phone (WeChat Native)


@dataclass(frozen=True)
class TradeState:
    reference: str
    status: str  # PAID, WAITING, CLOSED, REFUNDED (paid then fully refunded) or UNKNOWN
    trade_no: str = ""
    amount: Decimal | None = None
    currency: str = "CNY"


@dataclass(frozen=True)
class BillRow:
    reference: str  # our top-up reference (out_trade_no)
    trade_no: str
    kind: str  # "payment" or "refund"
    amount: Decimal  # positive
    refund_no: str = ""


class Gateway(Protocol):
    name: str

    def charge(
        self, *, reference: str, amount: Decimal, subject: str, notify_url: str, return_url: str
    ) -> Charge: ...

    def verify(self, body: bytes, headers: Any) -> Any: ...

    def query(self, reference: str) -> TradeState: ...

    def close(self, reference: str) -> None: ...

    def refund(self, reference: str, refund_no: str, amount: Decimal, total: Decimal) -> None: ...

    def bill(self, day: date) -> list[BillRow]: ...


def yuan(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'))}"


def fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())
