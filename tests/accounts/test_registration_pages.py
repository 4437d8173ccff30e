"""The register page's "Send code" button (``POST /register/send-code``) without a browser."""

from __future__ import annotations

import re
import uuid
from typing import Any


def _csrf(client: Any) -> str:
    page = client.get("/register").get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found, "no CSRF token on /register"
    return found.group(1)


def test_send_code_to_a_mainland_mobile_keeps_the_form(
    client: Any, sandbox: Any, default_store: Any
) -> None:
    mobile = "136" + f"{uuid.uuid4().int % 10**8:08d}"
    form = {
        "csrf_token": _csrf(client),
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "phone_code": "+86",
        "phone": mobile,
        "country": "CN",
    }
    resp = client.post("/register/send-code", data=form)
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert f"We sent a verification code to +86{mobile}." in page
    assert 'value="Ada Lovelace"' in page and 'value="ada@example.com"' in page
    assert 'action="/register"' in page  # the form still registers
    assert re.fullmatch(r"\d{6}", sandbox.verification_code(mobile))


def test_send_code_to_another_number_says_none_is_needed(
    client: Any, sandbox: Any, default_store: Any
) -> None:
    form = {"csrf_token": _csrf(client), "phone_code": "+852", "phone": "91234567"}
    resp = client.post("/register/send-code", data=form)
    assert resp.status_code == 422
    assert "Only Chinese mainland mobile numbers (+86) get a code" in resp.get_data(as_text=True)


def test_send_code_needs_the_csrf_token(client: Any, default_store: Any) -> None:
    resp = client.post("/register/send-code", data={"phone_code": "+86", "phone": "13800138000"})
    assert resp.status_code == 400
