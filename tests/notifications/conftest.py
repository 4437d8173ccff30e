"""Notification fixtures: reading the mails the file backend wrote, and notifying a customer."""

from __future__ import annotations

from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from storefront import mail
from storefront.accounts.models import Customer
from storefront.extensions import db


def mails(mail_dir: Path, to: str | None = None) -> list[EmailMessage]:
    found = []
    for path in sorted(mail_dir.glob("*.eml")):
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        if to is None or msg["To"] == to:
            found.append(msg)
    return found  # type: ignore[return-value]


def subjects(mail_dir: Path, to: str) -> list[str]:
    return sorted(str(m["Subject"]) for m in mails(mail_dir, to))


def part(msg: EmailMessage, kind: str) -> str:
    body = msg.get_body((kind,))
    assert body is not None, f"no {kind} part"
    return str(body.get_content())


@pytest.fixture
def notify(app: Flask) -> Callable[..., None]:
    """``notify(customer, event, key, **params)``: queue the event and commit."""

    def go(customer: Customer, event: str, key: Any, **params: Any) -> None:
        with app.app_context():
            mail.queue_customer_mail(event, key, customer.id, customer.store_id, **params)
            db.session.commit()

    return go
