"""Tokens, enumeration-proof errors, rate limits, 2FA, staff tokens, sessions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pyotp
from sqlalchemy import select

from storefront.accounts import crypto, services
from storefront.accounts.common import sha256_hex
from storefront.accounts.models import ApiToken, Customer, Staff
from storefront.clock import utcnow
from storefront.extensions import db as _db
from storefront.stores.tenancy import store_context
from tests.accounts.helpers import PASSWORD, token_for
from tests.builders import PASSWORD as BUILDER_PASSWORD


def test_same_answer_for_unknown_email_and_wrong_password(client: Any, make_customer: Any) -> None:
    customer = make_customer()
    wrong = client.post(
        "/api/v1/auth/token", json={"email": customer.email, "password": "wrong-password-1"}
    )
    unknown = client.post(
        "/api/v1/auth/token", json={"email": "nobody@example.com", "password": "wrong-password-1"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert wrong.get_json()["error"]["code"] == "invalid_credentials"


def test_token_reads_me_and_expires_at(client: Any, make_customer: Any) -> None:
    customer = make_customer()
    resp = client.post(
        "/api/v1/auth/token", json={"email": customer.email, "password": BUILDER_PASSWORD}
    )
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["expires_at"].endswith("+00:00")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json()["email"] == customer.email
    assert me.get_json()["balance"] == "0.00"
    assert client.get("/api/v1/me").status_code == 401
    # the session cookie never authenticates the API
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_a_tokens_last_use_is_kept_to_the_minute(
    app: Any, client: Any, make_customer: Any
) -> None:
    """The account page shows a token's last use to the minute: a token used again within the
    minute is not written again (its requests stay reads), one used later is."""
    customer = make_customer()
    raw = client.post(
        "/api/v1/auth/token", json={"email": customer.email, "password": BUILDER_PASSWORD}
    ).get_json()["token"]
    auth = {"Authorization": f"Bearer {raw}"}

    def last_use(set_to: timedelta | None = None) -> datetime | None:
        with app.app_context():
            digest = sha256_hex(raw)
            token = _db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
            assert token is not None
            if set_to is not None:
                token.last_used_at = utcnow() - set_to
                _db.session.commit()
            return token.last_used_at

    assert last_use() is None  # issued, not used yet
    assert client.get("/api/v1/me", headers=auth).status_code == 200
    first = last_use()
    assert first is not None and utcnow() - first < timedelta(seconds=30)
    recent = last_use(set_to=timedelta(seconds=30))
    assert client.get("/api/v1/me", headers=auth).status_code == 200
    assert last_use() == recent  # used again within the minute: unchanged
    last_use(set_to=timedelta(seconds=90))
    assert client.get("/api/v1/me", headers=auth).status_code == 200
    latest = last_use()
    assert latest is not None and utcnow() - latest < timedelta(seconds=30)


def test_rate_limit_answers_429_with_retry_after(extra_app: Any, app: Any) -> None:
    app = extra_app(ACCOUNTS_LIMIT_LOGIN="3 per minute")
    client = app.test_client()
    body = {"email": "someone@example.com", "password": "wrong-password-1"}
    for _ in range(3):
        with app.app_context():
            from storefront.stores.services import ensure_default_store

            ensure_default_store()
            _db.session.commit()
        assert client.post("/api/v1/auth/token", json=body).status_code == 401
    resp = client.post("/api/v1/auth/token", json=body)
    assert resp.status_code == 429
    assert resp.get_json()["error"]["code"] == "too_many_attempts"
    assert int(resp.headers["Retry-After"]) > 0


def _enable_totp(app: Any, store: Any, model: type, principal_id: int) -> tuple[str, list[str]]:
    with app.test_request_context(), store_context(store):
        principal = _db.session.get(model, principal_id)
        services.begin_totp(principal)
        secret = crypto.decrypt(principal.totp_secret_enc)
        codes = services.confirm_totp(principal, pyotp.TOTP(secret).now())
        principal.totp_last_step = None  # let the test reuse the current code once more
        _db.session.commit()
        return secret, codes


def test_totp_token_flow_with_recovery_codes(
    app: Any, client: Any, make_customer: Any, default_store: Any
) -> None:
    customer = make_customer()
    secret, codes = _enable_totp(app, default_store, Customer, customer.id)
    creds = {"email": customer.email, "password": BUILDER_PASSWORD}
    resp = client.post("/api/v1/auth/token", json=creds)
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "otp_required"
    assert client.post("/api/v1/auth/token", json={**creds, "otp": "000000"}).status_code == 401
    code = pyotp.TOTP(secret).now()
    ok = client.post("/api/v1/auth/token", json={**creds, "otp": code})
    assert ok.status_code == 200
    # the same code cannot be replayed (the same string: a new 30 s step must not hide a replay)
    replay = client.post("/api/v1/auth/token", json={**creds, "otp": code})
    assert replay.status_code == 401
    assert client.post("/api/v1/auth/token", json={**creds, "otp": codes[0]}).status_code == 200
    used = client.post("/api/v1/auth/token", json={**creds, "otp": codes[0]})
    assert used.status_code == 401


def test_staff_token_and_mandatory_2fa(
    app: Any, client: Any, make_staff: Any, default_store: Any
) -> None:
    staff = make_staff()
    creds = {"email": staff.email, "password": BUILDER_PASSWORD}
    assert client.post("/api/v1/admin/auth/token", json=creds).status_code == 200
    # a customer token endpoint does not know staff
    assert client.post("/api/v1/auth/token", json=creds).status_code == 401
    with app.app_context():
        services.set_staff_2fa_required(default_store.id, True)
        _db.session.commit()
    resp = client.post("/api/v1/admin/auth/token", json=creds)
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "otp_enrolment_required"
    secret, _codes = _enable_totp(app, default_store, Staff, staff.id)
    resp = client.post("/api/v1/admin/auth/token", json={**creds, "otp": pyotp.TOTP(secret).now()})
    assert resp.status_code == 200
    # a staff token is not a customer token
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {resp.get_json()['token']}"})
    assert me.status_code == 403


def test_log_out_everywhere_revokes_tokens(
    app: Any, client: Any, make_customer: Any, default_store: Any
) -> None:
    customer = make_customer()
    token = token_for(client, customer.email, BUILDER_PASSWORD)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with app.app_context(), store_context(default_store):
        services.log_out_everywhere(_db.session.get(Customer, customer.id))
        _db.session.commit()
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_password_reset_link_is_single_use(
    app: Any, client: Any, make_customer: Any, default_store: Any, mail_dir: Any
) -> None:
    from tests.accounts.helpers import mail_link, run_jobs

    customer = make_customer()
    with app.test_request_context(), store_context(default_store):
        services.request_password_reset(customer.email)
        services.request_password_reset("unknown@example.com")  # silently nothing
        _db.session.commit()
    run_jobs(app)
    assert len(list(mail_dir.glob("*.eml"))) == 1
    token = mail_link(mail_dir, "/reset-password/")
    with app.test_request_context(), store_context(default_store):
        services.reset_password(token, PASSWORD)
        _db.session.commit()
        try:
            services.reset_password(token, "another-passw0rd")
        except services.AccountError as exc:
            assert exc.code == "invalid_token"
        else:
            raise AssertionError("a reset link worked twice")
    assert token_for(client, customer.email, PASSWORD)


def test_rate_limit_still_applies_to_pages_and_only_to_limited_routes(extra_app: Any) -> None:
    app = extra_app(ACCOUNTS_LIMIT_LOGIN="2 per minute", WTF_CSRF_ENABLED=False)
    client = app.test_client()
    with app.app_context():
        from storefront.stores.services import ensure_default_store

        ensure_default_store()
        _db.session.commit()
    form = {"email": "someone@example.com", "password": "wrong-password-1"}
    remaining = []
    for _ in range(2):
        answer = client.post("/login", data=form)
        assert answer.status_code != 429 and answer.headers["X-RateLimit-Limit"] == "2"
        remaining.append(answer.headers["X-RateLimit-Remaining"])
    assert remaining == ["1", "0"]
    limited = client.post("/login", data=form)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    # routes without a limit are never counted or refused, and carry no limit headers
    for _ in range(5):
        page = client.get("/products")
        assert page.status_code == 200 and "X-RateLimit-Limit" not in page.headers
