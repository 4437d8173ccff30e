"""Which Host a request may name: unknown hosts and invalid hosts answer 400, never a store."""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from storefront.config import ConfigError, load_settings
from storefront.stores import services
from tests.conftest import _empty_tables


def test_an_unknown_host_is_refused_on_pages_and_the_api(
    client: Any, default_store: Any, make_store: Any
) -> None:
    make_store(name="Blue Cloud", domains=["blue.test"])
    page = client.get("/", headers={"Host": "evil.example"})
    assert page.status_code == 400 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "Unknown site" in text
    # no store answered: neither the default store nor another one, and no session was opened
    assert default_store.name not in text and "Blue Cloud" not in text
    assert "Set-Cookie" not in page.headers
    api = client.get("/api/v1/regions", headers={"Host": "evil.example"})
    assert api.status_code == 400 and api.get_json()["error"]["code"] == "unknown_host"
    post = client.post("/api/v1/auth/token", json={}, headers={"Host": "evil.example"})
    assert post.status_code == 400 and post.get_json()["error"]["code"] == "unknown_host"
    # the refusal is in the visitor's language
    zh = client.get("/", headers={"Host": "evil.example", "Accept-Language": "zh-CN"})
    assert zh.status_code == 400 and "Unknown site" not in zh.get_data(as_text=True)


def test_store_domains_public_and_loopback_hosts_are_served(
    client: Any, default_store: Any, make_store: Any
) -> None:
    make_store(name="Blue Cloud", domains=["blue.test"])
    assert "Blue Cloud" in client.get("/", headers={"Host": "BLUE.test:8080"}).get_data(
        as_text=True
    )
    # STOREFRONT_PUBLIC_URL's host (http://localhost in the tests) and, in development and
    # testing, the loopback names on any port serve the default store
    for host in ("localhost", "127.0.0.1:8123", "localhost:5000", "[::1]:5000", "blue.test."):
        answer = client.get("/", headers={"Host": host})
        assert answer.status_code == 200, host


def test_trusted_hosts_serve_the_default_store(
    make_app: Callable[..., Flask], default_store: Any
) -> None:
    app = make_app(STOREFRONT_TRUSTED_HOSTS="app-1.internal, .apps.example")
    client = app.test_client()
    for host in ("app-1.internal", "apps.example", "eu.apps.example:8000"):
        answer = client.get("/", headers={"Host": host})
        assert answer.status_code == 200 and default_store.name in answer.get_data(as_text=True)
    for host in ("app-2.internal", "evilapps.example", "apps.example.evil"):
        assert client.get("/", headers={"Host": host}).status_code == 400, host


def test_the_public_url_host_is_trusted(make_app: Callable[..., Flask], default_store: Any) -> None:
    app = make_app(STOREFRONT_PUBLIC_URL="https://shop.example.com")
    client = app.test_client()
    assert client.get("/", headers={"Host": "shop.example.com"}).status_code == 200
    assert client.get("/", headers={"Host": "other.example.com"}).status_code == 400


def test_healthz_answers_any_valid_host(client: Any, default_store: Any) -> None:
    for host in ("10.0.0.5:8000", "lb-probe", "evil.example"):
        answer = client.get("/healthz", headers={"Host": host})
        assert answer.status_code == 200 and answer.get_json() == {"status": "ok"}
    assert client.get("/healthz", headers={"Host": "a" * 64 + ".example"}).status_code == 400


INVALID_HOSTS = [
    "a" * 64 + ".example.com",  # a label over 63 characters
    ".".join(["abcdefghi"] * 26),  # a name over 253 characters
    "bad host",
    "exa_mple.com",
    "ex\u00e9.com",
    "-start.example",
    "end-.example",
    "a..b",
    "shop.example:99999",
    "shop.example:port",
    "[::1",
    "[zz::1]",
    "evil.example/path",
    "evil.example@x",
]


@pytest.mark.parametrize("host", INVALID_HOSTS)
def test_an_invalid_host_is_a_400_never_a_500(client: Any, default_store: Any, host: str) -> None:
    page = client.get("/login", headers={"Host": host})
    assert page.status_code == 400 and page.mimetype == "text/html"
    assert "not valid" in page.get_data(as_text=True)
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    form = client.post("/forgot-password", data={"email": "x@example.com"}, headers={"Host": host})
    assert form.status_code == 400
    api = client.post("/api/v1/customers", json={}, headers={"Host": host})
    assert api.status_code == 400 and api.mimetype == "application/json"
    assert api.get_json()["error"]["code"] == "invalid_host"
    assert client.get("/nowhere", headers={"Host": host}).status_code == 400


@pytest.mark.parametrize(
    "host",
    ["xn--fiqs8s.example", "a.b-c.example:65535", "[2001:db8::1]:443", "10.0.0.5", "x" * 63],
)
def test_a_valid_but_unknown_host_is_unknown_not_invalid(
    client: Any, default_store: Any, host: str
) -> None:
    api = client.get("/api/v1/regions", headers={"Host": host})
    assert api.status_code == 400 and api.get_json()["error"]["code"] == "unknown_host"


def test_random_hosts_do_not_grow_the_store_cache(client: Any, default_store: Any) -> None:
    # Unknown hosts are never cached, so one cached unknown host would already show: a few
    # hundred random names prove it (5000 did too, at 60 s of the suite's time).
    rng = random.Random(14)
    assert client.get("/", headers={"Host": "localhost"}).status_code == 200
    before = _kept_hosts(client.application)
    for _ in range(300):
        name = "".join(rng.choices(string.ascii_lowercase, k=12))
        assert client.get("/", headers={"Host": f"{name}.example"}).status_code == 400
    assert _kept_hosts(client.application) == before == 1


def _kept_hosts(app: Flask) -> int:
    with app.app_context():
        return services.HOSTS.stats()[0]


def test_the_store_cache_is_bounded(
    make_app: Callable[..., Flask], app: Flask, make_store: Any
) -> None:
    small = make_app(STOREFRONT_STORE_CACHE_SIZE="3")
    stores = [make_store(name=f"Shop {n}", domains=[f"shop{n}.test"]) for n in range(6)]
    client = small.test_client()
    for _ in range(2):
        for n, store in enumerate(stores):
            page = client.get("/", headers={"Host": f"shop{n}.test"}).get_data(as_text=True)
            assert store.name in page
            assert _kept_hosts(small) <= 3


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STOREFRONT_TRUSTED_HOSTS", "ok.example, bad_host"),
        ("STOREFRONT_PROXY_HOPS", "-1"),
        ("STOREFRONT_PROXY_HOPS", "two"),
        ("STOREFRONT_STORE_CACHE_SIZE", "0"),
        ("STOREFRONT_PUBLIC_URL", "shop.example.com"),
        ("STOREFRONT_PUBLIC_URL", "https://" + "a" * 64 + ".example"),
    ],
)
def test_host_settings_are_validated(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings({"STOREFRONT_ENV": "testing", name: value}, environ={})


def test_host_settings_defaults() -> None:
    settings = load_settings({"STOREFRONT_ENV": "testing"}, environ={})
    assert settings.public_url == "http://127.0.0.1:5000"
    assert settings.trusted_hosts == () and settings.proxy_hops == 0
    assert settings.store_cache_size == 1024


@pytest.fixture(autouse=True)
def _fresh_cache(app: Flask) -> None:
    with app.app_context():
        _empty_tables()
