"""Outgoing mail: ``STOREFRONT_MAIL_BACKEND`` = smtp | console | file.

``send_template`` renders ``templates/mail/<name>.txt`` (and ``.html`` when present) in the
recipient's language with the store's name as the sender's display name.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from storefront.config import Settings

log = logging.getLogger(__name__)


def build_message(
    *, to: str, subject: str, text: str, html: str | None = None, sender_name: str | None = None
) -> EmailMessage:
    settings: Settings = current_app.config["SETTINGS"]
    msg = EmailMessage()
    msg["From"] = formataddr((sender_name or "", settings.mail_from))
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=settings.mail_from.split("@")[-1])
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
    from flask import g

    store = g.get("store")
    with force_locale(locale or (store.default_locale if store else "en")):
        text = render_template(f"mail/{name}.txt", store=store, **context)
        try:
            html: str | None = render_template(f"mail/{name}.html", store=store, **context)
        except TemplateNotFound:
            html = None
        msg = build_message(
            to=to,
            subject=str(subject),
            text=text,
            html=html,
            sender_name=store.name if store else None,
        )
    deliver(msg)
    return msg
