"""Top-ups through Alipay and WeChat Pay: which methods a store offers, starting a charge,
asking the gateway (a query credits through ``topup.settle`` like a notification).

Closing unpaid trades is in :mod:`.jobs`, refunds in :mod:`.refunds`, the daily bill
reconciliation in :mod:`.reconcile`.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.billing import topup
from storefront.billing.errors import GatewayUnavailable, MethodNotOffered
from storefront.billing.models import Topup
from storefront.billing.remittance import billing_settings
from storefront.billing.topup import Notification
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.payments import adapters
from storefront.payments import gateway as gateways
from storefront.payments.models import StorePaymentMethods, TopupCharge
from storefront.payments.settings import GATEWAYS, payment_settings
from storefront.stores.tenancy import in_store
from storefront.stores.urls import external_url

log = logging.getLogger(__name__)
ONLINE = GATEWAYS  # alipay, wechat


def store_choice(store_id: int) -> StorePaymentMethods | None:
    return db.session.scalar(in_store(select(StorePaymentMethods), store_id))


def offered_methods(store_id: int) -> list[str]:
    """The online gateways the server has and the store chose, in a fixed order."""
    server = payment_settings().methods
    if not billing_settings(store_id).online_topup_enabled:
        return []
    choice = store_choice(store_id)
    return [m for m in server if choice is None or getattr(choice, m)]


def set_methods(store_id: int, chosen: set[str]) -> StorePaymentMethods:
    """The owner's choice among the server's gateways. Flushes."""
    choice = store_choice(store_id)
    if choice is None:
        choice = StorePaymentMethods(store_id=store_id)
        db.session.add(choice)
    choice.alipay, choice.wechat = "alipay" in chosen, "wechat" in chosen
    choice.updated_at = utcnow()
    db.session.flush()
    return choice


def adapter_for(method: str) -> gateways.Gateway:
    found = adapters.adapter(method)
    if found is None:
        raise MethodNotOffered(_("This payment method is not available."))
    return found


def start(customer: Customer, amount: Any, key: str, method: str) -> Topup:
    """A pending top-up to pay with ``method`` (idempotent per form/request key). Flushes;
    the caller commits, then :func:`open_charge` asks the gateway."""
    if method not in offered_methods(customer.store_id):
        raise MethodNotOffered(_("This store does not take this payment method."))
    return topup.start_topup(customer, amount, key, gateway_name=method)


def charge_of(found: Topup) -> TopupCharge | None:
    return db.session.scalar(
        in_store(select(TopupCharge).where(TopupCharge.topup_id == found.id), found.store_id)
    )


def open_charge(found: Topup) -> TopupCharge:
    """The top-up's cashier URL or QR code, asking the gateway once. Flushes."""
    existing = charge_of(found)
    if existing is not None:
        return existing
    adapter = adapter_for(found.gateway)
    try:
        charge = adapter.charge(
            reference=found.reference, amount=found.amount,
            subject=_("Wallet top-up %(reference)s", reference=found.reference),
            notify_url=external_url("payments.notify_" + found.gateway),
            return_url=external_url("billing.topup_return", reference=found.reference),
        )  # fmt: skip
    except gateways.GatewayError as exc:
        log.warning("charge for %s failed: %s", found.reference, exc)
        raise GatewayUnavailable(
            _("The payment service did not answer. Try again later.")
        ) from None
    row = TopupCharge(
        store_id=found.store_id, topup_id=found.id, method=found.gateway,
        pay_url=charge.pay_url, qr_code=charge.qr_code,
    )  # fmt: skip
    db.session.add(row)
    db.session.flush()
    return row


def sync(found: Topup) -> str:
    """Ask the gateway about the top-up's trade; a paid trade is credited (once) for the
    amount the gateway confirms. Flushes. Returns ``topup.settle``'s outcome or the state."""
    state = adapter_for(found.gateway).query(found.reference)
    if state.status != gateways.PAID or state.amount is None:
        return state.status
    note = Notification(
        nonce=f"query:{uuid.uuid4().hex}", reference=found.reference,
        gateway_transaction_id=state.trade_no[:64], amount=state.amount,
        currency=state.currency, succeeded=True,
    )  # fmt: skip
    return topup.settle(found.gateway, note)
