"""Cloud tests: a real sandbox over HTTP, and no socket may leave the loopback."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from storefront.cloud import CloudSettings, build_provider
from storefront.cloud.interface import CloudProvider
from storefront.cloud.sandbox.testing import RunningSandbox, start_sandbox_thread

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check(address: Any) -> None:
    if isinstance(address, tuple):
        host = str(address[0])
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise RuntimeError(f"test tried to connect outside the loopback: {address!r}")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check(address)
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check(address)
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)


# A scripted timeout (``fail_once``, a hang) is answered with the gateway's 504 after
# ``HANG_S``, well inside the client's timeout: the same decisions as a client timeout (both are
# ``UpstreamUnavailable``) without waiting for one. Tests of the client's own timeout start a
# sandbox with a longer hang and set a shorter timeout.
HANG_S = 0.5


@pytest.fixture(scope="session")
def sandbox() -> Iterator[RunningSandbox]:
    running = start_sandbox_thread(hang_s=HANG_S)
    yield running
    running.stop()


def settings_for(url: str, **extra: str) -> CloudSettings:
    env = {
        "STOREFRONT_SANDBOX_URL": url,
        # the production default: a sandbox answer can take seconds on a loaded machine (a 2 s
        # timeout failed an auto-renew call at load 12)
        "STOREFRONT_CLOUD_TIMEOUT_S": "10",
        "STOREFRONT_CLOUD_RETRIES": "2",
        "STOREFRONT_CLOUD_BACKOFF_S": "0.01",
        **extra,
    }
    return CloudSettings.from_mapping(env)


@pytest.fixture
def provider(sandbox: RunningSandbox) -> CloudProvider:
    return build_provider(settings_for(sandbox.url))


@pytest.fixture
def provider_for() -> Callable[..., CloudProvider]:
    """Build a provider for another sandbox URL (settings overrides as keyword arguments)."""

    def make(url: str, **extra: str) -> CloudProvider:
        return build_provider(settings_for(url, **extra))

    return make


@pytest.fixture
def extra_sandbox() -> Iterator[Callable[..., RunningSandbox]]:
    """Start private sandboxes (e.g. with faults) that are stopped after the test."""
    started: list[RunningSandbox] = []

    def start(**kwargs: Any) -> RunningSandbox:
        running = start_sandbox_thread(**{"hang_s": HANG_S, **kwargs})
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
