"""The signed session cookie across a secret key rotation (``SECRET_KEY_FALLBACKS``)."""

from __future__ import annotations

from typing import Any


def test_a_login_survives_a_key_rotation_while_the_old_key_is_a_fallback(
    app: Any, login: Any, make_customer: Any
) -> None:
    """The session cookie is signed with the current key; an old key listed in
    SECRET_KEY_FALLBACKS still opens it, a key that was dropped does not."""
    client = login(make_customer())
    assert client.get("/account").status_code == 200
    old_key, old_fallbacks = app.secret_key, app.config["SECRET_KEY_FALLBACKS"]
    try:
        app.secret_key = "a-new-secret-key-that-is-long-enough-0123"
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        assert client.get("/account").status_code == 200
        app.config["SECRET_KEY_FALLBACKS"] = []
        gone = client.get("/account")
        assert gone.status_code == 302 and "/login" in gone.headers["Location"]
    finally:
        app.secret_key, app.config["SECRET_KEY_FALLBACKS"] = old_key, old_fallbacks
