"""The ``customer_mail`` job: write and send one notification's mail, once.

The job is keyed per store, event and key, so it is queued once however often the event is.
A retried, re-queued or raced job still mails once: the mail is sent only by the transaction
that sets the notification's ``mailed_at`` (``UPDATE … WHERE mailed_at IS NULL``); a second
runner's update waits for the first one's commit (row lock; SQLite's write lock) and then
changes nothing, and a failed send rolls the claim back for the next attempt. The message id is
the notification's, so a mail server that sees it twice (a crash after sending, before the
commit) knows it is the same message.
"""

from __future__ import annotations

import json
from typing import Any, cast

from flask import render_template
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Table, select

from storefront import mail
from storefront.accounts.models import Customer
from storefront.backoffice.texts import mail_signature
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.notifications import services
from storefront.notifications.events import event
from storefront.notifications.models import Notification
from storefront.sql import insert_ignore
from storefront.stores.models import Store
from storefront.stores.tenancy import in_store, store_context
from storefront.stores.urls import external_url


def _notification(store_id: int, data: dict[str, Any], job_key: str) -> Notification | None:
    name = str(data.get("event"))
    # jobs queued before notifications were recorded name their key in the job's key only
    key = str(data.get("key") or job_key.split(":", 3)[-1])[:128]
    query = in_store(
        select(Notification).where(Notification.event == name, Notification.key == key),
        store_id,
    )
    found: Notification | None = db.session.scalar(query)
    if found is None:
        db.session.execute(
            insert_ignore(
                Notification.__table__,
                store_id=store_id,
                customer_id=int(data["customer_id"]),
                event=name,
                key=key,
                params=dict(data.get("params") or {}),
                created_at=utcnow(),
                mail_skipped=False,
            )
        )
        found = db.session.scalar(query)
    return found


def _claim(note: Notification) -> bool:
    """Take the right to mail ``note`` (in the job's transaction): False if it was mailed."""
    table = cast(Table, Notification.__table__)
    result = db.session.execute(
        table.update()
        .where(table.c.id == note.id, table.c.mailed_at.is_(None))
        .values(mailed_at=utcnow())
    )
    return bool(getattr(result, "rowcount", 0))


def render(store: Store, customer: Customer, note: Notification) -> tuple[str, str, str]:
    """Subject, text and HTML of ``note``'s mail in the current language."""
    subject, body = services.texts(note.event, note.params)
    context = {
        "store": store,
        "subject": subject,
        "greeting": _l("Hello %(name)s,", name=customer.name),
        "body": body,
        "link": external_url("notifications.index", store),
        "lang": "zh-Hans" if str(get_locale()).startswith("zh") else "en",
    }
    text = render_template("notifications/mail.txt", **context)
    if signature := mail_signature(store):
        text = f"{text.rstrip()}\n\n-- \n{signature}\n"
    html = render_template("notifications/mail.html", signature=signature, **context)
    return subject, text, html


def customer_mail_job(job: Any) -> None:
    """The worker's ``customer_mail`` job: write and send one event's mail (once)."""
    data = json.loads(job.payload)
    store = db.session.get(Store, job.store_id) if job.store_id is not None else None
    if store is None or event(str(data.get("event"))) is None:
        return  # gone meanwhile: nothing to tell
    customer = db.session.scalar(
        in_store(select(Customer).where(Customer.id == int(data["customer_id"])), store.id)
    )
    note = _notification(store.id, data, job.key)
    if customer is None or note is None or note.mailed_at is not None:
        return
    if not services.mails_wanted(customer, note.event):
        note.mail_skipped = True
        return
    if not _claim(note):
        return  # another run mailed it
    locale = customer.locale or store.default_locale or "en"
    with store_context(store), force_locale(locale):
        subject, text, html = render(store, customer, note)
        msg = mail.build_message(
            to=customer.email, subject=subject, text=text, html=html, store=store
        )
    domain = msg["Message-ID"].strip("<>").split("@")[-1]
    msg.replace_header("Message-ID", f"<notification-{store.id}-{note.id}@{domain}>")
    mail.deliver(msg)
