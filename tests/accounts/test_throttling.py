"""Throttling that counts what is attacked (issue #14 item 3) and argon2 rehash on login.

Counters follow the account (whatever the address and route), the address (whatever the
account), the store; mails are counted per account and sent by the worker. The per-route
Flask-Limiter rates are raised out of the way here so that what is tested is the new counters.
"""

from __future__ import annotations

import email
import os
import time
import uuid
from email import policy
from pathlib import Path
from typing import Any

import pyotp
import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from storefront.accounts import crypto, services
from storefront.accounts.models import Customer, Staff
from storefront.accounts.passwords import needs_rehash, verify_password
from storefront.billing.models import Job
from storefront.extensions import db as _db
from storefront.stores.tenancy import store_context
from tests.accounts.helpers import registration, run_jobs
from tests.builders import PASSWORD

ROUTE_RATES = {
    "ACCOUNTS_LIMIT_LOGIN": "1000 per minute",
    "ACCOUNTS_LIMIT_RESET": "1000 per minute",
    "ACCOUNTS_LIMIT_OTP": "1000 per minute",
    "WTF_CSRF_ENABLED": False,
}
WRONG = "wrong-passw0rd-1"


def _app(extra_app: Any, **overrides: Any) -> Any:
    return extra_app(**ROUTE_RATES, **overrides)


def _ip(n: int) -> dict[str, str]:
    return {"REMOTE_ADDR": f"10.0.{n // 250}.{n % 250 + 1}"}


def _token(client: Any, email: str, password: str, n: int = 0, **extra: Any) -> Any:
    body = {"email": email, "password": password, **extra}
    return client.post("/api/v1/auth/token", json=body, environ_base=_ip(n))


def _page_login(client: Any, email: str, password: str, n: int = 0, path: str = "/login") -> Any:
    return client.post(path, data={"email": email, "password": password}, environ_base=_ip(n))


