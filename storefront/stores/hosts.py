"""Which Host a request may name, checked before any store logic.

Two gates:

- :class:`HostGuard` (WSGI, outermost but for ``ProxyFix``): a ``Host`` that is not a valid host
  name (a label over 63 characters, a name over 253, characters outside ``a-z 0-9 - .``, a bad
  port) is answered ``400 invalid_host`` before Flask sees the request: nothing (sessions, CSRF,
  routing, error pages) ever works with it.
- :func:`refuse_unknown_host` (the first store hook of every request): a valid Host that is
  neither a store's domain, nor ``STOREFRONT_PUBLIC_URL``'s host, nor in
  ``STOREFRONT_TRUSTED_HOSTS`` (nor, in development and testing, a loopback name) is answered
  ``400 unknown_host``; the store it would have fallen back to never runs. ``/healthz`` answers
  for any valid Host (load balancers probe by IP address).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson
from flask import current_app, request
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import escape
from werkzeug.middleware.proxy_fix import ProxyFix

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask.wrappers import Response

    from storefront.config import Settings

MAX_NAME = 253
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
# name[.][:port], labels of 1-63 letters, digits and inner hyphens (one match: every request)
HOST_NAME = re.compile(
    rf"((?:{_LABEL}\.)*{_LABEL}\.?)(?::([0-9]{{1,5}}))?", re.IGNORECASE | re.ASCII
)
LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]"})


def normalise_host(host: str) -> str:
    """``Shop.Example.com:8443`` -> ``shop.example.com`` (``example.com.`` -> ``example.com``)."""
    host = host.strip().lower()
    if host.startswith("["):  # IPv6 literal
        return host.split("]")[0] + "]"
    host = host.rsplit(":", 1)[0] if ":" in host else host
    return host[:-1] if host.endswith(".") else host


def host_problem(value: str) -> str | None:
    """Why ``value`` (a ``Host`` header: ``name[:port]``) is not a valid host, or ``None``."""
    if not value or len(value) > MAX_NAME + 6:
        return "length"
    if value.startswith("["):
        literal, bracket, rest = value[1:].partition("]")
        if not bracket:
            return "ipv6"
        try:
            ipaddress.IPv6Address(literal)
        except ValueError:
            return "ipv6"
        if rest and not (rest.startswith(":") and _port_ok(rest[1:])):
            return "port"
        return None
    found = HOST_NAME.fullmatch(value)
    if found is None:
        return "label"
    name, port = found.groups()
    if len(name.rstrip(".")) > MAX_NAME:
        return "length"
    if port is not None and not _port_ok(port):
        return "port"
    return None


def _port_ok(port: str) -> bool:
    return port.isascii() and port.isdigit() and len(port) <= 5 and 0 < int(port) <= 65535


def public_host(settings: Settings) -> str:
    return normalise_host(urlsplit(settings.public_url).netloc)


def is_trusted(host: str, settings: Settings) -> bool:
    """``host`` (normalised) serves the default store: the public URL's host, a listed host
    (``.example.com``: it and every subdomain, as werkzeug's trusted hosts) or, outside
    production, a loopback name."""
    if host == public_host(settings) or (not settings.is_production and host in LOOPBACK):
        return True
    return any(
        host == name.removeprefix(".") or (name.startswith(".") and host.endswith(name))
        for name in settings.trusted_hosts
    )


# --- the two answers ---------------------------------------------------------------------------

_CSP = "default-src 'none'; frame-ancestors 'none'"
_PAGE = (
    '<!doctype html><html lang="{lang}"><meta charset="utf-8"><title>{title}</title>'
    "<h1>{title}</h1><p>{message}</p></html>"
)


def _body(path: str, code: str, title: str, message: str, lang: str) -> tuple[str, bytes]:
    if path.startswith("/api/"):
        error = {"error": {"code": code, "message": message, "fields": {}}}
        return "application/json", orjson.dumps(error)
    page = _PAGE.format(lang=lang, title=escape(title), message=escape(message))
    return "text/html; charset=utf-8", page.encode()


def _headers(content_type: str, length: int) -> list[tuple[str, str]]:
    return [
        ("Content-Type", content_type),
        ("Content-Length", str(length)),
        ("Content-Security-Policy", _CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Cache-Control", "no-store"),
    ]


# Before Flask, so before any locale is chosen: the page is in both of the product's languages.
INVALID_TITLE = "Bad request · 错误的请求"
INVALID_MESSAGE = "The host name in this request is not valid. · 此请求中的主机名无效。"


class HostGuard:
    """WSGI middleware: ``400 invalid_host`` for a syntactically invalid ``Host``.

    Hosts found valid are remembered (at most ``REMEMBERED``; then forgotten all at once), so
    the usual request pays a set lookup, not the check (a few microseconds).
    """

    REMEMBERED = 256

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app
        self._valid: set[str] = set()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        if host in self._valid:
            return self.app(environ, start_response)
        if host_problem(host) is None:
            if len(self._valid) >= self.REMEMBERED:
                self._valid.clear()
            self._valid.add(host)
            return self.app(environ, start_response)
        path = environ.get("PATH_INFO", "")
        kind, body = _body(path, "invalid_host", INVALID_TITLE, INVALID_MESSAGE, "en")
        start_response("400 Bad Request", _headers(kind, len(body)))
        return [body]


def unknown_host_response() -> Response:
    """``400 unknown_host``: JSON under ``/api/``, a small page (the request's locale) elsewhere."""
    title = _("Unknown site")
    message = _("This address is not one of this service's sites. Check the link you followed.")
    lang = "zh-Hans" if str(get_locale()).startswith("zh") else "en"
    kind, body = _body(request.path, "unknown_host", title, message, lang)
    response = current_app.response_class(body, status=400, content_type=kind)
    response.headers["Cache-Control"] = "no-store"
    if not request.path.startswith("/api/"):
        response.headers["Content-Security-Policy"] = _CSP
    return response


def wrap(app: Any, settings: Settings) -> None:
    """Install :class:`HostGuard` and, with ``STOREFRONT_PROXY_HOPS`` > 0, werkzeug's ProxyFix
    (outside it, so the guard checks the host ProxyFix settled on)."""
    app.wsgi_app = HostGuard(app.wsgi_app)
    if settings.proxy_hops > 0:
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
