"""Outgoing mail: ``STOREFRONT_MAIL_BACKEND`` = smtp | console | file.

``send_template`` renders ``templates/mail/<name>.txt`` (and ``.html`` when present) in the
recipient's language. Every mail a store sends comes from that store's sender
(:func:`sender_for`): its own name and address when the owner set them on the branding page,
else the store's name and ``STOREFRONT_MAIL_FROM``; replies go to the store's contact email.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any, NamedTuple

from flask import current_app, g, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from storefront.backoffice.texts import mail_signature
from storefront.config import Settings
from storefront.notifications import events as registry
from storefront.notifications import services as notification_services
from storefront.stores.models import Store

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
# Mails a customer expects for what they did (or what was done to their account). The event
# machinery lives in ``storefront.notifications`` (an event is a mail and an in-app entry);
# these names stay here for the areas that call them. The worker's ``customer_mail`` job, which
# sends through this module, is the notifications area's (notifications/jobs.py).


def register_customer_events(
    events: dict[str, tuple[Any, Any]], *, essential: bool = True, labels: Any = None
) -> None:
    """Add an area's customer mail events: ``{name: (subject, body)}`` (see
    :func:`storefront.notifications.events.register_customer_events`)."""
    registry.register_customer_events(events, essential=essential, labels=labels)


def customer_events() -> frozenset[str]:
    """The names of every registered customer mail event."""
    return registry.customer_events()


def queue_customer_mail(
    event: str, key: str | int, customer_id: int, store_id: int, **params: Any
) -> None:
    """Mail ``event`` to the customer (and list it on their notifications) once the caller's
    transaction commits, once per ``event`` and ``key``. ``amount`` + ``currency`` are
    formatted in the reader's language."""
    notification_services.queue(event, key, customer_id, store_id, **params)

