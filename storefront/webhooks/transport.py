"""Posting a delivery without becoming a tool against the store's own network (SSRF).

A URL's host is resolved and every address must be public: loopback, private, link-local,
shared, multicast, reserved and unspecified addresses are refused, unless
``WEBHOOKS_ALLOW_PRIVATE`` is on (always in development; tests turn it on for their local
receiver; refused in production). The connection goes to the address that was checked (no
second DNS look-up to rebind), TLS still verifying the URL's host name. Redirects are never
followed (a 3xx is a failure), answers are read only up to a few hundred bytes and every
request has a timeout.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3
from flask import current_app
from flask_babel import gettext as _

from storefront.errors import DomainError

USER_AGENT = "Storefront-Webhooks/1"


class UnsafeUrl(DomainError):
    code = "unsafe_url"
    status = 422


@dataclass(frozen=True)
class Answer:
    status: int | None
    body: str
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE"))


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, resolve: bool = True) -> str | None:
    """Refuse a URL a webhook may not target (:class:`UnsafeUrl`); with ``resolve``, the address
    to connect to (the first the host name resolves to, each of them checked)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeUrl(_("Enter a valid URL.")) from None
    private_ok = allow_private()
    if parts.scheme != "https" and not (private_ok and parts.scheme == "http"):
        raise UnsafeUrl(_("The URL must start with https://."))
    if not parts.hostname or parts.username or parts.password:
        raise UnsafeUrl(_("Enter a valid URL without a user name or password."))
    if not resolve:
        return None
    try:
        infos = socket.getaddrinfo(parts.hostname, port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeUrl(_("The URL's host name does not resolve.")) from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses or not (private_ok or all(_public(a) for a in addresses)):
        raise UnsafeUrl(_("The URL points to a private or local address."))
    return addresses[0]


def _pool(url: str, address: str, timeout_s: float) -> urllib3.HTTPConnectionPool:
    """A connection to the checked ``address`` itself (no second look-up a DNS answer could
    change), the TLS name and certificate checked against the URL's host name."""
    parts = urlsplit(url)
    timeout = urllib3.Timeout(total=timeout_s)
    if parts.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address, parts.port or 443, timeout=timeout, retries=False,
            server_hostname=parts.hostname, assert_hostname=parts.hostname,
            ca_certs=certifi.where(), cert_reqs="CERT_REQUIRED",
        )  # fmt: skip
    return urllib3.HTTPConnectionPool(address, parts.port or 80, timeout=timeout, retries=False)


def post(url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> Answer:
    """POST ``body``; a refused URL, a network error or a timeout is an answer with an error.
    Redirects are not followed."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        address = check_url(url)
        assert address is not None
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host = parts.netloc.rsplit("@", 1)[-1]
        with _pool(url, address, timeout_s) as pool:
            response = pool.urlopen(
                "POST", target, body=body, redirect=False, preload_content=False,
                headers={"Host": host, "Content-Type": "application/json",
                         "User-Agent": USER_AGENT, **headers},
            )  # fmt: skip
            text = response.read(500, decode_content=True).decode("utf-8", "replace")
            response.release_conn()
            return Answer(response.status, text, None, took())
    except UnsafeUrl as exc:
        return Answer(None, "", str(exc), took())
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        return Answer(None, "", f"{type(exc).__name__}: {exc}"[:500], took())
