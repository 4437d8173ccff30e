"""Online top-ups through a payment gateway (an adapter; the sandbox gateway is the one built).

Flow: the customer starts a top-up (``start_topup``: a pending ``Topup``, idempotent per form
key), the browser is sent to the gateway's hosted page (``PaymentGateway.checkout_url``), and the
gateway later sends a signed asynchronous notification to our notify endpoint
(``handle_notification``). Only a verified, fresh, never-seen notification whose amount and
currency match credits the wallet (pending top-ups -> wallet), exactly once: the top-up row is
locked, its ``transaction_id`` is unique and the notification's nonce is recorded in the same
database transaction. The browser's return page only reads the status.

Signature: ``hex(HMAC-SHA256(secret, f"{timestamp}.{nonce}.".encode() + body))`` in the
``X-Payment-Signature`` header, with ``X-Payment-Timestamp`` (Unix seconds) and
``X-Payment-Nonce``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol
from urllib.parse import urlencode

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storefront import mail
from storefront.accounts.models import Customer
from storefront.billing import events, ledger, services, topup_gateways
from storefront.billing.errors import (
    InvalidNotification,
    OnlineTopupDisabled,
    TopupError,
    WrongStore,
)
from storefront.billing.models import (
    AccountKind,
    PaymentNotification,
    Topup,
    TopupStatus,
    TransactionKind,
)
from storefront.billing.remittance import billing_settings
from storefront.billing.wallet_settings import DEV_NOTIFY_SECRET as DEV_NOTIFY_SECRET
from storefront.billing.wallet_settings import GATEWAYS as GATEWAYS
from storefront.billing.wallet_settings import SANDBOX_CHECKOUT_PATH as SANDBOX_CHECKOUT_PATH
from storefront.billing.wallet_settings import SANDBOX_QUOTA_ID as SANDBOX_QUOTA_ID
from storefront.billing.wallet_settings import WalletSettings as WalletSettings
from storefront.billing.wallet_settings import wallet_settings as wallet_settings
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.stores.tenancy import across_stores, in_store

log = logging.getLogger(__name__)


SIGNATURE_HEADER = "X-Payment-Signature"
TIMESTAMP_HEADER = "X-Payment-Timestamp"
NONCE_HEADER = "X-Payment-Nonce"
MAX_KEY = 64


def sign(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = f"{timestamp}.{nonce}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """Headers a gateway sends with ``body`` (used by the sandbox gateway and tests)."""
    timestamp = str(int(now if now is not None else time.time()))
    nonce = secrets.token_hex(16)
    return {
        TIMESTAMP_HEADER: timestamp,
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: sign(secret, timestamp, nonce, body),
        "Content-Type": "application/json",
    }


def sign_params(secret: str, params: Mapping[str, str]) -> str:
    """Signature of a redirect's query parameters (sorted ``k=v`` joined by ``&``)."""
    canonical = "&".join(f"{k}={params[k]}" for k in sorted(params))
    return hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


# --- the gateway adapter --------------------------------------------------------------------


@dataclass(frozen=True)
class Notification:
    """A verified notification's content."""

    nonce: str
    reference: str
    gateway_transaction_id: str
    amount: Decimal
    currency: str
    succeeded: bool


