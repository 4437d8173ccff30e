"""The sandbox auth host's SAML service provider, on pysaml2 (signing in-process:
:mod:`storefront.console_bridge.xmlsig`).

pysaml2 loads its XML schemas when imported (about half a second), so the auth host's SAML
routes (:mod:`.console_auth`) import this module on their first SAML request, not when the
sandbox starts: a sandbox that never sees a console sign-in (most test processes, which each
run one) does not pay for it.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from storefront.cloud.sandbox.console_common import ACS_PATH, KEYS_KEY, base
from storefront.console_bridge.xmlsig import CRYPTO_BACKEND, use_binding


def sp_client(idp_xml: str | None) -> Saml2Client:
    keys = current_app.extensions[KEYS_KEY]
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


def metadata_xml() -> str:
    """The SP metadata the partner loads into its IdP."""
    xml = create_metadata_string(None, config=sp_client(None).config, valid=None)
    return xml.decode("utf-8") if isinstance(xml, bytes) else str(xml)


def login_request(idp_xml: str, service: str) -> tuple[str, str] | None:
    """A signed AuthnRequest to the one IdP of ``idp_xml`` (HTTP-Redirect), ``service`` as its
    RelayState: ``(request id, redirect location)``; None when the metadata names no single IdP."""
    client = sp_client(idp_xml)
    idps = list(client.metadata.identity_providers())
    if len(idps) != 1:
        return None
    request_id, info = client.prepare_for_authenticate(
        entityid=idps[0],
        relay_state=service,
        binding=BINDING_HTTP_REDIRECT,
        sigalg=SIG_RSA_SHA256,
        digest_alg=DIGEST_SHA256,
    )
    return str(request_id), dict(info["headers"])["Location"]


def parse_response(idp_xml: str, raw: str, outstanding: dict[str, str]) -> Any | None:
    """The checked Response (pysaml2's ``AuthnResponse``) if the IdP of ``idp_xml`` signed it
    for one of the ``outstanding`` requests; None for anything pysaml2 refuses."""
    try:
        return sp_client(idp_xml).parse_authn_request_response(
            raw, BINDING_HTTP_POST, outstanding=outstanding
        )
    except Exception:  # pysaml2 raises many kinds of error for a bad response
        return None
