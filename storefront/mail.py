"""Outgoing mail: ``STOREFRONT_MAIL_BACKEND`` = smtp | console | file.

``send_template`` renders ``templates/mail/<name>.txt`` (and ``.html`` when present) in the
recipient's language. Every mail a store sends comes from that store's sender
(:func:`sender_for`): its own name and address when the owner set them on the branding page,
else the store's name and ``STOREFRONT_MAIL_FROM``; replies go to the store's contact email.
"""

from __future__ import annotations

import json
import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any, NamedTuple

from flask import current_app, g, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from jinja2 import TemplateNotFound
from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.backoffice.texts import mail_signature
from storefront.billing import worker
from storefront.config import Settings
from storefront.extensions import db
from storefront.labels import money
from storefront.stores.models import Store
from storefront.stores.tenancy import in_store, store_context

log = logging.getLogger(__name__)


class Sender(NamedTuple):
    name: str
    address: str
    reply_to: str | None


def sender_for(store: Store | None) -> Sender:
    """Who a store's mail comes from, and where replies go."""
    settings: Settings = current_app.config["SETTINGS"]
    if store is None:
        return Sender("", settings.mail_from, None)
    return Sender(
        (store.mail_from_name or store.name or "").strip(),
        store.mail_from_address or settings.mail_from,
        store.contact_email or None,
    )


def build_message(
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    sender_name: str | None = None,
    store: Store | None = None,
) -> EmailMessage:
    """A message from ``store``'s sender (see :func:`sender_for`); without a store, from
    ``STOREFRONT_MAIL_FROM`` with ``sender_name`` as the display name."""
    if store is not None:
        sender = sender_for(store)
    else:
        sender = sender_for(None)._replace(name=sender_name or "")
    msg = EmailMessage()
    msg["From"] = formataddr((sender.name, sender.address))
    if sender.reply_to:
        msg["Reply-To"] = sender.reply_to
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=sender.address.split("@")[-1])
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg


def deliver(msg: EmailMessage) -> None:
    settings: Settings = current_app.config["SETTINGS"]
    if settings.mail_backend == "file":
        settings.mail_dir.mkdir(parents=True, exist_ok=True)
        path = settings.mail_dir / f"{uuid.uuid4().hex}.eml"
        path.write_bytes(bytes(msg))
        log.info("mail to %s written to %s", msg["To"], path)
    elif settings.mail_backend == "console":
        print(msg.as_string(), flush=True)
    else:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user and settings.smtp_password:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(msg)


def send_template(
    name: str, *, to: str, subject: Any, locale: str | None = None, **context: Any
) -> EmailMessage:
    """Render ``mail/<name>.txt`` (+ ``.html``) in ``locale`` and deliver it."""
    store = g.get("store")
    with force_locale(locale or (store.default_locale if store else "en")):
        text = render_template(f"mail/{name}.txt", store=store, **context)
        # the store's signature: plain text, rendered in the bounded sandbox
        if store is not None and (signature := mail_signature(store)):
            text = f"{text.rstrip()}\n\n-- \n{signature}\n"
        try:
            html: str | None = render_template(f"mail/{name}.html", store=store, **context)
        except TemplateNotFound:
            html = None
        msg = build_message(to=to, subject=str(subject), text=text, html=html, store=store)
    deliver(msg)
    return msg


# --------------------------------------------------------------------------- customer events
# Mails a customer expects for what they did (or what was done to their account). Queued in
# the transaction that makes the change (so only a committed change mails), sent by the
# worker's ``customer_mail`` job; the job's key is the event's, so each event mails once,
# however often it is queued or its job is retried.

_EVENTS: dict[str, tuple[Any, Any]] = {
    "order_placed": (
        _l("Order #%(order)s received"),
        _l(
            "Thank you: we received your order #%(order)s of %(amount)s. We are setting up "
            "your resources and will write again when they are ready."
        ),
    ),
    "order_active": (
        _l("Order #%(order)s is ready"),
        _l("Your order #%(order)s is active: your resources are ready to use."),
    ),
    "order_refunded": (
        _l("Order #%(order)s could not be completed"),
        _l(
            "We could not set up your order #%(order)s. %(amount)s was refunded to your "
            "wallet (what a voucher paid goes back to the voucher's issuer)."
        ),
    ),
    "topup_credited": (
        _l("Your top-up of %(amount)s arrived"),
        _l("Your online payment of %(amount)s was added to your wallet."),
    ),
    "claim_approved": (
        _l("Your bank transfer of %(amount)s was credited"),
        _l("We confirmed your bank transfer of %(amount)s and added it to your wallet."),
    ),
    "claim_rejected": (
        _l("Your bank transfer claim was not accepted"),
        _l(
            "We could not confirm your bank transfer claim of %(amount)s. The reason given: "
            "%(reason)s"
        ),
    ),
    "account_frozen": (
        _l("Your account is frozen"),
        _l(
            "Your account is frozen: you cannot buy or change resources until it is unfrozen. "
            "Reply to this mail or contact the store to learn more."
        ),
    ),
    "account_unfrozen": (
        _l("Your account is active again"),
        _l("Your account is no longer frozen: you can buy and manage resources again."),
    ),
}


def register_customer_events(events: dict[str, tuple[Any, Any]]) -> None:
    """Add an area's customer mail events: ``{name: (subject, body)}``, lazy strings with
    ``%(name)s`` placeholders. Call at import time of the area's module that queues them, so
    the worker knows them too; a name is registered once."""
    for name, texts in events.items():
        if name in _EVENTS and _EVENTS[name] is not texts:
            raise ValueError(f"customer mail event {name!r} is already registered")
        _EVENTS[name] = texts


def customer_events() -> frozenset[str]:
    """The names of every registered customer mail event."""
    return frozenset(_EVENTS)


def queue_customer_mail(
    event: str, key: str | int, customer_id: int, store_id: int, **params: Any
) -> None:
    """Mail ``event`` to the customer once the caller's transaction commits (once per
    ``event`` and ``key``). ``amount`` + ``currency`` are formatted in the customer's
    language when the mail is written."""
    if event not in _EVENTS:
        raise ValueError(f"unknown customer mail event {event!r}")
    worker.enqueue(
        "customer_mail",
        f"mail:{event}:{store_id}:{key}",
        store_id=store_id,
        payload={
            "event": event,
            "customer_id": customer_id,
            "params": {k: str(v) for k, v in params.items()},
        },
        max_attempts=5,
    )


def customer_mail_job(job: Any) -> None:
    """The worker's ``customer_mail`` job: write and send one event's mail."""
    data = json.loads(job.payload)
    store = db.session.get(Store, job.store_id) if job.store_id is not None else None
    customer = (
        db.session.scalar(
            in_store(select(Customer).where(Customer.id == int(data["customer_id"])), store.id)
        )
        if store is not None
        else None
    )
    if customer is None or store is None or data.get("event") not in _EVENTS:
        return  # gone meanwhile: nothing to tell
    subject, body = _EVENTS[data["event"]]
    params = dict(data.get("params") or {})
    locale = customer.locale or store.default_locale or "en"
    with store_context(store), force_locale(locale):
        if "amount" in params:
            params["amount"] = money(params["amount"], params.pop("currency", None))
        params.setdefault("reason", "")
        send_template(
            "customer_event",
            to=customer.email,
            subject=str(subject) % params,
            locale=locale,
            greeting=_l("Hello %(name)s,", name=customer.name),
            body=str(body) % params,
        )
