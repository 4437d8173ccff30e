"""Events wired where they happen: real-name review outcomes, and a low balance (mailed once
per crossing of the threshold; a customer may turn that mail off, not the essential ones)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from storefront.accounts.models import Customer, RealnameStatus, RealnameSubmission, Staff
from storefront.backoffice import services as backoffice
from storefront.billing import services as billing
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.notifications import services
from storefront.notifications.models import Notification
from storefront.stores.models import Store
from storefront.stores.tenancy import set_current_store, store_context
from tests.notifications.conftest import mails, part, subjects
from tests.shop import drain


def _pending_case(customer: Customer) -> None:
    db.session.add(
        RealnameSubmission(
            customer_id=customer.id,
            store_id=customer.store_id,
            kind="individual",
            subject_name="张三",
            number_enc="-",
            masked="1101**********1234",
            status=RealnameStatus.PENDING,
            submitted_at=utcnow(),
        )
    )
    found = db.session.get(Customer, customer.id)
    assert found is not None
    found.realname_status = RealnameStatus.PENDING
    db.session.flush()


def test_a_real_name_review_mails_its_outcome_once(
    app: Flask,
    mail_dir: Path,
    make_customer: Callable[..., Customer],
    owner: Staff,
    default_store: Store,
) -> None:
    ann = make_customer(locale="en")
    bo = make_customer(locale="zh_Hans_CN")
    with app.app_context():
        store = db.session.get(Store, default_store.id)
        assert store is not None
        store.realname_review_local = True
        db.session.commit()
    with app.app_context():
        store = db.session.get(Store, default_store.id)
        assert store is not None
        set_current_store(store)
        staff = db.session.get(Staff, owner.id)
        assert staff is not None
        for who, approve in ((ann, True), (bo, False)):
            _pending_case(who)
            customer = db.session.get(Customer, who.id)
            assert customer is not None
            backoffice.review_realname(staff, customer, approve, "" if approve else "照片模糊")
            db.session.commit()
        store.realname_review_local = False
        db.session.commit()
    drain(app)
    drain(app)
    assert subjects(mail_dir, ann.email) == ["Your real-name verification passed"]
    assert subjects(mail_dir, bo.email) == ["您的实名认证未通过"]
    assert "照片模糊" in part(mails(mail_dir, bo.email)[0], "plain")


def _debit(app: Flask, customer: Customer, store: Store, amount: str, ref: str) -> None:
    with app.app_context(), store_context(store):
        found = db.session.get(Customer, customer.id)
        assert found is not None
        billing.debit(found, amount, "usage", ref)
        db.session.commit()


def test_a_low_balance_mails_once_per_crossing(
    app: Flask,
    mail_dir: Path,
    make_customer: Callable[..., Customer],
    give: Callable[[Customer, str], None],
    default_store: Store,
) -> None:
    customer = make_customer(locale="en")
    with app.app_context():
        services.set_store_threshold(default_store.id, "10.00")
        db.session.commit()
    give(customer, "100.00")
    _debit(app, customer, default_store, "95.00", "u1")  # 100 -> 5: crosses
    _debit(app, customer, default_store, "1.00", "u2")  # 5 -> 4: still below, no new crossing
    drain(app)
    assert subjects(mail_dir, customer.email) == ["Your balance is low: CN¥5.00"]
    assert "below CN¥10.00" in part(mails(mail_dir, customer.email)[0], "plain")
    give(customer, "50.00")  # 54: above again
    _debit(app, customer, default_store, "50.00", "u3")  # 54 -> 4: a second crossing
    drain(app)
    assert subjects(mail_dir, customer.email) == [
        "Your balance is low: CN¥4.00",
        "Your balance is low: CN¥5.00",
    ]


def test_a_customer_threshold_and_turning_the_mail_off(
    app: Flask,
    mail_dir: Path,
    make_customer: Callable[..., Customer],
    give: Callable[[Customer, str], None],
    default_store: Store,
    notify: Callable[..., None],
) -> None:
    customer = make_customer(locale="en")
    with app.app_context(), store_context(default_store):
        found = db.session.get(Customer, customer.id)
        assert found is not None
        services.set_preferences(found, threshold="50.00")  # no store threshold: their own
        db.session.commit()
    give(customer, "60.00")
    _debit(app, customer, default_store, "20.00", "a1")  # 60 -> 40
    drain(app)
    assert subjects(mail_dir, customer.email) == ["Your balance is low: CN¥40.00"]
    with app.app_context(), store_context(default_store):
        found = db.session.get(Customer, customer.id)
        assert found is not None
        services.set_preferences(found, muted=["low_balance"])
        db.session.commit()
    give(customer, "20.00")  # 60
    _debit(app, customer, default_store, "30.00", "a2")  # 60 -> 30: listed, not mailed
    notify(customer, "account_frozen", "f1")  # essential: mailed whatever the settings
    drain(app)
    assert subjects(mail_dir, customer.email) == [
        "Your account is frozen",
        "Your balance is low: CN¥40.00",
    ]
    with app.app_context():
        rows = db.session.scalars(
            select(Notification).where(Notification.event == "low_balance")
        ).all()
        assert len(rows) == 2 and sum(r.mail_skipped for r in rows) == 1


def test_the_owner_sets_the_stores_threshold(
    app: Flask,
    owner: Staff,
    make_staff: Callable[..., Staff],
    login: Callable[..., object],
    default_store: Store,
) -> None:
    import re

    browser = login(owner)
    page = browser.get("/staff/notifications").get_data(as_text=True)  # type: ignore[attr-defined]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    bad = browser.post(  # type: ignore[attr-defined]
        "/staff/notifications", data={"csrf_token": token.group(1), "low_balance_threshold": "-5"}
    )
    assert bad.status_code == 200 and "Enter an amount" in bad.get_data(as_text=True)
    browser.post(  # type: ignore[attr-defined]
        "/staff/notifications", data={"csrf_token": token.group(1), "low_balance_threshold": "30"}
    )
    with app.app_context():
        assert str(services.store_threshold(default_store.id)) == "30.00"
    support = login(make_staff())
    assert support.get("/staff/notifications").status_code == 403  # type: ignore[attr-defined]


def test_an_on_demand_order_that_fails_mails_failed_not_refunded(
    app: Flask,
    mail_dir: Path,
    make_buyer: Callable[..., Customer],
    make_quote: Callable[..., str],
    give: Callable[[Customer, str], None],
    default_store: Store,
) -> None:
    from storefront.billing import orders
    from storefront.billing.models import Job

    customer = make_buyer(locale="zh_Hans_CN")
    give(customer, "500.00")
    with app.app_context(), store_context(default_store):
        found = db.session.get(Customer, customer.id)
        assert found is not None
        order_id = int(
            orders.place_order(found, make_quote(customer, mode="on_demand"), "k-od")["id"]
        )
        db.session.commit()
        orders.refund_order(order_id, "no capacity")  # nothing was paid up front
        db.session.commit()
        db.session.query(Job).filter(Job.kind == "provision").delete()
        db.session.commit()
    drain(app)
    assert subjects(mail_dir, customer.email) == [
        f"已收到订单 #{order_id}",
        f"订单 #{order_id} 未能完成",
    ]
    failed = next(m for m in mails(mail_dir, customer.email) if "未能完成" in str(m["Subject"]))
    assert "未从您的钱包扣款" in part(failed, "plain")
