"""Each store's mail comes from its own sender: the owner sets name and address on the branding
page; replies go to the store's contact email; unset, the store's name and the global sender."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from storefront.accounts.models import StaffRole
from storefront.extensions import db
from storefront.mail import build_message, deliver
from storefront.stores.models import Store
from tests.accounts.helpers import run_jobs
from tests.staff import host_of


def _mails(mail_dir: Path) -> list[EmailMessage]:
    files = sorted(mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in files
    ]


def _forgot(app: Any, host: str, address: str) -> None:
    client = app.test_client()
    token = csrf_on(client, "/forgot-password", host)
    resp = client.post(
        "/forgot-password", data={"csrf_token": token, "email": address}, headers={"Host": host}
    )
    assert resp.status_code == 302
    run_jobs(app)  # the worker sends the mail


def csrf_on(client: Any, path: str, host: str) -> str:
    page = client.get(path, headers={"Host": host}).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found, page[:300]
    return found.group(1)


def _branding(name: str, **extra: str) -> dict[str, str]:
    return {
        "b-name": name,
        "b-primary_color": "#0b5394",
        "b-secondary_color": "#1f2937",
        "b-default_locale": "en",
        **extra,
    }


def test_two_stores_send_from_their_own_sender_with_reply_to_their_contact(
    app: Any,
    make_store: Any,
    make_staff: Any,
    make_customer: Any,
    login: Any,
    mail_dir: Path,
) -> None:
    acme, plain = make_store(name="Acme Cloud"), make_store(name="Plain Store")
    owner = make_staff(store=acme, role=StaffRole.OWNER)
    admin = login(owner, host=host_of(acme))
    token = csrf_on(admin, "/admin/branding", host_of(acme))
    # invalid sender and contact addresses are refused, with the field named
    resp = admin.post(
        "/admin/branding",
        data={
            "csrf_token": token,
            **_branding(
                "Acme Cloud",
                **{
                    "b-mail_from_name": "Acme\r\nBcc: x@evil.example",
                    "b-mail_from_address": "hello@acme",
                    "b-contact_email": "support at acme",
                },
            ),
        },
        headers={"Host": host_of(acme)},
    )
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert page.count("Enter an email address like support@example.com.") == 2
    assert "Use one line of at most 120 characters." in page
    resp = admin.post(
        "/admin/branding",
        data={
            "csrf_token": token,
            **_branding(
                "Acme Cloud",
                **{
                    "b-mail_from_name": "Acme Cloud Support",
                    "b-mail_from_address": "hello@acme.example",
                    "b-contact_email": "support@acme.example",
                },
            ),
        },
        headers={"Host": host_of(acme)},
    )
    assert resp.status_code == 302
    page = admin.get("/admin/branding", headers={"Host": host_of(acme)}).get_data(as_text=True)
    assert 'value="hello@acme.example"' in page and 'value="Acme Cloud Support"' in page

    a = make_customer(store=acme, email="ann@example.com")
    b = make_customer(store=plain, email="ann@example.com")
    _forgot(app, host_of(acme), a.email)
    _forgot(app, host_of(plain), b.email)
    first, second = _mails(mail_dir)
    assert first["From"].addresses[0].display_name == "Acme Cloud Support"
    assert first["From"].addresses[0].addr_spec == "hello@acme.example"
    assert first["Reply-To"] == "support@acme.example"
    assert first["Message-ID"].endswith("@acme.example>")
    # the other store: its own name, the global sender, no contact so no Reply-To
    assert second["From"].addresses[0].display_name == "Plain Store"
    assert second["From"].addresses[0].addr_spec == app.config["SETTINGS"].mail_from
    assert second["Reply-To"] is None

    with app.app_context():
        stored = db.session.get(Store, plain.id)
        assert stored is not None
        stored.contact_email = "help@plain.example"
        db.session.commit()
    _forgot(app, host_of(plain), b.email)
    assert _mails(mail_dir)[-1]["Reply-To"] == "help@plain.example"


def test_system_mail_without_a_store_keeps_the_global_sender(app: Any, mail_dir: Path) -> None:
    with app.test_request_context("/"):
        deliver(build_message(to="a@example.com", subject="Hi", text="x", sender_name="Ops"))
    (msg,) = _mails(mail_dir)
    assert msg["From"].addresses[0].display_name == "Ops"
    assert msg["From"].addresses[0].addr_spec == app.config["SETTINGS"].mail_from
    assert msg["Reply-To"] is None