def _mails(mail_dir: Path) -> list[Any]:
    files = sorted(mail_dir.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    return [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]


# --------------------------------------------------------------------------- sign-in


def test_failures_on_one_account_from_six_addresses_lock_it_and_mail_its_owner(
    extra_app: Any, make_customer: Any, mail_dir: Path
) -> None:
    app = _app(extra_app)  # defaults: 10 failures per 15 minutes lock for 15 minutes
    client = app.test_client()
    customer = make_customer()
    answers = []
    for n in range(60):  # six addresses, ten tries each, API and page alternating
        ip = n // 10
        if n % 2:
            answers.append(_token(client, customer.email, f"{WRONG}{n}", ip).status_code)
        else:
            answers.append(_page_login(client, customer.email, f"{WRONG}{n}", ip).status_code)
    assert answers[:10] == [200, 401] * 5  # the page shows its form with the error
    assert answers[10:] == [429] * 50

    # the right password does not open a locked account either, from a fresh address
    locked = _token(client, customer.email, PASSWORD, 99)
    assert locked.status_code == 429
    assert locked.get_json()["error"]["code"] == "too_many_attempts"
    assert 800 < int(locked.headers["Retry-After"]) <= 900
    page = _page_login(client, customer.email, PASSWORD, 98)
    assert page.status_code == 429 and int(page.headers["Retry-After"]) > 0
    assert b"Too many attempts" in page.data

    # the owner is told once (by the worker)
    assert _mails(mail_dir) == []
    run_jobs(app)
    (mail,) = _mails(mail_dir)
    assert mail["To"] == customer.email
    assert mail["Subject"] == "Your account was locked after failed sign-ins"
    assert "15 minutes" in mail.get_body(preferencelist=("plain",)).get_content()


def test_a_locked_unknown_email_answers_exactly_like_a_locked_account(
    extra_app: Any, make_customer: Any, mail_dir: Path
) -> None:
    app = _app(extra_app, STOREFRONT_LOGIN_ACCOUNT_LIMIT="3 per hour")
    client = app.test_client()
    customer = make_customer()
    answers: dict[str, list[Any]] = {}
    for address in (customer.email, "nobody-here@example.com"):
        answers[address] = [_token(client, address, WRONG, n) for n in range(5)]
    known, unknown = answers[customer.email], answers["nobody-here@example.com"]
    for a, b in zip(known, unknown, strict=True):
        assert (a.status_code, a.data) == (b.status_code, b.data)
    assert [a.status_code for a in known] == [401, 401, 401, 429, 429]
    waits = [int(a.headers["Retry-After"]) for a in known[3:] + unknown[3:]]
    assert all(895 <= wait <= 900 for wait in waits)
    run_jobs(app)
    assert [m["To"] for m in _mails(mail_dir)] == [customer.email]  # nobody to tell otherwise


def test_the_lock_expires(extra_app: Any, make_customer: Any) -> None:
    app = _app(
        extra_app, STOREFRONT_LOGIN_ACCOUNT_LIMIT="2 per hour", STOREFRONT_LOGIN_LOCKOUT_S="1"
    )
    client = app.test_client()
    customer = make_customer()
    assert [_token(client, customer.email, WRONG).status_code for _ in range(2)] == [401, 401]
    assert _token(client, customer.email, PASSWORD).status_code == 429
    time.sleep(1.2)
    assert _token(client, customer.email, PASSWORD).status_code == 200
    assert _token(client, customer.email, WRONG).status_code == 401  # still over: locks again
    assert _token(client, customer.email, PASSWORD).status_code == 429


def test_the_second_factor_and_the_page_share_the_accounts_counter(
    extra_app: Any, make_customer: Any, default_store: Any
) -> None:
    app = _app(extra_app, STOREFRONT_LOGIN_ACCOUNT_LIMIT="4 per hour")
    client = app.test_client()
    customer = make_customer()
    with app.test_request_context(), store_context(default_store):
        principal = _db.session.get(Customer, customer.id)
        services.begin_totp(principal)
        secret = crypto.decrypt(principal.totp_secret_enc)
        services.confirm_totp(principal, pyotp.TOTP(secret).now())
        _db.session.commit()
    # two wrong codes after the right password (API), one on the page's 2FA step
    assert _token(client, customer.email, PASSWORD, 1, otp="000000").status_code == 401
    assert _token(client, customer.email, PASSWORD, 2, otp="999999").status_code == 401
    assert _page_login(client, customer.email, PASSWORD, 3).status_code == 302
    step = client.post("/login/2fa", data={"code": "123456"}, environ_base=_ip(3))
    assert step.status_code == 200 and b"The code is wrong" in step.data
    # one wrong password on the page: four failures, the account is locked everywhere
    assert _page_login(client, customer.email, WRONG, 4).status_code == 200
    assert _page_login(client, customer.email, PASSWORD, 5).status_code == 429
    code = pyotp.TOTP(secret).now()
    assert _token(client, customer.email, PASSWORD, 6, otp=code).status_code == 429


def test_staff_pages_and_tokens_share_one_counter(extra_app: Any, make_staff: Any) -> None:
    app = _app(extra_app, STOREFRONT_LOGIN_ACCOUNT_LIMIT="4 per hour")
    client = app.test_client()
    staff = make_staff()
    body = {"email": staff.email, "password": WRONG}
    for n in range(2):
        assert _page_login(client, staff.email, WRONG, n, "/admin/login").status_code == 200
        api = client.post("/api/v1/admin/auth/token", json=body, environ_base=_ip(10 + n))
        assert api.status_code == 401
    right = {"email": staff.email, "password": PASSWORD}
    api = client.post("/api/v1/admin/auth/token", json=right, environ_base=_ip(20))
    assert api.status_code == 429 and int(api.headers["Retry-After"]) > 0
    assert _page_login(client, staff.email, PASSWORD, 21, "/admin/login").status_code == 429


def test_one_address_spraying_sixty_accounts_is_throttled(
    extra_app: Any, make_customer: Any
) -> None:
    app = _app(extra_app)  # default: 30 failures per 15 minutes from one address
    client = app.test_client()
    customer = make_customer()
    answers = [_token(client, f"spray{n}@example.com", WRONG, 7).status_code for n in range(60)]
    assert answers == [401] * 30 + [429] * 30
    assert _page_login(client, customer.email, PASSWORD, 7).status_code == 429  # every route
    assert _token(client, customer.email, PASSWORD, 8).status_code == 200  # other addresses


# --------------------------------------------------------------------------- registration


def test_thirty_registrations_from_one_address_are_throttled(
    extra_app: Any, default_store: Any, sandbox: Any
) -> None:
    app = _app(extra_app)  # default: 10 per hour per address
    client = app.test_client()
    answers = [
        client.post("/api/v1/customers", json=registration(), environ_base=_ip(1))
        for _ in range(30)
    ]
    assert [a.status_code for a in answers] == [201] * 10 + [429] * 20
    assert answers[-1].get_json()["error"]["code"] == "too_many_attempts"
    assert int(answers[-1].headers["Retry-After"]) > 0
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Customer)) == 10
    other = client.post("/api/v1/customers", json=registration(), environ_base=_ip(2))
    assert other.status_code == 201


