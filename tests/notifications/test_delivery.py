"""Each event becomes one in-app entry and one mail (HTML and text, branded, in the customer's
language, from the store's sender), sent after commit by the worker and never twice: not when
queued again, not when its job is retried after a failed send, re-queued, or run by two
workers at once."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask_babel import force_locale
from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.billing import worker
from storefront.billing.models import Job, JobStatus
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.notifications import delivery, events, services
from storefront.notifications.models import Notification
from storefront.stores.models import Store
from tests.notifications.conftest import mails, part, subjects
from tests.shop import drain

# every event this area defines, with the parameters its callers pass
BUILT_IN = {
    "order_placed": {"order": 7, "amount": "12.50", "currency": "CNY"},
    "order_active": {"order": 7},
    "order_refunded": {"order": 7, "amount": "12.50", "currency": "CNY"},
    "order_failed": {"order": 7},
    "topup_credited": {"amount": "50.00", "currency": "CNY"},
    "claim_approved": {"amount": "300.00", "currency": "CNY"},
    "claim_rejected": {"amount": "20.00", "currency": "CNY", "reason": "没有这笔转账"},
    "account_frozen": {},
    "account_unfrozen": {},
    "realname_approved": {},
    "realname_rejected": {"reason": "证件照片不清晰。"},
    "low_balance": {"amount": "8.00", "threshold": "10.00", "currency": "CNY"},
}


def _zh_subject(event: str, params: dict[str, object]) -> str:
    with force_locale("zh_Hans_CN"):
        return services.texts(event, params)[0]


def test_every_event_mails_once_in_chinese_for_a_chinese_customer(
    app: Flask,
    mail_dir: Path,
    make_customer: Callable[..., Customer],
    notify: Callable[..., None],
) -> None:
    assert set(BUILT_IN) <= events.customer_events()
    customer = make_customer(locale="zh_Hans_CN", name="张三")
    for event, params in BUILT_IN.items():
        notify(customer, event, "k1", **params)
        notify(customer, event, "k1", **params)  # the caller ran twice: still one
    assert mails(mail_dir) == []  # nothing before the worker runs
    drain(app)
    with app.app_context():  # re-run every finished mail job: nothing more is sent
        keys = db.session.scalars(select(Job.key).where(Job.kind == "customer_mail")).all()
        assert all(worker.requeue(k) for k in keys)
        db.session.commit()
    drain(app)
    with app.app_context():
        expected = sorted(_zh_subject(e, p) for e, p in BUILT_IN.items())
        rejected_subject = _zh_subject("realname_rejected", {})
    got = mails(mail_dir, customer.email)
    assert sorted(str(m["Subject"]) for m in got) == expected
    assert len(got) == len(BUILT_IN)
    for msg in got:
        assert all("\u4e00" <= c <= "\u9fff" for c in str(msg["Subject"])[:2] if c.isalpha())
        text, html = part(msg, "plain"), part(msg, "html")
        assert "张三" in text and "张三" in html and 'lang="zh-Hans"' in html
        assert "/notifications" in text and "查看通知" in html
        assert "notification-" in msg["Message-ID"]
    low = next(m for m in got if "8.00" in str(m["Subject"]))
    assert "10.00" in part(low, "plain")
    rejected = next(m for m in got if str(m["Subject"]) == rejected_subject)
    assert "证件照片不清晰。" in part(rejected, "plain")
    with app.app_context():  # and one in-app entry each
        rows = db.session.scalars(
            select(Notification).where(Notification.customer_id == customer.id)
        ).all()
        assert sorted(n.event for n in rows) == sorted(BUILT_IN)
        assert all(n.mailed_at is not None for n in rows)


def test_an_english_customer_gets_english_from_the_stores_sender(
    app: Flask,
    mail_dir: Path,
    make_customer: Callable[..., Customer],
    make_store: Callable[..., Store],
    notify: Callable[..., None],
) -> None:
    store = make_store(name="Blue Cloud")
    with app.app_context():
        found = db.session.get(Store, store.id)
        assert found is not None
        found.mail_from_name = "Blue Cloud Billing"
        db.session.commit()
    customer = make_customer(store=store, locale="en", name="Ann")
    notify(customer, "topup_credited", "t1", amount="50.00", currency="CNY")
    drain(app)
    (msg,) = mails(mail_dir, customer.email)
    assert str(msg["Subject"]) == "Your top-up of CN¥50.00 arrived"
    assert "Blue Cloud Billing" in str(msg["From"])
    assert "Blue Cloud" in part(msg, "html") and "Hello Ann," in part(msg, "plain")


def test_a_failed_send_is_retried_and_mails_once(
    app: Flask, mail_dir: Path, make_customer: Callable[..., Customer], notify: Callable[..., None]
) -> None:
    customer = make_customer()
    notify(customer, "account_frozen", "f1")
    settings = app.config["SETTINGS"]
    # the mail server is down: SMTP to a closed local port
    app.config["SETTINGS"] = dataclasses.replace(
        settings, mail_backend="smtp", smtp_host="127.0.0.1", smtp_port=9
    )
    try:
        drain(app)
    finally:
        app.config["SETTINGS"] = settings
    with app.app_context():
        job = db.session.scalar(select(Job).where(Job.kind == "customer_mail"))
        assert job is not None and job.status == JobStatus.QUEUED.value and job.attempts == 1
        note = db.session.scalar(select(Notification).where(Notification.event == "account_frozen"))
        assert note is not None and note.mailed_at is None  # the claim was rolled back
    assert mails(mail_dir) == []
    with app.app_context():
        worker.run_pending(now=utcnow() + timedelta(hours=1))  # after the backoff
        worker.run_pending(now=utcnow() + timedelta(hours=2))
    assert subjects(mail_dir, customer.email) == ["Your account is frozen"]


def test_two_workers_running_the_same_job_at_once_mail_once(
    app: Flask, mail_dir: Path, make_customer: Callable[..., Customer], notify: Callable[..., None]
) -> None:
    """A lease that expired mid-send: the second worker runs the job while the first one
    still does."""
    customer = make_customer()
    notify(customer, "account_unfrozen", "u1")
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context():
                job = db.session.scalar(select(Job).where(Job.kind == "customer_mail"))
                assert job is not None
                start.wait(timeout=10)
                delivery.customer_mail_job(job)
                db.session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert subjects(mail_dir, customer.email) == ["Your account is active again"]


def test_nothing_is_told_when_the_transaction_rolls_back(
    app: Flask, mail_dir: Path, make_customer: Callable[..., Customer]
) -> None:
    from storefront import mail

    customer = make_customer()
    with app.app_context():
        mail.queue_customer_mail("account_frozen", "r1", customer.id, customer.store_id)
        db.session.rollback()
    drain(app)
    assert mails(mail_dir) == []
    with app.app_context():
        assert db.session.scalar(select(Notification.id)) is None
