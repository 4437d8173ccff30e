"""Generated test keys shared by the emulators and the adapters in development and tests.

Kept as PEM files under the instance folder (``payment-emulator-keys/``) so the web process
and the job worker of one installation use the same keys; created on first use.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ALIPAY_APP_ID = "2021000000000001"
WECHAT_MCH_ID = "1900000109"
WECHAT_APP_ID = "wxd678efh567hg6787"
_lock = threading.Lock()
_cache: dict[str, DevKeys] = {}


@dataclass(frozen=True)
class DevKeys:
    alipay_app_private: str = field(repr=False)  # the merchant's (signs requests)
    alipay_app_public: str
    alipay_private: str = field(repr=False)  # Alipay's (signs answers and notifications)
    alipay_public: str
    wechat_merchant_private: str = field(repr=False)
    wechat_merchant_public: str
    wechat_merchant_serial: str
    wechat_platform_private: str = field(repr=False)
    wechat_platform_cert: str
    wechat_platform_serial: str
    wechat_apiv3_key: str = field(repr=False)


def _private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _certificate(key: rsa.RSAPrivateKey, serial: int) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA (emulator)")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _generate() -> dict[str, str]:
    def new() -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    app, ali, merchant, platform = new(), new(), new(), new()
    serial = secrets.randbits(120) | (1 << 120)
    return {
        "alipay_app_private": _private_pem(app),
        "alipay_app_public": _public_pem(app),
        "alipay_private": _private_pem(ali),
        "alipay_public": _public_pem(ali),
        "wechat_merchant_private": _private_pem(merchant),
        "wechat_merchant_public": _public_pem(merchant),
        "wechat_merchant_serial": f"{secrets.randbits(120) | (1 << 120):X}",
        "wechat_platform_private": _private_pem(platform),
        "wechat_platform_cert": _certificate(platform, serial),
        "wechat_platform_serial": f"{serial:X}",
        "wechat_apiv3_key": secrets.token_hex(16),
    }


def dev_keys(instance_path: str | Path) -> DevKeys:
    folder = Path(instance_path) / "payment-emulator-keys"
    with _lock:
        found = _cache.get(str(folder))
        if found is not None:
            return found
        names = DevKeys.__dataclass_fields__
        if all((folder / f"{n}.pem").exists() for n in names):
            values = {n: (folder / f"{n}.pem").read_text() for n in names}
        else:
            values = _generate()
            folder.mkdir(parents=True, exist_ok=True)
            for n, text in values.items():
                path = folder / f"{n}.pem"
                path.write_text(text)
                path.chmod(0o600)
        found = _cache[str(folder)] = DevKeys(**values)
        return found