def test_registrations_per_store_per_hour_on_the_api_and_the_page(
    extra_app: Any, default_store: Any, sandbox: Any
) -> None:
    app = _app(extra_app, STOREFRONT_REGISTER_STORE_LIMIT="3 per hour")
    client = app.test_client()
    answers = [
        client.post("/api/v1/customers", json=registration(), environ_base=_ip(n)).status_code
        for n in range(4)
    ]
    assert answers == [201, 201, 201, 429]
    form = {**registration(), "phone_code": "+86", "accept_terms": "y"}
    form["consent_personal_info"] = "y"
    page = client.post("/register", data=form, environ_base=_ip(9))
    assert page.status_code == 429 and b"Too many attempts" in page.data
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Customer)) == 3


# --------------------------------------------------------------------------- mails


def test_reset_answers_are_identical_and_the_mail_comes_from_the_worker(
    extra_app: Any, make_customer: Any, mail_dir: Path
) -> None:
    app = _app(extra_app)
    client = app.test_client()
    customer = make_customer()
    client.get("/forgot-password")
    known = client.post("/forgot-password", data={"email": customer.email})
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Job)) == 1
    unknown = client.post("/forgot-password", data={"email": "nobody-here@example.com"})
    with app.app_context():  # the same work: one queued job each, no mail yet
        assert _db.session.scalar(select(func.count()).select_from(Job)) == 2
    assert _mails(mail_dir) == []
    assert (known.status_code, known.location, known.data) == (
        unknown.status_code,
        unknown.location,
        unknown.data,
    )
    assert known.status_code == 302
    # the same headers; only those that vary with each answer have other values
    assert [name for name, _ in known.headers] == [name for name, _ in unknown.headers]
    varying = {"Date", "Set-Cookie", "Content-Security-Policy", "Retry-After"}
    varying |= {"X-RateLimit-Remaining", "X-RateLimit-Reset"}  # the address's route rate
    assert [h for h in known.headers if h[0] not in varying] == [
        h for h in unknown.headers if h[0] not in varying
    ]
    assert run_jobs(app) == 2
    (mail,) = _mails(mail_dir)
    assert mail["To"] == customer.email
    assert "/reset-password/" in mail.get_body(preferencelist=("plain",)).get_content()


def test_fifty_nine_reset_requests_send_at_most_three_mails(
    extra_app: Any, make_customer: Any, mail_dir: Path
) -> None:
    app = _app(extra_app)  # default: 3 reset mails per account per hour
    client = app.test_client()
    customer = make_customer()
    for n in range(59):
        answer = client.post(
            "/forgot-password", data={"email": customer.email.upper()}, environ_base=_ip(n)
        )
        assert answer.status_code == 302
    run_jobs(app)
    assert [m["To"] for m in _mails(mail_dir)] == [customer.email] * 3


def test_verification_mails_per_account_per_hour(
    extra_app: Any, default_store: Any, sandbox: Any, mail_dir: Path
) -> None:
    app = _app(extra_app, STOREFRONT_ACCOUNT_MAIL_LIMIT="2 per hour")
    client = app.test_client()
    body = registration()
    assert (
        client.post(
            "/register",
            data={**body, "phone_code": "+86", "accept_terms": "y", "consent_personal_info": "y"},
        ).status_code
        == 302
    )
    for _ in range(5):
        assert client.post("/account/verify/resend").status_code == 302
    run_jobs(app)
    assert [m["To"] for m in _mails(mail_dir)] == [body["email"]] * 2


# --------------------------------------------------------------------------- rehash


def test_a_hash_with_older_argon2_parameters_is_replaced_on_login(
    extra_app: Any, make_customer: Any, make_staff: Any, default_store: Any
) -> None:
    app = _app(extra_app)
    client = app.test_client()
    old = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    assert needs_rehash(old)
    customer, staff = make_customer(), make_staff()
    with app.app_context(), store_context(default_store):
        _db.session.get(Customer, customer.id).password_hash = old
        _db.session.get(Staff, staff.id).password_hash = old
        _db.session.commit()
    assert _token(client, customer.email, PASSWORD).status_code == 200
    assert _page_login(client, staff.email, PASSWORD, 1, "/admin/login").status_code == 302
    with app.app_context(), store_context(default_store):
        for principal in (_db.session.get(Customer, customer.id), _db.session.get(Staff, staff.id)):
            assert principal.password_hash != old
            assert not needs_rehash(principal.password_hash)
            assert verify_password(principal.password_hash, PASSWORD)
    assert _token(client, customer.email, PASSWORD).status_code == 200  # and it still works


