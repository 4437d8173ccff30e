"""The storefront as a SAML 2.0 identity provider: its signing key pair, the provider's SP
metadata, the errors. The IdP itself (pysaml2) is :mod:`.idp`.

The provider's SP (its auth host) sends an AuthnRequest for a customer's console jump; we answer
with a signed Response holding a signed Assertion for that customer: NameID and ``xUserId`` are
the customer's account id on this platform (``xaccount_id`` at the provider), ``xAccountType``
the platform's identifier, ``bpId`` the partner id. The IdP metadata for the reseller to upload
is served at ``/saml/idp/metadata.xml``.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from storefront.console_bridge.settings import ConsoleSettings
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
