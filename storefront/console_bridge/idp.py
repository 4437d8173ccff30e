"""The SAML 2.0 identity provider itself, on pysaml2 (signing in-process: :mod:`.xmlsig`).

pysaml2 loads its XML schemas when imported (about half a second of a process's start), so the
console pages import this module when they first need it (a console sign-in, the IdP
metadata), not at the app's start: CLI commands, job workers and web workers that never sign
anyone in to the console do not pay for it. The key pair, the SP metadata and the errors are in
:mod:`.saml`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_UNSPECIFIED, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from storefront.console_bridge.saml import KeyPair, SamlError
from storefront.console_bridge.xmlsig import CRYPTO_BACKEND, use_binding

_servers: dict[tuple[str, str, str], Server] = {}


def forget_servers() -> None:
    """Drop the IdPs built so far (the next one is built from its metadata again)."""
    _servers.clear()


def _config(entity_id: str, sso_url: str, pair: KeyPair, sp_xml: str | None) -> IdPConfig:
    conf: dict[str, Any] = {
        "entityid": entity_id,
        "crypto_backend": CRYPTO_BACKEND,
        "key_file": str(pair.key_file),
        "cert_file": str(pair.cert_file),
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
        "accepted_time_diff": 120,
        "service": {
            "idp": {
                "name": "Storefront",
                "endpoints": {
                    "single_sign_on_service": [
                        (sso_url, BINDING_HTTP_REDIRECT),
                        (sso_url, BINDING_HTTP_POST),
                    ],
                },
                "name_id_format": [NAMEID_FORMAT_UNSPECIFIED],
                "sign_response": True,
                "sign_assertion": True,
                "want_authn_requests_signed": True,
                "policy": {
                    "default": {
                        "lifetime": {"minutes": 5},
                        "attribute_restrictions": None,
                        "name_form": NAME_FORMAT_BASIC,
                    }
                },
            }
        },
    }
    if sp_xml is not None:
        conf["metadata"] = {"inline": [sp_xml]}
    config = IdPConfig()
    config.load(conf)
    return config


class IdentityProvider:
    """One IdP, addressed by ``entity_id`` with its SSO endpoint at ``sso_url``."""

    def __init__(
        self,
        *,
        entity_id: str,
        sso_url: str,
        pair: KeyPair,
        sp_xml: str | None,
    ) -> None:
        self.entity_id = entity_id
        key = (entity_id, sso_url, sp_xml or "")
        server = _servers.get(key)
        if server is None:
            server = Server(config=_config(entity_id, sso_url, pair, sp_xml))
            use_binding(server, pair.key_file)
            if len(_servers) > 32:
                _servers.clear()
            _servers[key] = server
        self.server = server

    def metadata_xml(self) -> str:
        xml = create_metadata_string(None, config=self.server.config, valid=None)
        return xml.decode("utf-8") if isinstance(xml, bytes) else str(xml)

    def parse_request(
        self,
        saml_request: str,
        binding: str,
        *,
        relay_state: str | None = None,
        sigalg: str | None = None,
        signature: str | None = None,
    ) -> AuthnRequestInfo:
        """Parse and check an AuthnRequest: signature, known SP entity, ACS URL in its metadata."""
        try:
            info = self.server.parse_authn_request(
                saml_request, binding, relay_state=relay_state, sigalg=sigalg, signature=signature
            )
        except Exception as exc:  # pysaml2 raises many types for a bad message
            raise SamlError("bad_request", f"unreadable or unsigned AuthnRequest: {exc}") from exc
        if info is None:
            raise SamlError("bad_request", "unreadable AuthnRequest")
        message = info.message
        issuer = message.issuer.text.strip() if message.issuer is not None else ""
        known = set(self.server.metadata.keys())
        if not issuer or issuer not in known:
            raise SamlError("unknown_sp", f"AuthnRequest from an unknown SP entity {issuer!r}")
        acs_urls = {
            acs["location"]
            for acs in self.server.metadata.assertion_consumer_service(issuer, BINDING_HTTP_POST)
        }
        acs = message.assertion_consumer_service_url
        if acs and acs not in acs_urls:
            raise SamlError("bad_acs", f"ACS URL {acs!r} is not in the SP's metadata")
        if not acs_urls:
            raise SamlError("bad_acs", "the SP's metadata has no HTTP-POST ACS")
        return AuthnRequestInfo(
            request_id=message.id, sp_entity_id=issuer, acs_url=acs or sorted(acs_urls)[0]
        )

    def response(
        self, request: AuthnRequestInfo, *, user_id: str, attributes: dict[str, str]
    ) -> str:
        """A signed Response with a signed Assertion, base64-encoded for the HTTP-POST form."""
        name_id = NameID(format=NAMEID_FORMAT_UNSPECIFIED, text=user_id)
        response = self.server.create_authn_response(
            identity={k: [v] for k, v in attributes.items()},
            in_response_to=request.request_id,
            destination=request.acs_url,
            sp_entity_id=request.sp_entity_id,
            name_id=name_id,
            authn={
                "class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
                "authn_auth": self.entity_id,
            },
            sign_response=True,
            sign_assertion=True,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        return base64.b64encode(str(response).encode("utf-8")).decode("ascii")


@dataclass(frozen=True)
class AuthnRequestInfo:
    request_id: str
    sp_entity_id: str
    acs_url: str
