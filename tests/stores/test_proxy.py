"""Behind a reverse proxy: STOREFRONT_PROXY_HOPS trusts that many X-Forwarded-For/-Proto hops."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import select

from storefront.backoffice.models import AuditEntry
from storefront.extensions import db
from tests.builders import PASSWORD

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CLIENT_IP = "203.0.113.7"


def _log_in(app: Flask, email: str, headers: dict[str, str]) -> None:
    client = app.test_client()
    page = client.get("/login", headers=headers).get_data(as_text=True)
    token = CSRF.search(page)
    assert token
    answer = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)},
        headers=headers,
    )
    assert answer.status_code == 302


def _login_ips(app: Flask) -> list[str | None]:
    with app.app_context():
        query = select(AuditEntry.ip).where(AuditEntry.action == "customer.login")
        return list(db.session.scalars(query.execution_options(all_stores=True)))


@pytest.mark.parametrize(("hops", "expected"), [("1", CLIENT_IP), ("0", "127.0.0.1")])
def test_the_audit_log_records_the_forwarded_client_ip_only_with_hops(
    make_app: Callable[..., Flask], make_customer: Any, hops: str, expected: str
) -> None:
    app = make_app(STOREFRONT_PROXY_HOPS=hops)
    customer = make_customer()
    _log_in(app, customer.email, {"X-Forwarded-For": f"198.51.100.1, {CLIENT_IP}"})
    assert _login_ips(app) == [expected]


def test_rate_limits_count_per_forwarded_client(
    make_app: Callable[..., Flask], default_store: Any
) -> None:
    body = {"email": "someone@example.com", "password": "wrong-password-1"}

    def tries(app: Flask) -> list[int]:
        client = app.test_client()
        return [
            client.post(
                "/api/v1/auth/token", json=body, headers={"X-Forwarded-For": f"203.0.113.{n}"}
            ).status_code
            for n in range(4)
        ]

    # four clients behind one proxy: each has its own budget of two tries
    proxied = make_app(STOREFRONT_PROXY_HOPS="1", ACCOUNTS_LIMIT_LOGIN="2 per minute")
    assert tries(proxied) == [401, 401, 401, 401]
    # without hops the header is ignored: one address (the proxy's), one budget
    direct = make_app(ACCOUNTS_LIMIT_LOGIN="2 per minute", RATELIMIT_KEY_PREFIX="direct")
    assert tries(direct) == [401, 401, 429, 429]


@pytest.fixture
def production(make_app: Callable[..., Flask]) -> Callable[..., Flask]:
    def build(**overrides: Any) -> Flask:
        return make_app(
            STOREFRONT_ENV="production",
            STOREFRONT_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
            STOREFRONT_CONSOLE_BRIDGE="off",
            **overrides,
        )

    return build


def test_forwarded_https_gives_hsts_and_secure_cookies(
    production: Callable[..., Flask], default_store: Any
) -> None:
    https = {"X-Forwarded-Proto": "https"}
    proxied = production(STOREFRONT_PROXY_HOPS="1").test_client()
    page = proxied.get("/login", headers=https)
    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    [cookie] = [c for c in page.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "; Secure" in cookie and "; HttpOnly" in cookie
    # without hops a client's X-Forwarded-Proto means nothing
    direct = production().test_client().get("/login", headers=https)
    assert direct.status_code == 200 and "Strict-Transport-Security" not in direct.headers
    # and plain http through the proxy is not HTTPS either
    assert "Strict-Transport-Security" not in proxied.get("/login").headers
