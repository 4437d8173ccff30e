"""Per-route request rates (``storefront.ratelimit``): only views marked ``@rate_limited`` are
counted, refused or given limit headers; every other request runs none of it."""

from __future__ import annotations

from typing import Any

from flask import Flask


def test_a_limited_route_counts_and_an_unlimited_one_is_left_alone(
    app: Flask, default_store: Any
) -> None:
    client = app.test_client()
    limited = client.post("/api/v1/auth/token", json={"email": "x@example.com", "password": "x"})
    assert limited.status_code == 401
    assert limited.headers["X-RateLimit-Limit"] and limited.headers["X-RateLimit-Remaining"]
    free = client.get("/healthz")
    assert free.status_code == 200 and "X-RateLimit-Limit" not in free.headers


def test_the_limited_route_still_refuses_once_its_limit_is_spent(
    make_app: Any, app: Flask, default_store: Any
) -> None:
    tight = make_app(ACCOUNTS_LIMIT_LOGIN="2 per minute")
    client = tight.test_client()
    answers = [
        client.post("/api/v1/auth/token", json={"email": "x@example.com", "password": "x"})
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [401, 401, 429]


def test_no_request_hook_counts_for_the_limits(app: Flask) -> None:
    """The limits are checked by the decorated views themselves: no hook of the app runs rate
    limiting code on every request (Flask-Limiter registered three)."""
    hooks = [
        hook
        for table in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
        for funcs in table.values()
        for hook in funcs
    ]
    assert hooks, "the app has request hooks of its own"
    limiting = [repr(hook) for hook in hooks if "limit" in repr(hook).lower()]
    assert limiting == []


def test_stacked_limits_count_each_on_its_own(
    make_app: Any, app: Flask, default_store: Any, sandbox: Any
) -> None:
    """The SMS route counts codes per number (only codes sent) and requests per address."""
    tight = make_app(ACCOUNTS_LIMIT_SMS="1 per minute", ACCOUNTS_LIMIT_SMS_IP="3 per minute")
    client = tight.test_client()

    def send(mobile: str) -> Any:
        return client.post("/api/v1/customers/verification-code", json={"phone": f"+86{mobile}"})

    first = send("13900000001")
    assert first.status_code == 202 and "X-RateLimit-Remaining" in first.headers
    again = send("13900000001")  # the number's limit: one code a minute
    assert again.status_code == 429 and again.get_json()["error"]["code"] == "too_many_attempts"
    assert send("13900000002").status_code == 202  # another number: its own budget
    assert send("13900000003").status_code == 429  # the address's budget (3) is spent


def test_a_refusal_is_in_the_callers_language(
    make_app: Any, app: Flask, default_store: Any
) -> None:
    tight = make_app(ACCOUNTS_LIMIT_LOGIN="1 per minute")
    client = tight.test_client()
    body = {"email": "x@example.com", "password": "x"}
    headers = {"Accept-Language": "zh-CN"}
    answers = [client.post("/api/v1/auth/token", json=body, headers=headers) for _ in range(2)]
    assert [a.status_code for a in answers] == [401, 429]
    message = answers[1].get_json()["error"]["message"]
    assert message and message != "Too many attempts. Please wait a while and try again."
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_an_unreachable_counter_store_lets_sign_in_through(
    make_app: Any, app: Flask, default_store: Any
) -> None:
    """Redis down: the request is answered as if there were no limit (logged), never a 500."""
    down = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0", ACCOUNTS_LIMIT_LOGIN="1 per day")
    client = down.test_client()
    body = {"email": "x@example.com", "password": "x"}
    answers = [client.post("/api/v1/auth/token", json=body) for _ in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert "X-RateLimit-Limit" not in answers[0].headers
