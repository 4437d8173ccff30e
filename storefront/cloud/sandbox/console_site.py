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
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, redirect, render_template, request, session
from flask.typing import ResponseReturnValue
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storefront.cloud.sandbox.commerce import CloudResource
from storefront.cloud.sandbox.console_models import ConsoleAction, IdpTrust, Subnet
from storefront.cloud.sandbox.federation_models import LoginToken, token_hash
from storefront.cloud.sandbox.models import Account, utcnow
from storefront.cloud.sandbox.state import EXTENSION_KEY, SandboxState
from storefront.console_bridge.xmlsig import CRYPTO_BACKEND, use_binding

COOKIE = "hwc_sandbox_session"
ACS_PATH = "/authui/saml/SAMLAssertionConsumer"

ACTIONS: dict[str, tuple[str, ...]] = {
    "ecs": ("start", "stop", "restart"),
    "evs": ("attach", "expand", "snapshot", "backup"),
    "vpc": ("create_subnet",),
    "eip": ("unbind", "release"),
}


class _Keys:
    """The sandbox SP's signing pair: generated once per process into a private temp dir."""

    def __init__(self) -> None:
        from storefront.console_bridge.saml import generate_pair

        folder = Path(tempfile.mkdtemp(prefix="sandbox-sp-"))
        key, cert = generate_pair("sandbox-auth-host")
        self.key_file = folder / "sp.key"
        self.cert_file = folder / "sp.crt"
        self.key_file.write_bytes(key)
        self.key_file.chmod(0o600)
        self.cert_file.write_bytes(cert)


