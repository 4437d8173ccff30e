"""Mails a customer expects for what they did, each sent once per event (after the change
commits, by the worker), in the customer's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from storefront import mail
from storefront.accounts.models import Customer, Staff
from storefront.backoffice import customer_freeze as backoffice
from storefront.billing import orders, remittance, topup
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.stores.tenancy import store_context
from tests.billing.test_topup import SECRET, notify, pay, shopper, start
from tests.shop import drain

__all__ = ["shopper"]


def mails(mail_dir: Path) -> list[EmailMessage]:
    found = []
    for path in sorted(mail_dir.glob("*.eml")):
        found.append(message_from_bytes(path.read_bytes(), policy=policy.default))
    return found  # type: ignore[return-value]


def subjects(mail_dir: Path, to: str) -> list[str]:
    return sorted(str(m["Subject"]) for m in mails(mail_dir) if m["To"] == to)


def body_of(mail_dir: Path, subject: str) -> str:
    for m in mails(mail_dir):
        if str(m["Subject"]) == subject:
            part = m.get_body(("plain",))
            assert part is not None
            return str(part.get_content())
    raise AssertionError(f"no mail {subject!r}")


def place(app: Flask, customer: Customer, quote_id: str, default_store: Store) -> int:
    with app.app_context(), store_context(default_store):
        found = db.session.get(Customer, customer.id)
        assert found is not None
        return int(orders.place_order(found, quote_id, "key-" + quote_id)["id"])


def test_an_order_mails_when_placed_and_when_active_once_each(
    app: Flask,
    mail_dir: Path,
    buyer: Customer,
    make_quote: Callable[..., str],
    give: Callable[[Customer, str], None],
    default_store: Store,
) -> None:
    give(buyer, "5000.00")
    order_id = place(app, buyer, make_quote(buyer), default_store)
    assert subjects(mail_dir, buyer.email) == []  # nothing before the worker runs
    drain(app)
    assert subjects(mail_dir, buyer.email) == [
        f"Order #{order_id} is ready",
        f"Order #{order_id} received",
    ]
    assert "CN¥" in body_of(mail_dir, f"Order #{order_id} received")
    # the same events queued again (a retried caller, a re-run of the step): no second mail
    with app.app_context():
        mail.queue_customer_mail("order_active", order_id, buyer.id, buyer.store_id)
        mail.queue_customer_mail("order_placed", order_id, buyer.id, buyer.store_id)
        db.session.commit()
    drain(app)
    assert len(subjects(mail_dir, buyer.email)) == 2


def test_a_refund_mails_once_in_the_customers_language(
    app: Flask,
    mail_dir: Path,
    make_buyer: Callable[..., Customer],
    make_quote: Callable[..., str],
    give: Callable[[Customer, str], None],
    default_store: Store,
) -> None:
    customer = make_buyer(locale="zh_Hans_CN")
    give(customer, "5000.00")
    order_id = place(app, customer, make_quote(customer), default_store)
    with app.app_context(), store_context(default_store):
        orders.refund_order(order_id, "no capacity")
        db.session.commit()
        orders.refund_order(order_id, "no capacity")  # idempotent: one refund, one mail
        db.session.commit()
    with app.app_context():
        from storefront.billing.models import Job

        db.session.query(Job).filter(Job.kind == "provision").delete()
        db.session.commit()
    drain(app)
    got = subjects(mail_dir, customer.email)
    assert got == [f"已收到订单 #{order_id}", f"订单 #{order_id} 未能完成"]
    assert "¥" in body_of(mail_dir, f"订单 #{order_id} 未能完成")


def test_a_credited_top_up_mails_once(
    app: Flask, mail_dir: Path, shopper: FlaskClient, customer: Customer
) -> None:
    _, body, headers = pay(shopper, start(shopper, "50.00"))
    assert notify(shopper, body, headers)["outcome"] == "credited"
    again = topup.signed_headers(SECRET, body)  # the gateway retries: already paid
    assert notify(shopper, body, again)["outcome"] == "already_paid"
    drain(app)
    assert subjects(mail_dir, customer.email) == ["Your top-up of CN¥50.00 arrived"]


def test_claims_and_freezes_mail_the_customer(
    app: Flask,
    mail_dir: Path,
    customer: Customer,
    owner: Staff,
    default_store: Store,
) -> None:
    with app.app_context(), store_context(default_store):
        me = db.session.get(Customer, customer.id)
        staff = db.session.get(Staff, owner.id)
        assert me is not None and staff is not None
        # bank transfer is offered once the store has given its bank details
        remittance.update_billing_settings(
            staff, bank_name="ICBC Shenzhen", bank_account="6222 0000 1111", bank_holder="Blue Co"
        )
        db.session.commit()
        first = remittance.submit_claim(me, "300.00", date.today(), "Zhang San", "SERIAL-1")
        db.session.commit()
        second = remittance.submit_claim(me, "20.00", date.today(), "Zhang San", "SERIAL-2")
        db.session.commit()
        remittance.approve_claim(first.id, staff)
        db.session.commit()
        remittance.reject_claim(second.id, staff, "No such transfer on our statement")
        db.session.commit()
        backoffice.freeze_customer(staff, me, "unpaid invoice")
        backoffice.unfreeze_customer(staff, me, "paid")
        db.session.commit()
    drain(app)
    assert subjects(mail_dir, customer.email) == [
        "Your account is active again",
        "Your account is frozen",
        "Your bank transfer claim was not accepted",
        "Your bank transfer of CN¥300.00 was credited",
    ]
    rejected = body_of(mail_dir, "Your bank transfer claim was not accepted")
    assert "No such transfer on our statement" in rejected and "CN¥20.00" in rejected


def test_an_unknown_event_is_refused(app: Flask) -> None:
    import pytest

    with app.app_context(), pytest.raises(ValueError):
        mail.queue_customer_mail("nope", 1, 1, 1)


def test_an_area_registers_its_own_mail_events_once(
    app: Flask, mail_dir: Path, buyer: Customer
) -> None:
    from flask_babel import lazy_gettext as _l

    texts = (_l("Note %(ref)s"), _l("Something happened to %(ref)s."))
    mail.register_customer_events({"test_area_note": texts})
    mail.register_customer_events({"test_area_note": texts})  # the same module imported again
    assert "test_area_note" in mail.customer_events()
    try:
        mail.register_customer_events({"order_active": texts})
    except ValueError as error:
        assert "order_active" in str(error)
    else:
        raise AssertionError("an area replaced another area's event")
    with app.app_context():
        mail.queue_customer_mail("test_area_note", "r1", buyer.id, buyer.store_id, ref="R-1")
        db.session.commit()
    drain(app)
    assert subjects(mail_dir, buyer.email) == ["Note R-1"]
    assert "Something happened to R-1." in body_of(mail_dir, "Note R-1")