# --------------------------------------------------------------------------- Redis


def test_app_servers_share_counters_in_redis(extra_app: Any, make_customer: Any) -> None:
    url = os.environ.get("STOREFRONT_TEST_REDIS_URL")
    if not url:
        pytest.skip("set STOREFRONT_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/14)")
    settings = {"STOREFRONT_REDIS_URL": url, "STOREFRONT_LOGIN_ACCOUNT_LIMIT": "4 per hour"}
    first, second = _app(extra_app, **settings), _app(extra_app, **settings)
    customer = make_customer(email=f"redis-{uuid.uuid4().hex[:12]}@example.com")
    a, b = first.test_client(), second.test_client()
    for n in range(2):
        assert _token(a, customer.email, WRONG, n).status_code == 401
        assert _token(b, customer.email, WRONG, 10 + n).status_code == 401
    assert _token(a, customer.email, PASSWORD, 20).status_code == 429
    assert _token(b, customer.email, PASSWORD, 21).status_code == 429


def test_mails_from_the_worker_are_in_the_recipients_language(
    extra_app: Any, make_customer: Any, mail_dir: Path
) -> None:
    app = _app(extra_app, STOREFRONT_LOGIN_ACCOUNT_LIMIT="1 per hour")
    client = app.test_client()
    customer = make_customer(locale="zh_Hans_CN")
    client.post("/forgot-password", data={"email": customer.email})
    assert _token(client, customer.email, WRONG).status_code == 401  # and now locked
    run_jobs(app)
    subjects = sorted(str(m["Subject"]) for m in _mails(mail_dir))
    assert subjects == ["多次登录失败，您的账号已被锁定", "重置密码"]


def test_an_unreachable_counter_store_lets_sign_in_through(
    extra_app: Any, make_customer: Any
) -> None:
    app = _app(extra_app, STOREFRONT_REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens
    client = app.test_client()
    customer = make_customer()
    assert _token(client, customer.email, WRONG).status_code == 401
    assert _token(client, customer.email, PASSWORD).status_code == 200


def test_throttle_settings_are_validated() -> None:
    from storefront.config import ConfigError, load_settings

    environ = {
        "STOREFRONT_ENV": "testing",
        "STOREFRONT_LOGIN_ACCOUNT_LIMIT": "lots",
        "STOREFRONT_LOGIN_LOCKOUT_S": "0",
    }
    with pytest.raises(ConfigError) as raised:
        load_settings(environ=environ)
    assert "STOREFRONT_LOGIN_ACCOUNT_LIMIT" in str(raised.value)
    assert "STOREFRONT_LOGIN_LOCKOUT_S" in str(raised.value)
    environ = {"STOREFRONT_ENV": "testing", "STOREFRONT_REGISTER_IP_LIMIT": "2/minute"}
    assert load_settings(environ=environ).throttle.register_ip == "2/minute"


def test_a_locked_account_sees_a_generic_message_in_the_browser(
    app: Any, live_server: Any, make_customer: Any, new_page: Any, shot: Any
) -> None:
    from playwright.sync_api import expect

    customer = make_customer()
    client = app.test_client()  # the live server's app: the same counters
    for n in range(10):
        assert _token(client, customer.email, f"{WRONG}{n}", n).status_code == 401
    for locale, message in (("en-US", "Too many attempts"), ("zh-CN", "尝试次数过多")):
        page = new_page(locale=locale)
        page.goto(live_server.url + "/login")
        page.locator("#email").fill(customer.email)
        page.locator("#password").fill(PASSWORD)
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.locator("main form button[type=submit]").click()
        assert answer.value.status == 429
        expect(page.get_by_role("alert").first).to_contain_text(message)
        assert "/login" in page.url
        shot(page, f"login-locked-{locale}")


def test_ipv6_addresses_are_counted_by_their_64_network(extra_app: Any) -> None:
    app = _app(extra_app, STOREFRONT_LOGIN_IP_LIMIT="5 per hour")
    client = app.test_client()
    body = {"email": "someone@example.com", "password": WRONG}

    def attempt(n: int, net: str = "2001:db8:0:1") -> int:
        environ = {"REMOTE_ADDR": f"{net}::{n:x}"}
        return int(client.post("/api/v1/auth/token", json=body, environ_base=environ).status_code)

    assert [attempt(n) for n in range(1, 8)] == [401] * 5 + [429] * 2
    assert attempt(1, "2001:db8:0:2") == 401  # the next /64 is someone else
