"""Rate limits for the sensitive account endpoints (Flask-Limiter, storage from config).

Limits are Flask config keys so tests and operators can tune them:
``ACCOUNTS_LIMIT_LOGIN`` (login and token calls, per IP + email), ``ACCOUNTS_LIMIT_RESET``,
``ACCOUNTS_LIMIT_VERIFY`` and ``ACCOUNTS_LIMIT_OTP`` (per IP); ``ACCOUNTS_LIMIT_SMS`` (registration
SMS codes, per IP + phone) and ``ACCOUNTS_LIMIT_SMS_IP`` (per IP).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from flask_limiter.util import get_remote_address

DEFAULTS = {
    "ACCOUNTS_LIMIT_LOGIN": "10 per minute;50 per hour",
    "ACCOUNTS_LIMIT_RESET": "5 per minute;20 per hour",
    "ACCOUNTS_LIMIT_VERIFY": "20 per minute",
    "ACCOUNTS_LIMIT_OTP": "10 per minute",
    "ACCOUNTS_LIMIT_SMS": "1 per minute;5 per hour",
    "ACCOUNTS_LIMIT_SMS_IP": "5 per minute;20 per hour",
}


def limit(name: str) -> Callable[[], str]:
    def value() -> str:
        configured: str = current_app.config.get(name) or DEFAULTS[name]
        return configured

    return value


def ip_and_email() -> str:
    """The caller's address plus the email it is trying (JSON body or form)."""
    if request.is_json:
        payload = request.get_json(silent=True)
        email = payload.get("email") if isinstance(payload, dict) else None
    else:
        email = request.form.get("email")
    return f"{get_remote_address()}|{str(email or '').strip().lower()}"


def ip_and_phone() -> str:
    """The caller's address plus the phone it wants a code for (JSON body or form)."""
    if request.is_json:
        payload = request.get_json(silent=True)
        phone = payload.get("phone") if isinstance(payload, dict) else None
    else:
        number = "".join(ch for ch in request.form.get("phone", "") if ch.isdigit())
        phone = f"{request.form.get('phone_code', '')}{number.lstrip('0')}"
    return f"{get_remote_address()}|{str(phone or '').strip()}"


def ip_only() -> str:
    return get_remote_address()
