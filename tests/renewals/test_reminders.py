"""Reminders follow the store's setting and the customer's language: a Chinese customer whose
server expires in under 3 days gets the 3-day reminder in Chinese, once; auto-renew's top-up
request when the wallet is empty too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from storefront.accounts.models import Customer
from storefront.billing import reconcile
from storefront.renewals.jobs import scan_all
from tests.billing.test_customer_mails import subjects
from tests.renewals.conftest import balance, drain, token


def test_the_reminder_and_the_top_up_request_in_the_customers_language(
    app: Flask, client: Any, make_buyer: Callable[..., Customer],
    bought: Callable[..., list[dict[str, Any]]], time_travel: Callable[[timedelta], None],
    mail_dir: Path, give: Callable[..., None],
) -> None:  # fmt: skip
    customer = make_buyer(locale="zh_Hans_CN")
    [server] = bought(customer)
    with app.app_context():
        reconcile.sync_resources()
    headers = token(client, customer)
    shown = client.get(f"/api/v1/resources/{server['id']}", headers=headers).get_json()
    expires = datetime.fromisoformat(shown["expires_at"])
    time_travel(expires - timedelta(days=3) + timedelta(hours=1) - datetime.now(UTC))
    for _ in range(2):
        with app.app_context():
            scan_all()
        drain(app)
    assert subjects(mail_dir, customer.email).count(f"{server['name']} 将在 3 天后到期") == 1

    headers = token(client, customer)
    on = client.put(f"/api/v1/resources/{server['id']}/auto-renew",
                    json={"enabled": True}, headers=headers)  # fmt: skip
    assert on.status_code == 200, on.get_json()
    give(customer, f"-{balance(app, customer)}")
    with app.app_context():
        scan_all()
    drain(app)
    assert f"请充值以续费 {server['name']}" in subjects(mail_dir, customer.email)


def test_the_last_reminder_cannot_be_turned_off_and_pay_per_use_gets_none(
    app: Flask, client: Any, make_buyer: Callable[..., Customer],
    bought: Callable[..., list[dict[str, Any]]], time_travel: Callable[[timedelta], None],
    mail_dir: Path,
) -> None:  # fmt: skip
    """A customer who turned the expiry reminders off still gets the last one (1 day before);
    a server set to switch to pay-per-use at expiry gets no reminder at all."""
    customer = make_buyer()
    [kept] = bought(customer)
    [switching] = [r for r in bought(customer) if r["id"] != kept["id"]]
    with app.app_context():
        reconcile.sync_resources()
    headers = token(client, customer)
    off = client.put("/api/v1/notifications/preferences",
                     json={"mail": {"resource_expiring": False}}, headers=headers)  # fmt: skip
    assert off.status_code == 200, off.get_json()
    ppu = client.put(f"/api/v1/resources/{switching['id']}/expiry-policy",
                     json={"at_expiry": "pay_per_use"}, headers=headers)  # fmt: skip
    assert ppu.status_code == 200, ppu.get_json()
    latest = max(
        datetime.fromisoformat(client.get(f"/api/v1/resources/{r['id']}",
                                          headers=headers).get_json()["expires_at"])
        for r in (kept, switching)
    )  # fmt: skip

    for days in (3, 1):
        time_travel(latest - timedelta(days=days) + timedelta(hours=1) - datetime.now(UTC))
        with app.app_context():
            scan_all()
        drain(app)
    mailed = subjects(mail_dir, customer.email)
    assert f"{kept['name']} expires in 3 days" not in mailed  # turned off
    assert mailed.count(f"{kept['name']} expires in 1 days") == 1  # the last one stays on
    assert not [s for s in mailed if s.startswith(f"{switching['name']} expires")]
