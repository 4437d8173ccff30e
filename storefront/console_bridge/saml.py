"""The storefront as a SAML 2.0 identity provider (pysaml2, signing in-process: :mod:`.xmlsig`).

The provider's SP (its auth host) sends an AuthnRequest for a customer's console jump; we answer
with a signed Response holding a signed Assertion for that customer: NameID and ``xUserId`` are
the customer's account id on this platform (``xaccount_id`` at the provider), ``xAccountType``
the platform's identifier, ``bpId`` the partner id. The IdP metadata for the reseller to upload
is served at ``/saml/idp/metadata.xml``.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_UNSPECIFIED, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from storefront.console_bridge.settings import ConsoleSettings
from storefront.console_bridge.xmlsig import CRYPTO_BACKEND, use_binding
from storefront.errors import DomainError

log = logging.getLogger(__name__)
SP_METADATA_TTL_S = 300
DEV_KEY_DIR = "saml"


class SamlError(DomainError):
    """A refused or unreadable SAML message (400); ``code`` names the reason for the audit."""

    code: ClassVar[str] = "bad_request"
    status: ClassVar[int] = 400

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


@dataclass(frozen=True)
class KeyPair:
    key_file: Path
    cert_file: Path


_lock = threading.Lock()
_sp_cache: dict[str, tuple[float, str]] = {}
_servers: dict[tuple[str, str, str], Server] = {}


def key_pair(settings: ConsoleSettings, instance_path: Path, production: bool) -> KeyPair:
    """The signing pair from settings; outside production a dev pair under the instance folder."""
    if settings.key_file and settings.cert_file:
        return KeyPair(settings.key_file, settings.cert_file)
    if production:  # config validation refuses this already; never generate in production
        raise SamlError("no_key", "STOREFRONT_SAML_KEY_FILE/STOREFRONT_SAML_CERT_FILE not set")
    folder = instance_path / DEV_KEY_DIR
    pair = KeyPair(folder / "idp-dev.key", folder / "idp-dev.crt")
    with _lock:
        if not (pair.key_file.exists() and pair.cert_file.exists()):
            folder.mkdir(parents=True, exist_ok=True)
            key_pem, cert_pem = generate_pair("storefront-dev-idp")
            pair.key_file.write_bytes(key_pem)
            pair.key_file.chmod(0o600)
            pair.cert_file.write_bytes(cert_pem)
    return pair


def generate_pair(common_name: str, days: int = 3650) -> tuple[bytes, bytes]:
    """A self-signed RSA-2048 key and certificate (PEM), for development and the sandbox."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def sp_metadata(settings: ConsoleSettings, default_url: str) -> str:
    """The provider's SP metadata (file, or URL fetched and cached for a few minutes)."""
    if settings.sp_metadata_file:
        return settings.sp_metadata_file.read_text(encoding="utf-8")
    url = settings.sp_metadata_url or default_url
    now = time.monotonic()
    cached = _sp_cache.get(url)
    if cached and now - cached[0] < SP_METADATA_TTL_S:
        return cached[1]
    if not url.startswith(("https://", "http://")):
        raise SamlError("sp_metadata", f"bad SP metadata URL {url!r}")
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - http(s) checked
            xml = resp.read().decode("utf-8")
    except OSError as exc:
        raise SamlError("sp_metadata", f"could not fetch SP metadata from {url}: {exc}") from exc
    _sp_cache[url] = (now, xml)
    return xml


def forget_cached_metadata() -> None:
    _sp_cache.clear()
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
