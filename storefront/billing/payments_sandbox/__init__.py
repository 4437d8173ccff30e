"""The sandbox payment gateway: a hosted payment page with Pay / Cancel, mounted at
``/_paysandbox/`` in development and testing when ``STOREFRONT_PAYMENT_GATEWAY=sandbox``.

It behaves like a real gateway seen from the storefront: the checkout redirect is signed, the
customer pays or cancels on the gateway's page, the gateway sends a signed asynchronous
notification to the ``notify_url`` (a background thread, retried a few times) and sends the
browser back to ``return_url``. Every notification is also kept in an outbox
(``app.extensions["paysandbox"].outbox``) so tests without a live server can deliver it;
``app.config["PAYSANDBOX_DELIVERY"] = "outbox"`` turns the HTTP delivery off.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import requests
from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request
from flask.typing import ResponseReturnValue

from storefront.billing import topup
from storefront.extensions import csrf

log = logging.getLogger(__name__)

CHECKOUT_PATH = topup.SANDBOX_CHECKOUT_PATH
LINK_MAX_AGE_S = 3600
bp = Blueprint("paysandbox", __name__, url_prefix="/_paysandbox")


@dataclass
class Delivery:
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass
class GatewayState:
    outbox: deque[Delivery] = field(default_factory=lambda: deque(maxlen=200))


def state(app: Flask | None = None) -> GatewayState:
    found: GatewayState = (app or current_app).extensions["paysandbox"]
    return found


FIELDS = ("reference", "amount", "currency", "return_url", "notify_url", "ts")


def _verified_params(values: Any) -> dict[str, str]:
    params = {name: str(values.get(name, "")) for name in FIELDS}
    secret = topup.wallet_settings().notify_secret
    expected = topup.sign_params(secret, params)
    if not hmac.compare_digest(expected, str(values.get("sig", ""))):
        abort(400, "bad signature")
    if not params["ts"].isdigit() or time.time() - int(params["ts"]) > LINK_MAX_AGE_S:
        abort(400, "payment link expired")
    return params


@bp.get("/checkout")
def checkout() -> ResponseReturnValue:
    params = _verified_params(request.args)
    return render_template(
        "billing/topup_gateway.html", params=params, sig=request.args.get("sig", "")
    )


@bp.post("/checkout")
def complete() -> ResponseReturnValue:
    params = _verified_params(request.form)
    paid = request.form.get("action") == "pay"
    body = json.dumps(
        {
            "reference": params["reference"],
            "gateway_transaction_id": f"PSB{secrets.token_hex(8).upper()}",
            "amount": params["amount"],
            "currency": params["currency"],
            "status": "succeeded" if paid else "cancelled",
        },
        sort_keys=True,
    ).encode()
    headers = topup.signed_headers(topup.wallet_settings().notify_secret, body)
    delivery = Delivery(params["notify_url"], body, headers)
    state().outbox.append(delivery)
    if current_app.config.get("PAYSANDBOX_DELIVERY", "http") == "http":
        threading.Thread(target=_deliver, args=(delivery,), daemon=True).start()
    return redirect(params["return_url"])


def _deliver(delivery: Delivery, attempts: int = 4) -> None:
    """POST the notification like a gateway does: asynchronously, retried until a 2xx."""
    for attempt in range(attempts):
        time.sleep(0.2 * attempt)
        try:
            response = requests.post(
                delivery.url, data=delivery.body, headers=delivery.headers, timeout=5
            )
            if response.status_code < 300:
                return
        except requests.RequestException as exc:
            log.info("paysandbox delivery to %s failed: %s", delivery.url, exc)
    log.warning("paysandbox gave up delivering to %s", delivery.url)


def mount(app: Flask) -> None:
    """Mount the gateway (idempotent)."""
    if "paysandbox" in app.blueprints:
        return
    app.extensions["paysandbox"] = GatewayState()
    csrf.exempt(bp)  # the gateway is another site: its forms carry its own signature
    app.register_blueprint(bp)
