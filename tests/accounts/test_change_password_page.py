"""Changing one's password on the account page: the browser stays signed in (a new session
for the customer object itself), and only the new password signs in afterwards."""

from __future__ import annotations

import re
from typing import Any

from storefront.accounts.models import Customer
from storefront.accounts.passwords import verify_password
from storefront.extensions import db
from tests.builders import PASSWORD
from tests.catalog.test_pages import login

NEW = "a new Passw0rd that is long"


def _token(client: Any) -> str:
    page = client.get("/account")
    assert page.status_code == 200
    found = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
    assert found is not None
    return found.group(1)


def test_changing_the_password_keeps_this_browser_signed_in(
    app: Any, client: Any, make_customer: Any
) -> None:
    customer = make_customer()
    login(client, customer)
    answer = client.post(
        "/account/password",
        data={"pw-current_password": PASSWORD, "pw-password": NEW},
        headers={"X-CSRFToken": _token(client)},
    )
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/account")
    assert client.get("/account").status_code == 200  # still signed in, on a new session
    with app.app_context():
        stored = db.session.get(Customer, customer.id)
        assert stored is not None and verify_password(stored.password_hash, NEW)
        assert not verify_password(stored.password_hash, PASSWORD)