def create_console_site(state: SandboxState) -> Flask:
    site = Flask(__name__, template_folder=str(Path(__file__).parent / "templates"))
    site.config.update(
        SECRET_KEY=secrets.token_hex(32),
        SESSION_COOKIE_NAME=COOKIE,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
    )
    site.extensions[EXTENSION_KEY] = state
    keys = _Keys()
    site.extensions["sandbox_sp_keys"] = keys

    def db_session() -> Any:
        return state.db.session()

    def base() -> str:
        return request.host_url.rstrip("/")

    def sp_client(idp_xml: str | None) -> Saml2Client:
        conf: dict[str, Any] = {
            "entityid": f"{base()}/authui/saml/metadata.xml",
            "crypto_backend": CRYPTO_BACKEND,
            "key_file": str(keys.key_file),
            "cert_file": str(keys.cert_file),
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
            "accepted_time_diff": 120,
            "allow_unknown_attributes": True,
            "service": {
                "sp": {
                    "endpoints": {
                        "assertion_consumer_service": [(f"{base()}{ACS_PATH}", BINDING_HTTP_POST)]
                    },
                    "authn_requests_signed": True,
                    "want_response_signed": True,
                    "want_assertions_signed": True,
                    "allow_unsolicited": False,
                }
            },
        }
        if idp_xml:
            conf["metadata"] = {"inline": [idp_xml]}
        config = SPConfig()
        config.load(conf)
        client = Saml2Client(config=config)
        use_binding(client, keys.key_file)
        return client

    def fail(status: int, code: str, message: str) -> ResponseReturnValue:
        return render_template("console/error.html", code=code, message=message), status

    def console_url(service: str | None) -> str | None:
        """Only this console's own pages are acceptable landing pages."""
        if not service:
            return None
        parts = urlsplit(service)
        own = urlsplit(base())
        if (parts.scheme, parts.netloc) != (own.scheme, own.netloc):
            return None
        if not (parts.path == "/console" or parts.path.startswith("/console/")):
            return None
        return service

    @site.get("/authui/saml/metadata.xml")
    def sp_metadata() -> ResponseReturnValue:
        xml = create_metadata_string(None, config=sp_client(None).config, valid=None)
        return xml, 200, {"Content-Type": "application/samlmetadata+xml"}

    @site.get("/authui/saml/login")
    def saml_login() -> ResponseReturnValue:
        xaccount_type = request.args.get("xAccountType", "")
        service = console_url(request.args.get("service"))
        if service is None:
            return fail(400, "IAM.0011", "The service parameter is invalid.")
        with db_session() as s:
            trust = s.get(IdpTrust, xaccount_type) if xaccount_type else None
            idp_xml = trust.metadata_xml if trust else None
        if idp_xml is None:
            return fail(400, "IAM.0102", "No identity provider is configured for xAccountType.")
        client = sp_client(idp_xml)
        idps = list(client.metadata.identity_providers())
        if len(idps) != 1:
            return fail(400, "IAM.0102", "The identity provider metadata is invalid.")
        request_id, info = client.prepare_for_authenticate(
            entityid=idps[0],
            relay_state=service,
            binding=BINDING_HTTP_REDIRECT,
            sigalg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        outstanding = dict(session.get("outstanding", {}))
        outstanding[request_id] = {"service": service, "xaccount_type": xaccount_type}
        session["outstanding"] = dict(list(outstanding.items())[-5:])
        location = dict(info["headers"])["Location"]
        return redirect(location, 302)

    @site.post(ACS_PATH)
    def acs() -> ResponseReturnValue:
        raw = request.form.get("SAMLResponse", "")
        outstanding: dict[str, dict[str, str]] = dict(session.get("outstanding", {}))
        if not raw or not outstanding:
            return fail(401, "IAM.0201", "Authentication failed: no login in progress.")
        trusts: Iterable[str]
        with db_session() as s:
            trusts = [
                t.metadata_xml
                for t in s.scalars(
                    select(IdpTrust).where(
                        IdpTrust.xaccount_type.in_(
                            {o["xaccount_type"] for o in outstanding.values()}
                        )
                    )
                )
            ]
        result = None
        for idp_xml in trusts:
            try:
                result = sp_client(idp_xml).parse_authn_request_response(
                    raw,
                    BINDING_HTTP_POST,
                    outstanding={k: v["service"] for k, v in outstanding.items()},
                )
            except Exception:  # pysaml2 raises many kinds of error for a bad response
                result = None
            if result is not None:
                break
        if result is None:
            return fail(401, "IAM.0201", "Authentication failed: the SAML response is invalid.")
        pending = outstanding.pop(result.in_response_to, None)
        session["outstanding"] = outstanding
        if pending is None:
            return fail(401, "IAM.0201", "Authentication failed: unexpected SAML response.")
        ava = result.get_identity()
        user_id = (ava.get("xUserId") or [""])[0]
        xaccount_type = (ava.get("xAccountType") or [""])[0]
        if xaccount_type != pending["xaccount_type"] or not user_id:
            return fail(401, "IAM.0202", "Authentication failed: the account attributes are wrong.")
        with db_session() as s:
            account = s.scalar(
                select(Account).where(
                    Account.xaccount_type == xaccount_type,
                    Account.xaccount_id == user_id,
                    Account.kind == "customer",
                )
            )
            if account is None:
                return fail(401, "IAM.0203", "The partner account is not bound to a cloud account.")
            if account.is_frozen:
                return fail(403, "IAM.0204", "The account is frozen.")
            session["user"] = account.domain_id
            session["user_name"] = account.name
        session["csrf"] = secrets.token_urlsafe(16)
        relay = console_url(request.form.get("RelayState")) or pending["service"]
        return redirect(relay, 302)

    @site.get("/authui/federation/login")
    def federation_login() -> ResponseReturnValue:
        """IAM custom identity broker: redeem a login token once, then land on ``service``."""
        service = console_url(request.args.get("service"))
        if service is None:
            return fail(400, "IAM.0011", "The service parameter is invalid.")
        raw = request.args.get("logintoken", "")
        if not raw or len(raw) > 512:
            return fail(401, "IAM.0201", "Authentication failed: no login token.")
        now = state.now().replace(tzinfo=None)
        with db_session() as s:
            token = s.get(LoginToken, token_hash(raw))
            if token is None:
                return fail(401, "IAM.0201", "Authentication failed: the login token is invalid.")
            if token.used_at is not None:
                return fail(401, "IAM.0205", "The login token has already been used.")
            if token.expires_at <= now:
                return fail(401, "IAM.0206", "The login token has expired.")
            spent = s.execute(
                update(LoginToken)
                .where(LoginToken.token_hash == token.token_hash, LoginToken.used_at.is_(None))
                .values(used_at=now)
            )
            if spent.rowcount != 1:
                return fail(401, "IAM.0205", "The login token has already been used.")
            account = s.get(Account, token.domain_id)
            if account is None or account.kind != "customer":
                return fail(401, "IAM.0203", "The login token's account does not exist.")
            if account.is_frozen:
                return fail(403, "IAM.0204", "The account is frozen.")
            session["user"] = account.domain_id
            session["user_name"] = f"{account.name}/{token.session_user}"
        session["csrf"] = secrets.token_urlsafe(16)
        idp_login_url = request.args.get("idp_login_url", "")
        if idp_login_url.startswith(("http://", "https://")):
            session["idp_login_url"] = idp_login_url
        return redirect(service, 302)

    def current_user() -> str:
        user = session.get("user")
        if not user:
            abort(401)
        return str(user)

    def owned(s: Session, kind: str, region: str, resource_id: str) -> CloudResource:
        row = s.get(CloudResource, resource_id)
        if row is None or row.customer_id != current_user() or row.kind != kind:
            abort(404)
        if row.region != region:
            abort(404)
        return row

    @site.errorhandler(401)
    def unauthorized(_exc: Any) -> ResponseReturnValue:
        return fail(401, "IAM.0001", "Please log in.")

    @site.errorhandler(404)
    def not_found(_exc: Any) -> ResponseReturnValue:
        return fail(404, "Console.0404", "The resource does not exist.")

    @site.get("/console")
    @site.get("/console/")
    def home() -> ResponseReturnValue:
        user = current_user()
        with db_session() as s:
            rows = s.scalars(
                select(CloudResource)
                .where(CloudResource.customer_id == user)
                .order_by(CloudResource.created_at)
            ).all()
            return render_template("console/home.html", resources=rows)

    @site.get("/console/<kind>/<region>/<resource_id>")
    def resource_page(kind: str, region: str, resource_id: str) -> ResponseReturnValue:
        with db_session() as s:
            row = owned(s, kind, region, resource_id)
            actions = s.scalars(
                select(ConsoleAction)
                .where(ConsoleAction.resource_id == row.resource_id)
                .order_by(ConsoleAction.id.desc())
            ).all()
            subnets = s.scalars(select(Subnet).where(Subnet.vpc_id == row.resource_id)).all()
            servers = s.scalars(
                select(CloudResource).where(
                    CloudResource.customer_id == row.customer_id,
                    CloudResource.kind == "ecs",
                    CloudResource.region == row.region,
                )
            ).all()
            return render_template(
                "console/resource.html",
                r=row,
                actions=actions,
                subnets=subnets,
                servers=servers,
                allowed=ACTIONS.get(kind, ()),
                message=request.args.get("done"),
            )

    @site.post("/console/<kind>/<region>/<resource_id>/<action>")
    def resource_action(
        kind: str, region: str, resource_id: str, action: str
    ) -> ResponseReturnValue:
        if action not in ACTIONS.get(kind, ()):
            abort(404)
        if not secrets.compare_digest(request.form.get("csrf", ""), session.get("csrf", "-")):
            return fail(400, "Console.0400", "The request is invalid: reload the page.")
        with db_session() as s:
            row = owned(s, kind, region, resource_id)
            error, detail = _apply(s, row, action, request.form)
            if error:
                return fail(409, "Console.0409", error)
            s.add(
                ConsoleAction(
                    resource_id=row.resource_id,
                    customer_id=row.customer_id,
                    action=action,
                    detail=detail[:255],
                )
            )
        return redirect(f"/console/{kind}/{region}/{resource_id}?done={action}", 303)

    return site


def _apply(s: Session, row: CloudResource, action: str, form: Any) -> tuple[str | None, str]:
    """Change the resource as the real console would; (error, detail)."""
    if row.status in ("released", "frozen", "expired", "creating") and action != "snapshot":
        return f"The resource is {row.status}.", ""
    if action == "start":
        if row.status != "stopped":
            return "The server is not stopped.", ""
        row.status = "active"
        return None, "started"
    if action == "stop":
        if row.status != "active":
            return "The server is not running.", ""
        row.status = "stopped"
        return None, "stopped"
    if action == "restart":
        if row.status != "active":
            return "The server is not running.", ""
        return None, "restarted"
    if action == "attach":
        server = s.get(CloudResource, str(form.get("server_id", "")))
        if server is None or server.customer_id != row.customer_id or server.kind != "ecs":
            return "Choose one of your servers.", ""
        return None, f"attached to {server.resource_id}"
    if action == "expand":
        try:
            new_size = int(form.get("size_gb", ""))
        except ValueError:
            return "Enter the new size in GB.", ""
        if new_size <= (row.size or 0) or new_size > 32768:
            return "The new size must be larger than the current size.", ""
        row.size = new_size
        return None, f"expanded to {new_size} GB"
    if action in ("snapshot", "backup"):
        return None, f"{action} {uuid.uuid4().hex[:12]}"
    if action == "create_subnet":
        name = str(form.get("name", "")).strip()[:64] or "subnet"
        cidr = str(form.get("cidr", "")).strip()[:32] or "192.168.0.0/24"
        subnet = Subnet(id=uuid.uuid4().hex[:32], vpc_id=row.resource_id, name=name, cidr=cidr)
        s.add(subnet)
        return None, f"subnet {name} {cidr}"
    if action == "unbind":
        return None, "unbound"
    if action == "release":
        row.status = "released"
        row.released_at = utcnow()
        return None, "released"
    return "Unknown action.", ""


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
