"""What both emulators keep: their trades, and an outbox of asynchronous notifications.

A notification is POSTed from a background thread and retried until the merchant answers as
the gateway's documentation asks (``success`` for Alipay, a 2xx for WeChat Pay); every one is
also kept in ``outbox`` so a test can deliver it again (a duplicate), later (a delay), in
another order, or altered (a forgery). ``delivery = "outbox"`` turns the HTTP delivery off;
``delay_s`` holds each one back (a slow gateway).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import requests
from flask import Blueprint, Flask, abort, current_app

from storefront.extensions import csrf

log = logging.getLogger(__name__)
CHINA = timezone(timedelta(hours=8))


@dataclass
class Delivery:
    url: str
    body: bytes
    headers: dict[str, str]
    reference: str


@dataclass
class Trade:
    reference: str
    amount: Decimal
    subject: str
    notify_url: str
    return_url: str = ""
    status: str = "waiting"  # waiting, paid, closed
    trade_no: str = ""
    token: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    created: datetime = field(default_factory=lambda: datetime.now(CHINA))
    paid_at: datetime | None = None
    refunds: dict[str, tuple[Decimal, datetime]] = field(default_factory=dict)

    @property
    def refunded(self) -> Decimal:
        return sum((amount for amount, _ in self.refunds.values()), Decimal("0"))


@dataclass
class EmulatorState:
    trades: dict[str, Trade] = field(default_factory=dict)
    outbox: deque[Delivery] = field(default_factory=lambda: deque(maxlen=500))
    delivery: str = "http"
    delay_s: float = 0.0  # hold each notification back this long (a slow gateway)
    bills: dict[str, bytes] = field(default_factory=dict)  # download token -> file
    lock: threading.Lock = field(default_factory=threading.Lock)

    def by_token(self, token: str) -> Trade | None:
        return next((t for t in self.trades.values() if t.token == token), None)

    def trade_or_404(self, token: str) -> Trade:
        """The trade a cashier page's ``token`` names; 404 when none."""
        trade = self.by_token(token)
        if trade is None:
            abort(404)
        return trade

    def mark_paid(self, trade: Trade, trade_no: Callable[[datetime], str]) -> None:
        """The payer paid: ``trade_no(paid_at)`` numbers it; 409 when the trade is not waiting."""
        with self.lock:
            if trade.status != "waiting":
                abort(409, "trade is not waiting for payment")
            trade.status, trade.paid_at = "paid", datetime.now(CHINA)
            trade.trade_no = trade_no(trade.paid_at)

    def send(self, delivery: Delivery, accepted: Callable[[requests.Response], bool]) -> None:
        self.outbox.append(delivery)
        if self.delivery == "http":
            threading.Thread(
                target=deliver, args=(delivery, accepted, 4, self.delay_s), daemon=True
            ).start()


def state(name: str) -> EmulatorState:
    found: EmulatorState = current_app.extensions[name]
    return found


def serve(app: Flask, bp: Blueprint) -> None:
    """Serve the emulator ``bp`` on ``app`` (once), its state under the blueprint's name."""
    if bp.name in app.blueprints:
        return
    app.extensions[bp.name] = EmulatorState(delivery=app.config.get("PAYSANDBOX_DELIVERY", "http"))
    csrf.exempt(bp)  # another site: its own signatures instead
    app.register_blueprint(bp)


def deliver(
    delivery: Delivery,
    accepted: Callable[[requests.Response], bool],
    attempts: int = 4,
    delay_s: float = 0.0,
) -> bool:
    """POST like a gateway: asynchronously, retried until the merchant acknowledges."""
    time.sleep(delay_s)
    for attempt in range(attempts):
        time.sleep(0.2 * attempt)
        try:
            response = requests.post(
                delivery.url, data=delivery.body, headers=delivery.headers, timeout=10
            )
            if accepted(response):
                return True
        except requests.RequestException as exc:
            log.info("emulator delivery to %s failed: %s", delivery.url, exc)
    log.warning("emulator gave up delivering to %s", delivery.url)
    return False


def bill_day(moment: datetime) -> str:
    return moment.astimezone(CHINA).date().isoformat()