class PaymentGateway(Protocol):
    name: str

    def checkout_url(
        self,
        *,
        reference: str,
        amount: Decimal,
        currency: str,
        return_url: str,
        notify_url: str,
        base_url: str,
    ) -> str:
        """Where to send the customer's browser to pay."""
        ...

    def verify(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        """The notification in ``body`` if its signature and timestamp hold, else raise."""
        ...


class HmacGateway:
    """A gateway that signs redirects and notifications with a shared HMAC-SHA256 secret.

    The sandbox gateway (``/_paysandbox/``) speaks this protocol; a real provider gets its
    own adapter class with the same two methods.
    """

    def __init__(self, name: str, secret: str, max_age_s: int, checkout_path: str) -> None:
        self.name, self._secret, self._max_age = name, secret, max_age_s
        self._checkout_path = checkout_path

    def checkout_url(
        self,
        *,
        reference: str,
        amount: Decimal,
        currency: str,
        return_url: str,
        notify_url: str,
        base_url: str,
    ) -> str:
        params = {
            "reference": reference,
            "amount": ledger.format_amount(amount),
            "currency": currency,
            "return_url": return_url,
            "notify_url": notify_url,
            "ts": str(int(time.time())),
        }
        params["sig"] = sign_params(self._secret, params)
        return f"{base_url.rstrip('/')}{self._checkout_path}?{urlencode(params)}"

    def verify(self, body: bytes, headers: Mapping[str, str]) -> Notification:
        timestamp = headers.get(TIMESTAMP_HEADER, "")
        nonce = headers.get(NONCE_HEADER, "")
        given = headers.get(SIGNATURE_HEADER, "")
        if not (timestamp.isascii() and timestamp.isdigit() and 8 <= len(nonce) <= 64 and given):
            raise InvalidNotification("missing signature headers")
        expected = sign(self._secret, timestamp, nonce, body)
        if not hmac.compare_digest(expected, given.strip().lower()):
            raise InvalidNotification("bad signature")
        if abs(time.time() - int(timestamp)) > self._max_age:
            raise InvalidNotification("stale timestamp")
        try:
            data = json.loads(body)
            amount = Decimal(str(data["amount"]))
            notification = Notification(
                nonce=nonce,
                reference=str(data["reference"]),
                gateway_transaction_id=str(data["gateway_transaction_id"])[:64],
                amount=amount,
                currency=str(data["currency"]),
                succeeded=data["status"] == "succeeded",
            )
        except (ValueError, KeyError, TypeError, InvalidOperation):
            raise InvalidNotification("malformed body") from None
        if not amount.is_finite():
            raise InvalidNotification("malformed amount")
        return notification


def gateway() -> PaymentGateway | None:
    """The configured gateway, or ``None`` when online payment is not available."""
    settings = wallet_settings()
    if settings.gateway == "sandbox":
        return HmacGateway(
            "sandbox", settings.notify_secret, settings.notify_max_age_s, SANDBOX_CHECKOUT_PATH
        )
    return None


def gateway_named(name: str) -> PaymentGateway | None:
    """The configured gateway or one another area registered (``topup_gateways``)."""
    found = gateway()
    return found if found is not None and found.name == name else topup_gateways.named(name)


# --- services -------------------------------------------------------------------------------


def online_available(store_id: int) -> bool:
    return gateway() is not None and billing_settings(store_id).online_topup_enabled


def start_topup(
    customer: Customer, amount: Any, idempotency_key: str, gateway_name: str | None = None
) -> Topup:
    """A pending top-up for ``amount`` (idempotent per customer and form key). Flushes.

    The same key returns the first top-up (a double-clicked form starts one payment); the same
    key with a different amount is refused. ``gateway_name``: a registered gateway.
    """
    gw = gateway() if gateway_name is None else gateway_named(gateway_name)
    if gw is None or (gateway_name is None and not online_available(customer.store_id)):
        raise OnlineTopupDisabled(_("This store does not take online payments."))
    value = ledger.parse_amount(amount)
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_KEY:
        raise TopupError(_("Missing form key: reload the page and try again."))
    existing = _by_key(customer, key)
    if existing is not None:
        if existing.amount != value:
            raise TopupError(_("This form was already used for a different amount."))
        return existing
    topup = Topup(
        store_id=customer.store_id,
        reference=f"TU{secrets.token_hex(10).upper()}",
        customer_id=customer.id,
        gateway=gw.name,
        amount=value,
        currency=services.store_currency(customer.store_id),
        status=TopupStatus.PENDING,
        idempotency_key=key,
    )
    db.session.add(topup)
    try:
        db.session.flush()  # a concurrent start with the same key fails here (unique index)
    except IntegrityError:
        db.session.rollback()  # a failed flush leaves nothing to keep
        found = _by_key(customer, key)
        if found is None or found.amount != value:
            raise TopupError(_("This form was already used for a different amount.")) from None
        return found
    return topup


def _by_key(customer: Customer, key: str) -> Topup | None:
    return db.session.scalar(
        in_store(
            select(Topup).where(Topup.customer_id == customer.id, Topup.idempotency_key == key),
            customer.store_id,
        )
    )


def topup_for(customer: Customer, reference: str) -> Topup:
    found = db.session.scalar(
        in_store(
            select(Topup)
            .where(Topup.reference == reference, Topup.customer_id == customer.id)
            .execution_options(populate_existing=True),
            customer.store_id,
        )
    )
    if found is None:
        raise WrongStore(_("No such top-up."))
    return found


EXPIRED = "expired: not paid in time"
CUSTOMER_CANCEL = "cancelled by the customer"


def expiry_of(topup: Topup) -> datetime:
    created = topup.created_at if topup.created_at.tzinfo else topup.created_at.replace(tzinfo=UTC)
    return created + timedelta(minutes=wallet_settings().topup_expiry_minutes)


def expire_if_stale(topup: Topup, now: datetime | None = None) -> bool:
    """Cancel a pending top-up left unpaid past ``STOREFRONT_TOPUP_EXPIRY_MINUTES``. Flushes."""
    if topup.status is not TopupStatus.PENDING or (now or utcnow()) < expiry_of(topup):
        return False
    return _give_up(topup, EXPIRED)


def cancel_topup(customer: Customer, reference: str) -> Topup:
    """The customer gives up a pending top-up (a later payment is still credited). Flushes."""
    found = topup_for(customer, reference)
    if found.status is not TopupStatus.PENDING:
        raise TopupError(_("Only a top-up waiting for payment can be cancelled."))
    _give_up(found, CUSTOMER_CANCEL)
    return found


def _give_up(topup: Topup, why: str) -> bool:
    locked = ledger.lock_row(Topup, topup.id, "status", topup.store_id)
    if locked is None or locked.status is not TopupStatus.PENDING:
        return False
    locked.status, locked.problem = TopupStatus.CANCELLED, why
    db.session.flush()
    return True


def expire_topups(now: datetime | None = None) -> int:
    """Cancel every store's pending top-ups past their expiry (the worker's periodic job).
    Flushes."""
    moment = now or utcnow()
    cutoff = moment - timedelta(minutes=wallet_settings().topup_expiry_minutes)
    stale = select(Topup).where(Topup.status == TopupStatus.PENDING, Topup.created_at < cutoff)
    done = 0
    for store_id in db.session.scalars(select(Store.id).order_by(Store.id)).all():
        for found in db.session.scalars(in_store(stale, store_id)).all():
            done += _give_up(found, EXPIRED)
    return done


def expire_topups_job(job: Any) -> None:
    """The worker's job: it commits what this flushes."""
    expire_topups()


def recent_topups(customer: Customer, limit: int = 10) -> list[Topup]:
    return list(
        db.session.scalars(
            in_store(
                select(Topup)
                .where(Topup.customer_id == customer.id)
                .order_by(Topup.id.desc())
                .limit(limit),
                customer.store_id,
            )
        )
    )


def handle_notification(gateway_name: str, body: bytes, headers: Mapping[str, str]) -> str:
    """Process one gateway notification; returns the outcome (for logs and tests). Flushes:
    the notify endpoint commits the credit, the recorded nonce and the top-up together.

    Outcomes: ``credited``; ``already_paid``; ``cancelled``; and the ignored ones, which move
    no money: ``unknown_gateway``, ``invalid`` (signature/timestamp/body), ``replay`` (nonce seen),
    ``unknown_topup``, ``amount_mismatch``, ``not_pending``.
    """
    gw = gateway_named(gateway_name)
    if gw is None:
        return "unknown_gateway"
    try:
        note = gw.verify(body, headers)
    except InvalidNotification as exc:
        log.warning("payment notification ignored: %s", exc)
        return "invalid"
    return settle(gateway_name, note)


def settle(gateway_name: str, note: Notification) -> str:
    """Apply what the gateway confirmed (a verified notification or a query's answer): the one
    place a top-up credits a wallet. Flushes; outcomes as :func:`handle_notification`'s."""
    try:
        outcome = _apply(gateway_name, note)
    except IntegrityError:  # the nonce was recorded by a concurrent or earlier delivery
        db.session.rollback()  # a failed flush leaves nothing to keep
        return "replay"
    if outcome not in ("credited", "already_paid", "cancelled"):
        log.warning("payment %s for %s ignored: %s", note.nonce, note.reference, outcome)
    return outcome


def _apply(gateway_name: str, note: Notification) -> str:
    seen = db.session.scalar(
        select(PaymentNotification.id).where(
            PaymentNotification.gateway == gateway_name, PaymentNotification.nonce == note.nonce
        )
    )
    if seen is not None:
        return "replay"
    record = PaymentNotification(gateway=gateway_name, nonce=note.nonce, outcome="received")
    db.session.add(record)
    db.session.flush()  # claims the nonce (unique); a concurrent replay fails here
    # The gateway calls the notify URL of the store's domain, or the public URL for a store
    # without one: the reference (unique across stores) finds the top-up in whichever store.
    found = db.session.execute(
        across_stores(
            select(Topup.id, Topup.store_id).where(
                Topup.reference == note.reference, Topup.gateway == gateway_name
            )
        )
    ).first()
    if found is None:
        record.outcome = "unknown_topup"
        return record.outcome
    topup = ledger.lock_row(Topup, found.id, "status", found.store_id)
    assert topup is not None
    record.topup_id = topup.id
    record.outcome = _settle(topup, note)
    return record.outcome


def _settle(topup: Topup, note: Notification) -> str:
    if topup.status is TopupStatus.PAID:
        return "already_paid"
    # given up on our side (expired, or cancelled by the customer) but paid at the gateway
    # after all: the money arrived, so it is credited
    ours = topup.status is TopupStatus.CANCELLED and topup.problem in (EXPIRED, CUSTOMER_CANCEL)
    if topup.status is not TopupStatus.PENDING and not (ours and note.succeeded):
        return "not_pending"
    if not note.succeeded:
        topup.status = TopupStatus.CANCELLED
        return "cancelled"
    if note.amount != topup.amount or note.currency != topup.currency:
        topup.problem = (
            f"gateway reported {note.amount} {note.currency}, expected "
            f"{topup.amount} {topup.currency}"
        )[:255]
        return "amount_mismatch"
    customer = db.session.scalar(
        in_store(select(Customer).where(Customer.id == topup.customer_id), topup.store_id)
    )
    assert customer is not None
    txn = services.credit(
        customer,
        topup.amount,
        f"online top-up {topup.reference}",
        reference=f"topup:{topup.reference}",
        source=AccountKind.PENDING_TOPUPS,
        kind=TransactionKind.CREDIT,
    )
    topup.transaction_id = txn.id
    topup.gateway_transaction_id = note.gateway_transaction_id
    topup.status = TopupStatus.PAID
    topup.paid_at = utcnow()
    mail.queue_customer_mail(
        "topup_credited", topup.id, customer.id, topup.store_id,
        amount=topup.amount, currency=topup.currency,
    )  # fmt: skip
    events.topup_credited.send(topup)
    return "credited"
