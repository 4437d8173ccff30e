"""The life of a monthly server with the clock moved (the sandbox's and the storefront's
together): bought -> the 15-day reminder (once) -> renewed by the customer -> auto-renew on,
renewed from the wallet 7 days before expiry -> too little money: mailed, not renewed, retried
the next day -> expired, then frozen, each explained on the resource page -> renewed in the
retention period -> unsubscribed with the refund of the unused part. The ledger checks out at
every step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask

from storefront.billing import reconcile
from storefront.renewals.jobs import scan_all
from tests.billing.test_customer_mails import subjects
from tests.renewals.conftest import Owned, balance, customer_client, drain, ledger_ok, token

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def _sync(app: Flask) -> None:
    with app.app_context():
        reconcile.sync_resources()


def _scan(app: Flask) -> None:
    with app.app_context():
        scan_all()
    drain(app)


def _shown(client: Any, owned: Owned) -> dict[str, Any]:
    found = client.get(f"/api/v1/resources/{owned.id}", headers=owned.headers)
    assert found.status_code == 200, found.get_json()
    body: dict[str, Any] = found.get_json()
    return body


def _expiry(client: Any, owned: Owned) -> datetime:
    return datetime.fromisoformat(_shown(client, owned)["expires_at"])


def _at(moment: datetime) -> timedelta:
    """The clock offset that makes now ``moment``."""
    return moment - datetime.now(UTC)


def test_buy_remind_renew_auto_renew_run_short_expire_and_unsubscribe(
    app: Flask, client: Any, owned: Owned, time_travel: Callable[[timedelta], None],
    mail_dir: Path, give: Callable[..., None],
) -> None:  # fmt: skip
    email, name = owned.customer.email, owned.resource["name"]

    def go(moment: datetime) -> None:
        time_travel(_at(moment))
        owned.headers = token(client, owned.customer)  # tokens expire as time moves

    _sync(app)
    first = _expiry(client, owned)
    ledger_ok(app)

    go(first - 15 * DAY + HOUR)  # day 15 before expiry: the reminder, once
    _scan(app)
    _scan(app)
    assert subjects(mail_dir, email).count(f"{name} expires in 15 days") == 1
    assert _shown(client, owned)["days_left"] == 15

    url = f"/api/v1/resources/{owned.id}"
    price = client.get(f"{url}/renewal-price?period_type=month&period=1", headers=owned.headers)
    wallet = balance(app, owned.customer)
    renewed = client.post(f"{url}/renew", json={"period_type": "month", "period": 1},
                          headers={**owned.headers, "Idempotency-Key": "k1"})  # fmt: skip
    assert renewed.status_code == 201, renewed.get_json()
    drain(app)
    _sync(app)
    second = _expiry(client, owned)
    assert second.isoformat() == price.get_json()["expires_at"] and second > first
    assert balance(app, owned.customer) == wallet - Decimal(price.get_json()["amount"])
    ledger_ok(app)

    on = client.put(f"{url}/auto-renew", json={"enabled": True, "period_type": "month",
                                                "period": 1}, headers=owned.headers)  # fmt: skip
    assert on.status_code == 200
    go(second - 7 * DAY + HOUR)  # the store's 7 days: renewed from the wallet
    wallet = balance(app, owned.customer)
    _scan(app)
    _sync(app)
    third = _expiry(client, owned)
    assert third > second and balance(app, owned.customer) < wallet
    assert f"{name} was renewed" in subjects(mail_dir, email)
    ledger_ok(app)

    give(owned.customer, f"-{balance(app, owned.customer)}")  # too little money
    go(third - 7 * DAY + HOUR)
    _scan(app)
    go(third - 6 * DAY + 2 * HOUR)  # retried the next day
    _scan(app)
    _sync(app)
    assert _expiry(client, owned) == third  # not renewed
    assert subjects(mail_dir, email).count(f"Top up to renew {name}") == 2
    ledger_ok(app)

    go(third + 2 * HOUR)  # expired: in the grace period
    _sync(app)
    browser = customer_client(app, owned)
    assert _shown(client, owned)["status"] == "expired"
    page = browser.get(f"/resources/{owned.id}").get_data(as_text=True)
    assert 'data-state="expired"' in page and "grace period" in page
    go(third + DAY + 3 * HOUR)  # frozen: the retention period
    _sync(app)
    browser = customer_client(app, owned)
    page = browser.get(f"/resources/{owned.id}").get_data(as_text=True)
    assert 'data-state="frozen"' in page and "Renew it to use it again" in page

    give(owned.customer, "1000.00")  # renewed in the retention period: back in use
    again = client.post(f"{url}/renew", json={"period_type": "month", "period": 1},
                        headers=owned.headers)  # fmt: skip
    assert again.status_code == 201, again.get_json()
    drain(app)
    _sync(app)
    assert _shown(client, owned)["status"] in ("active", "stopped")
    last_paid = Decimal(again.get_json()["total"])
    ledger_ok(app)

    quote = client.get(f"{url}/unsubscribe-quote", headers=owned.headers).get_json()
    refund = Decimal(quote["refund"])
    assert Decimal(0) < refund <= last_paid
    wallet = balance(app, owned.customer)
    gone = client.post(f"{url}/unsubscribe", headers={**owned.headers, "Idempotency-Key": "u1"})
    assert gone.status_code == 200, gone.get_json()
    assert gone.get_json() == {"refund": quote["refund"], "currency": quote["currency"],
                               "status": "done"}  # fmt: skip
    assert balance(app, owned.customer) == wallet + refund
    drain(app)
    assert f"{name} was unsubscribed" in subjects(mail_dir, email)
    assert _shown(client, owned)["status"] == "released"
    ledger_ok(app)
