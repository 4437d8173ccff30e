"""Account mails (email verification, password reset, lock-out), sent from the job queue.

A request only queues the mail (a ``jobs`` row, committed with the request's transaction) and
the worker sends it: a password-reset request does the same work whether or not the account
exists (the worker looks the account up), so its answer and timing say nothing about it.
Tokens are made when the mail is sent, never stored in the queue; links are built from the
store's configured canonical address (:func:`storefront.stores.urls.external_url`), never from
the request's Host.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from flask_babel import lazy_gettext as _l

from storefront.accounts.common import find_principal
from storefront.accounts.mail_tokens import reset_token, verification_token
from storefront.accounts.models import Customer, CustomerStatus, Staff
from storefront.billing.models import Job
from storefront.billing.worker import enqueue
from storefront.extensions import db
from storefront.mail import send_template
from storefront.stores.models import Store
from storefront.stores.tenancy import current_store, store_context
from storefront.stores.urls import external_url

JOB_KIND = "account_mail"


def queue(mail: str, store_id: int | None, **payload: Any) -> None:
    """Queue one account mail; sent by the worker after the caller's transaction commits."""
    enqueue(
        JOB_KIND,
        f"mail:{uuid.uuid4().hex}",
        store_id=store_id,
        payload={"mail": mail, **payload},
        max_attempts=5,
    )


def _send_verify(payload: dict[str, Any]) -> None:
    customer = db.session.get(Customer, int(payload.get("customer", 0)))
    if customer is None or customer.email != payload.get("email"):
        return  # gone, or the address changed since (that change queued its own mail)
    token = verification_token(customer)
    send_template(
        "accounts_verify",
        to=customer.email,
        subject=_l("Confirm your email address"),
        locale=customer.locale,
        link=external_url("accounts.verify_email", token=token),
        greeting=_l("Hello %(name)s,", name=customer.name),
        intro=_l(
            "Please confirm your email address for %(store)s by opening this link:",
            store=current_store().name,
        ),
        outro=_l("The link is valid for three days. If you did not register, ignore this message."),
    )


def _send_reset(payload: dict[str, Any]) -> None:
    customer = find_principal(Customer, str(payload.get("email") or ""))
    if not isinstance(customer, Customer) or customer.status == CustomerStatus.CLOSED:
        return
    send_template(
        "accounts_reset",
        to=customer.email,
        subject=_l("Reset your password"),
        locale=customer.locale,
        link=external_url("accounts.reset_password", token=reset_token(customer)),
        greeting=_l("Hello %(name)s,", name=customer.name),
        intro=_l(
            "Someone asked to reset the password of your %(store)s account. "
            "To choose a new password, open this link:",
            store=current_store().name,
        ),
        outro=_l(
            "The link works once and for one hour. If you did not ask for this, ignore this "
            "message."
        ),
    )


def _send_locked(payload: dict[str, Any]) -> None:
    kind = Staff if payload.get("kind") == "s" else Customer
    principal = find_principal(kind, str(payload.get("email") or ""))
    if principal is None:
        return  # attempts on an address without an account: nobody to tell
    minutes = max(1, round(int(payload.get("seconds", 0)) / 60))
    send_template(
        "accounts_locked",
        to=principal.email,
        subject=_l("Your account was locked after failed sign-ins"),
        locale=getattr(principal, "locale", None),
        greeting=_l("Hello %(name)s,", name=principal.name),
        intro=_l(
            "There were too many failed attempts to sign in to your %(store)s account, so "
            "sign-in is blocked for %(minutes)s minutes. It unlocks by itself.",
            store=current_store().name,
            minutes=minutes,
        ),
        outro=_l(
            "If this was not you, someone may be guessing your password: once the lock ends, "
            "choose a new password and turn on two-factor authentication."
        ),
    )


SENDERS = {"verify": _send_verify, "reset": _send_reset, "locked": _send_locked}


def send_job(job: Job) -> None:
    """The worker's handler for :data:`JOB_KIND` jobs."""
    payload = json.loads(job.payload or "{}")
    sender = SENDERS.get(str(payload.get("mail")))
    store = db.session.get(Store, job.store_id) if job.store_id is not None else None
    if sender is None or store is None:
        return
    with store_context(store):
        sender(payload)
