"""Run the sandbox in a background thread (for test suites and ``make run``)."""

from __future__ import annotations

import json
import socketserver
import threading
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from storefront.cloud.sandbox.app import create_sandbox_app
from storefront.cloud.sandbox.state import EXTENSION_KEY, SandboxState

# How often a serving thread looks for ``stop()``: ``shutdown()`` waits for the loop's next look,
# and socketserver's default (0.5 s) made every stopped sandbox cost its test half a second.
POLL_S = 0.02


def serve_in_thread(server: socketserver.BaseServer, name: str | None = None) -> threading.Thread:
    """Serve ``server`` in a started daemon thread that looks for ``shutdown()`` every ``POLL_S``
    (the sandbox here; the tests' live servers and webhook receivers too)."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": POLL_S}, name=name, daemon=True
    )
    thread.start()
    return thread


@dataclass
class RunningSandbox:
    """A sandbox served on ``url`` until :meth:`stop`."""

    url: str
    app: Flask
    _server: BaseWSGIServer = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    @property
    def state(self) -> SandboxState:
        state: SandboxState = self.app.extensions[EXTENSION_KEY]
        return state

    def set_faults(self, **changes: Any) -> dict[str, Any]:
        """Change latency_ms / fault_rate / mode / hang_s through the control endpoint."""
        return self._control("POST", "/_sandbox/faults", changes)

    def clear_faults(self) -> dict[str, Any]:
        return self.set_faults(latency_ms=0, fault_rate=0.0, mode="mixed")

    def fail_once(self, path: str, when: str = "after", method: str = "POST") -> dict[str, Any]:
        """The next ``method`` call to ``path`` times out ``before`` or ``after`` it took
        effect."""
        return self._control(
            "POST", "/_sandbox/faults/once", {"path": path, "when": when, "method": method}
        )

    def calls(self) -> dict[str, int]:
        """Provider calls per API (route path) this sandbox has answered so far."""
        answer = self._control("GET", "/_sandbox/calls", None)
        return {str(k): int(v) for k, v in answer["calls"].items()}

    def hung(self) -> dict[str, int]:
        """Calls (per API) this sandbox held on purpose: a hang fault or a scripted timeout,
        counted when the hold starts (the client may have timed out long before it ends)."""
        answer = self._control("GET", "/_sandbox/calls", None)
        return {str(k): int(v) for k, v in answer["hung"].items()}

    def change_price(
        self, service_type: str, resource_type: str, spec: str, *, hourly: str, monthly: str
    ) -> dict[str, Any]:
        """The provider changes a flat spec's list price (this sandbox's ratings answer it)."""
        return self._control(
            "POST",
            "/_sandbox/prices",
            {
                "service_type": service_type,
                "resource_type": resource_type,
                "spec": spec,
                "hourly": hourly,
                "monthly": monthly,
            },
        )

    def set_clock_offset(self, seconds: float) -> dict[str, Any]:
        return self._control("POST", "/_sandbox/clock", {"offset_s": seconds})

    def inspect(self) -> dict[str, Any]:
        """``GET /_sandbox/state``: faults, seeded accounts and sub-customers."""
        return self._control("GET", "/_sandbox/state", None)

    def verification_code(self, mobile: str) -> str:
        """The last SMS code the sandbox "sent" to ``mobile`` (``13XXXXXXXXX``)."""
        return str(
            self._control("GET", f"/_sandbox/verification-codes?mobile={mobile}", None)["code"]
        )

    def stop(self) -> None:
        self.state.faults.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self.state.db.dispose()

    def _control(self, method: str, path: str, payload: Any) -> dict[str, Any]:
        data = json.dumps(payload).encode() if payload is not None else None
        req = urllib.request.Request(  # noqa: S310 - our own loopback URL
            self.url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
            result: dict[str, Any] = json.loads(resp.read())
        return result


def start_sandbox_thread(host: str = "127.0.0.1", port: int = 0, **kwargs: Any) -> RunningSandbox:
    """Start ``create_sandbox_app(**kwargs)`` on ``host:port`` (0: a free port) in a daemon thread.

    ``database_url`` defaults to a private in-memory database.
    """
    kwargs.setdefault("database_url", "sqlite://")
    app = create_sandbox_app(**kwargs)
    server = make_server(host, port, app, threaded=True)
    thread = serve_in_thread(server, "cloud-sandbox")
    return RunningSandbox(f"http://{host}:{server.server_port}", app, server, thread)
