"""Helpers for the wallet tests: log in through the real pages, read form keys."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.builders import PASSWORD


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html
    ) or re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client: FlaskClient, email: str, staff: bool = False) -> None:
    path = "/admin/login" if staff else "/login"
    page = client.get(path).get_data(as_text=True)
    response = client.post(
        path, data={"email": email, "password": PASSWORD, "csrf_token": csrf(page)}
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]


def form_key(html: str) -> str:
    match = re.search(r'name="form_key" value="([^"]+)"', html)
    assert match
    return match.group(1)
