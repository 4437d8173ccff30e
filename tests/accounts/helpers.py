"""Shared helpers for account tests."""

from __future__ import annotations

import uuid
from typing import Any

from flask.testing import FlaskClient

PASSWORD = "s3cure-passw0rd"


def unique_name() -> str:
    return f"u{uuid.uuid4().hex[:12]}"


def registration(**overrides: Any) -> dict[str, Any]:
    name = unique_name()
    body = {
        "email": f"{name}@example.com",
        "password": PASSWORD,
        "name": name,
        "country": "CN",
        "accept_terms": True,
        "consent_personal_info": True,
    }
    body.update(overrides)
    return body


def register(client: FlaskClient, **overrides: Any) -> Any:
    return client.post("/api/v1/customers", json=registration(**overrides))


def token_for(client: FlaskClient, email: str, password: str = PASSWORD, **extra: Any) -> str:
    resp = client.post("/api/v1/auth/token", json={"email": email, "password": password, **extra})
    assert resp.status_code == 200, resp.get_json()
    token: str = resp.get_json()["token"]
    return token


def run_jobs(app: Any) -> int:
    """Run the queued jobs as ``flask storefront worker`` would (account mails are sent there)."""
    from storefront.billing import worker

    with app.app_context():
        return worker.run_pending()


def mail_link(path: Any, marker: str) -> str:
    """The token after ``marker`` in the (only) mail under ``path``."""
    import email
    import re
    from email import policy

    mails = sorted(path.glob("*.eml"), key=lambda p: p.stat().st_mtime)
    assert mails, "no mail sent"
    msg = email.message_from_bytes(mails[-1].read_bytes(), policy=policy.default)
    body = msg.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    found = re.search(re.escape(marker) + r"([\w.\-]+)", body)
    assert found, body
    return found.group(1)


def bank_card_realname(
    client: FlaskClient,
    headers: dict[str, str],
    sandbox: Any,
    *,
    name: str = "张三",
    id_number: str = "11010519491231002X",
) -> dict[str, Any]:
    """An individual real-name body for the bank-card route, with the SMS code the provider
    (the sandbox) sent to a fresh mobile through ``POST /api/v1/me/realname/verification-code``."""
    import secrets

    mobile = "139" + f"{secrets.randbelow(10**8):08d}"
    sent = client.post(
        "/api/v1/me/realname/verification-code", json={"mobile": mobile}, headers=headers
    )
    assert sent.status_code == 202, sent.get_json()
    return {
        "type": "individual",
        "name": name,
        "id_number": id_number,
        "bank_account": "6222020200112233445",
        "mobile": mobile,
        "verification_code": sandbox.verification_code(mobile),
    }
