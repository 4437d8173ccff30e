"""Console jump pages: the "Open in console" button, ``/console/go/<token>``, and the SAML IdP
(``/saml/idp/metadata.xml``, ``/saml/idp/sso``)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT

from storefront.accounts.models import Customer
from storefront.console_bridge import saml, services
from storefront.console_bridge.services import ConsoleRefused, Origin
from storefront.extensions import csrf, db
from storefront.security import csp_nonce
from storefront.stores.urls import external_url

if TYPE_CHECKING:
    from storefront.console_bridge.idp import IdentityProvider

bp = Blueprint("console_bridge", __name__)
SESSION_KEY = "console_jump"
SP_METADATA_PATH = "/authui/saml/metadata.xml"
INVALID = _l("This console link is not valid.")
NOT_ALLOWED = _l("This console address is not allowed.")
UNAVAILABLE = _l("The cloud console is not available.")


def origin() -> Origin:
    return Origin(ip=request.remote_addr, user_agent=request.headers.get("User-Agent"))


def refused_page(exc: ConsoleRefused) -> ResponseReturnValue:
    return (
        render_template(
            "console_bridge/refused.html", status=exc.status, message=exc.summary, reason=exc.reason
        ),
        exc.status,
    )


def _signed_in() -> Customer | None:
    user = current_user
    return user if isinstance(user, Customer) and user.is_authenticated else None


def identity_provider(with_sp: bool = True) -> IdentityProvider:
    # pysaml2 is imported here, on the first console sign-in or metadata request (see .idp)
    from storefront.console_bridge.idp import IdentityProvider

    settings = current_app.config["SETTINGS"]
    console = services.console_settings()
    pair = saml.key_pair(console, settings.instance_path, settings.is_production)
    sp_xml = (
        saml.sp_metadata(console, f"{settings.cloud.auth_host.rstrip('/')}{SP_METADATA_PATH}")
        if with_sp
        else None
    )
    return IdentityProvider(
        # the store's configured domain, never the request's Host (see stores.urls)
        entity_id=external_url("console_bridge.idp_metadata"),
        sso_url=external_url("console_bridge.sso"),
        pair=pair,
        sp_xml=sp_xml,
    )


@bp.get("/saml/idp/metadata.xml")
def idp_metadata() -> ResponseReturnValue:
    xml = identity_provider(with_sp=False).metadata_xml()
    response = make_response(xml)
    response.headers["Content-Type"] = "application/samlmetadata+xml; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="idp-metadata.xml"'
    return response


@bp.post("/console/open/<id:resource_id>")
def open_console(resource_id: int) -> ResponseReturnValue:
    customer = _signed_in()
    if customer is None:
        return redirect(url_for("accounts.login", next=url_for("billing.resources")))
    try:
        minted = services.mint_link(customer, resource_id, origin())
    except ConsoleRefused as exc:
        return refused_page(exc)
    db.session.commit()
    # A page, not a redirect: a form post may not redirect off-site under form-action 'self'.
    go = url_for("console_bridge.go", token=minted.token)
    return render_template("console_bridge/opening.html", go_url=go)


@bp.get("/console/go/<token>")
def go(token: str) -> ResponseReturnValue:
    if len(token) > 128:
        return refused_page(ConsoleRefused(404, "link_unknown", INVALID))
    try:
        redeemed = services.redeem_link(
            token, origin(), _signed_in(), external_url("billing.resources")
        )
    except ConsoleRefused as exc:
        return refused_page(exc)
    db.session.commit()
    if redeemed.secret is not None:  # SAML: our SSO endpoint answers this jump next
        session[SESSION_KEY] = {"id": redeemed.jump_id, "secret": redeemed.secret}
    response = redirect(redeemed.login_url, 302)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/saml/idp/sso", methods=["GET", "POST"])
@csrf.exempt
def sso() -> ResponseReturnValue:
    who = origin()
    values = request.args if request.method == "GET" else request.form
    binding = BINDING_HTTP_REDIRECT if request.method == "GET" else BINDING_HTTP_POST
    try:
        pending = services.pending_jump(session.get(SESSION_KEY), who)
    except ConsoleRefused as exc:
        return refused_page(exc)
    try:
        idp = identity_provider()
        req = idp.parse_request(
            values.get("SAMLRequest", ""),
            binding,
            relay_state=values.get("RelayState"),
            sigalg=values.get("SigAlg"),
            signature=values.get("Signature"),
        )
    except saml.SamlError as exc:
        current_app.logger.warning("SAML request refused: %s", exc)
        return refused_page(
            services.refuse_sso(
                pending,
                ConsoleRefused(
                    400,
                    exc.code,
                    _l("The cloud console's sign-in request was refused."),
                    str(exc)[:200],
                ),
                who,
            )
        )
    relay = values.get("RelayState") or pending.jump.service or ""
    if relay != pending.jump.service or not services.allowed_service(relay):
        return refused_page(
            services.refuse_sso(
                pending,
                ConsoleRefused(400, "service_not_allowed", NOT_ALLOWED),
                who,
            )
        )
    saml_response = idp.response(
        req,
        user_id=pending.customer.provider_xaccount_id or "",
        attributes=services.assertion_attributes(pending.customer),
    )
    if not services.complete_jump(pending, who, req.sp_entity_id):
        return refused_page(
            ConsoleRefused(403, "no_pending_jump", _l("Open the console from your resources page."))
        )
    db.session.commit()
    session.pop(SESSION_KEY, None)
    html = render_template(
        "console_bridge/post.html",
        acs_url=req.acs_url,
        saml_response=saml_response,
        relay_state=relay,
    )
    return _post_response(html, req.acs_url)


def _post_response(html: str, acs_url: str) -> Response:
    """The auto-submitting form: this response's CSP lets it post to the ACS origin only."""
    parts = urlsplit(acs_url)
    target = f"{parts.scheme}://{parts.netloc}"
    nonce = csp_nonce()
    response = make_response(html)
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'nonce-{nonce}'; "
        f"style-src 'self' 'nonce-{nonce}'; "
        "img-src 'self' data:; "
        f"form-action 'self' {target}; "
        "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.before_request
def _enabled() -> ResponseReturnValue | None:
    if not services.console_settings().enabled:
        return refused_page(ConsoleRefused(404, "disabled", UNAVAILABLE))
    return None


def register(app: Flask) -> None:
    app.register_blueprint(bp)
