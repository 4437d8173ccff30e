"""The provider's auth host and console in the sandbox (see :mod:`..console_site`), plus
unsigned control endpoints: a partner uploads its IdP metadata per ``xAccountType`` (what a
reseller does in the partner center), by XML or by a URL the sandbox fetches."""

from __future__ import annotations

import urllib.request
from typing import Any

from flask import Blueprint, Flask, Response
from flask.sansio.blueprints import BlueprintSetupState

from storefront.cloud.sandbox import console_models  # noqa: F401  (joins the sandbox schema)
from storefront.cloud.sandbox.console_models import IdpTrust
from storefront.cloud.sandbox.console_site import ConsoleDispatcher, create_console_site
from storefront.cloud.sandbox.models import utcnow
from storefront.cloud.sandbox.state import EXTENSION_KEY, sandbox_state
from storefront.cloud.sandbox.wire import bad_request, body, field, respond

bp = Blueprint("sandbox_console", __name__, url_prefix="/_sandbox/console")
MAX_METADATA = 2 * 1024 * 1024  # the partner center's limit


@bp.record_once
def _mount(state: BlueprintSetupState) -> None:
    app = state.app
    assert isinstance(app, Flask)
    site = create_console_site(app.extensions[EXTENSION_KEY])
    app.extensions["sandbox_console_site"] = site
    app.wsgi_app = ConsoleDispatcher(app.wsgi_app, site)  # type: ignore[method-assign]


@bp.post("/idp-metadata")
def upload_idp_metadata() -> Response:
    data = body()
    xaccount_type = field(data, "xaccount_type", str, required=True)
    xml = field(data, "metadata_xml", str)
    url = field(data, "metadata_url", str)
    if not xml and not url:
        raise bad_request("metadata_xml or metadata_url is required.")
    if url and not xml:
        if not url.startswith(("http://", "https://")):
            raise bad_request("metadata_url must be http(s).")
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - checked
                xml = resp.read(MAX_METADATA + 1).decode("utf-8")
        except OSError as exc:
            raise bad_request(f"could not fetch {url}: {exc}") from None
    assert xml is not None
    if len(xml) > MAX_METADATA or "IDPSSODescriptor" not in xml:
        raise bad_request("The file is not an IdP metadata file (≤ 2 MB).")
    with sandbox_state().db.session() as s:
        trust = s.get(IdpTrust, xaccount_type)
        if trust is None:
            trust = IdpTrust(xaccount_type=xaccount_type, metadata_xml=xml)
            s.add(trust)
        trust.metadata_xml = xml
        trust.metadata_url = url
        trust.updated_at = utcnow()
    return respond({"xaccount_type": xaccount_type, "bytes": len(xml)})


@bp.get("/idp-metadata")
def list_idp_metadata() -> Response:
    with sandbox_state().db.session() as s:
        items: list[dict[str, Any]] = [
            {"xaccount_type": t.xaccount_type, "metadata_url": t.metadata_url}
            for t in s.query(IdpTrust).order_by(IdpTrust.xaccount_type)
        ]
    return respond({"items": items})
