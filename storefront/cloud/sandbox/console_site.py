"""The provider's auth host and console, as the sandbox plays them (server-rendered pages).

* ``/authui/saml/metadata.xml``: the SP metadata the partner loads into its IdP;
* ``/authui/saml/login?xAccountType=…&service=…``: finds the partner IdP trusted for that
  ``xAccountType`` (its metadata uploaded through ``/_sandbox/console/idp-metadata``) and sends
  it a signed AuthnRequest (HTTP-Redirect), ``service`` travelling as RelayState;
* ``/authui/saml/SAMLAssertionConsumer``: validates the signed Response/Assertion (pysaml2),
  maps ``xUserId`` + ``xAccountType`` to the customer account and logs it in;
* ``/authui/federation/login?idp_login_url=…&service=…&logintoken=…``: IAM's custom identity
  broker: redeems a login token (single use, unexpired) and logs its account in;
* ``/console/…``: a minimal console whose buttons change the sandbox's ``CloudResource`` rows.

It is a Flask app of its own (own session cookie ``hwc_sandbox_session``, so it never collides
with the storefront's on the same host), mounted in front of the API app by path prefix.
"""

from __future__ import annotations

import base64
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.typing import ResponseReturnValue

from storefront.cloud.sandbox import console_auth, console_pages
from storefront.cloud.sandbox.console_common import KEYS_KEY, fail
from storefront.cloud.sandbox.state import EXTENSION_KEY, SandboxState
from storefront.console_bridge.saml import generate_pair

COOKIE = "hwc_sandbox_session"


class _Keys:
    """The sandbox SP's signing pair: generated once per process into a private temp dir."""

    def __init__(self) -> None:
        folder = Path(tempfile.mkdtemp(prefix="sandbox-sp-"))
        key, cert = generate_pair("sandbox-auth-host")
        self.key_file = folder / "sp.key"
        self.cert_file = folder / "sp.crt"
        self.key_file.write_bytes(key)
        self.key_file.chmod(0o600)
        self.cert_file.write_bytes(cert)


def _unauthorized(_exc: Any) -> ResponseReturnValue:
    return fail(401, "IAM.0001", "Please log in.")


def _not_found(_exc: Any) -> ResponseReturnValue:
    return fail(404, "Console.0404", "The resource does not exist.")


def create_console_site(state: SandboxState) -> Flask:
    site = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))
    site.config.update(
        SECRET_KEY=secrets.token_hex(32),
        SESSION_COOKIE_NAME=COOKIE,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
    )
    site.extensions[EXTENSION_KEY] = state
    site.extensions[KEYS_KEY] = _Keys()
    site.register_blueprint(console_auth.bp)
    site.register_blueprint(console_pages.bp)
    site.register_error_handler(401, _unauthorized)
    site.register_error_handler(404, _not_found)
    return site


class ConsoleDispatcher:
    """Sends the auth host's and console's paths to the site, the rest to the API app."""

    def __init__(self, api: Callable[..., Any], site: Flask) -> None:
        self.api = api
        self.site = site

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/authui/") or path == "/console" or path.startswith("/console/"):
            return self.site(environ, start_response)
        return self.api(environ, start_response)


def encode_response(xml: str) -> str:
    return base64.b64encode(xml.encode("utf-8")).decode("ascii")
