"""A real HTTP receiver on a loopback port, and an owner with a webhook endpoint on it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from storefront.accounts.models import Staff
from storefront.cloud.sandbox.testing import serve_in_thread


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Records every POST; answers ``statuses`` in turn (then the last one again)."""

    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=lambda: [200])
    location: str = ""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            rec = box["r"]
            length = int(self.headers.get("Content-Length") or 0)
            rec.requests.append(Received(self.path, dict(self.headers), self.rfile.read(length)))
            status = rec.statuses[min(len(rec.requests), len(rec.statuses)) - 1]
            self.send_response(status)
            if rec.location:
                self.send_header("Location", rec.location)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"nope")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box["r"] = Receiver(url=f"http://127.0.0.1:{server.server_port}/hooks")
    serve_in_thread(server)
    yield box["r"]
    server.shutdown()
    server.server_close()


@pytest.fixture
def local_targets(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Testing with a loopback receiver: what ``STOREFRONT_WEBHOOKS_ALLOW_PRIVATE`` allows."""
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", True)


def csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


@pytest.fixture
def owner_client(login: Callable[..., FlaskClient], owner: Staff) -> FlaskClient:
    return login(owner)


@pytest.fixture
def add_endpoint(owner_client: FlaskClient) -> Callable[..., tuple[int, str]]:
    """Add an endpoint through the owner's page; ``(id, secret)`` from the page that shows it."""

    def add(url: str, events: list[str]) -> tuple[int, str]:
        page = owner_client.get("/admin/webhooks/new").get_data(as_text=True)
        answer = owner_client.post(
            "/admin/webhooks/new",
            data={"url": url, "events": events, "description": "ERP", "csrf_token": csrf(page)},
        )
        html = answer.get_data(as_text=True)
        assert answer.status_code == 200 and "webhook-secret" in html, html[-1500:]
        secret = re.search(r'id="webhook-secret">([^<]+)<', html)
        assert secret
        index = owner_client.get("/admin/webhooks/").get_data(as_text=True)
        ids = re.findall(r'data-endpoint="(\d+)"', index)
        return int(ids[-1]), secret.group(1)

    return add
