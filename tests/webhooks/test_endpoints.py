"""The owner's endpoint pages, and what an endpoint may not point at (SSRF)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from storefront.config import ConfigError, load_settings
from storefront.webhooks import transport
from tests.webhooks.conftest import Receiver, csrf


def _add(client: FlaskClient, url: str, events: list[str]) -> str:
    page = client.get("/admin/webhooks/new").get_data(as_text=True)
    answer = client.post(
        "/admin/webhooks/new", data={"url": url, "events": events, "csrf_token": csrf(page)}
    )
    return answer.get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://example.com/hook", "must start with https://"),
        ("https://127.0.0.1/hook", "private or local address"),
        ("https://localhost:8443/hook", "private or local address"),
        ("https://10.1.2.3/hook", "private or local address"),
        ("https://169.254.169.254/latest/meta-data", "private or local address"),
        ("https://[::1]/hook", "private or local address"),
        ("https://[::ffff:192.168.0.1]/hook", "private or local address"),
        ("https://100.64.0.1/hook", "private or local address"),
        ("https://user:pw@example.com/hook", "without a user name"),
        ("https://no-such-host.invalid/hook", "does not resolve"),
    ],
)
def test_private_and_local_targets_are_refused_outside_development(
    owner_client: FlaskClient, url: str, message: str
) -> None:
    html = _add(owner_client, url, ["order.paid"])
    assert message in html and "webhook-secret" not in html


def test_a_delivery_to_a_refused_address_never_connects(app: Flask, receiver: Receiver) -> None:
    with app.test_request_context():
        answer = transport.post(receiver.url.replace("http:", "https:"), b"{}", {}, 2)
    assert answer.status is None and "private or local" in (answer.error or "")
    assert receiver.requests == []


def test_redirects_are_not_followed(app: Flask, receiver: Receiver, local_targets: None) -> None:
    receiver.statuses = [302]
    receiver.location = receiver.url + "/elsewhere"
    with app.test_request_context():
        answer = transport.post(receiver.url, b"{}", {}, 2)
    assert answer.status == 302 and not answer.ok
    assert [r.path for r in receiver.requests] == ["/hooks"]


def test_an_event_must_be_picked(owner_client: FlaskClient) -> None:
    html = _add(owner_client, "https://example.com/hook", [])
    assert "Pick at least one event." in html


def test_edit_disable_and_delete_after_confirmation(
    owner_client: FlaskClient,
    receiver: Receiver,
    local_targets: None,
    add_endpoint: Callable[..., tuple[int, str]],
) -> None:
    assert "No webhook endpoints yet." in owner_client.get("/admin/webhooks/").get_data(
        as_text=True
    )
    endpoint_id, _ = add_endpoint(receiver.url, ["order.paid"])
    page = owner_client.get(f"/admin/webhooks/{endpoint_id}").get_data(as_text=True)
    saved = owner_client.post(
        f"/admin/webhooks/{endpoint_id}",
        data={
            "url": receiver.url + "/v2",
            "events": ["order.active", "ticket.replied"],
            "description": "ERP v2",
            "csrf_token": csrf(page),
        },
    )
    assert saved.status_code == 302
    index = owner_client.get("/admin/webhooks/").get_data(as_text=True)
    assert "/hooks/v2" in index and "order.active, ticket.replied" in index
    assert "disabled" in index  # "enabled" was not ticked

    confirm = owner_client.get(f"/admin/webhooks/{endpoint_id}/delete")
    assert "Delete this webhook endpoint?" in confirm.get_data(as_text=True)
    token = csrf(confirm.get_data(as_text=True))
    unconfirmed = owner_client.post(
        f"/admin/webhooks/{endpoint_id}/delete", data={"csrf_token": token}
    )
    assert unconfirmed.status_code == 200  # the question again, nothing deleted
    assert "/hooks/v2" in owner_client.get("/admin/webhooks/").get_data(as_text=True)
    done = owner_client.post(
        f"/admin/webhooks/{endpoint_id}/delete", data={"csrf_token": token, "confirmed": "1"}
    )
    assert done.status_code == 302
    assert "No webhook endpoints yet." in owner_client.get("/admin/webhooks/").get_data(
        as_text=True
    )
    assert owner_client.get(f"/admin/webhooks/{endpoint_id}").status_code == 404


def test_the_pages_in_chinese(owner_client: FlaskClient) -> None:
    page = owner_client.get("/admin/webhooks/", headers={"Accept-Language": "zh-CN"})
    assert "还没有 Webhook 端点" in page.get_data(as_text=True)


def test_private_targets_are_a_development_setting(tmp_path: Path) -> None:
    def settings(env: str, **extra: str) -> Any:
        environ = {"STOREFRONT_ENV": env, **extra}
        if env == "production":
            environ |= {
                "STOREFRONT_SECRET_KEY": "k" * 40,
                "STOREFRONT_ENCRYPTION_KEYS": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
            }
        return load_settings(environ=environ, instance_path=tmp_path).flask_config()

    assert settings("development")["WEBHOOKS_ALLOW_PRIVATE"] is True
    assert settings("testing")["WEBHOOKS_ALLOW_PRIVATE"] is False
    assert settings("testing", STOREFRONT_WEBHOOKS_ALLOW_PRIVATE="true")["WEBHOOKS_ALLOW_PRIVATE"]
    with pytest.raises(ConfigError, match="WEBHOOKS_ALLOW_PRIVATE is refused in production"):
        settings("production", STOREFRONT_WEBHOOKS_ALLOW_PRIVATE="1")
