"""HTTPS deliveries: the connection goes to the checked address, the certificate is verified
against the URL's host name (a receiver with a certificate for another name is refused)."""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import certifi
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask

from storefront.cloud.sandbox.testing import serve_in_thread
from storefront.webhooks import transport


def _certificate(folder: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[tuple[int, Path, list[bytes]]]:
    got: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            got.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    cert, key = _certificate(tmp_path, "localhost")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    serve_in_thread(server)
    yield server.server_port, cert, got
    server.shutdown()
    server.server_close()


def test_https_verifies_the_host_name_on_the_pinned_address(
    app: Flask,
    tls_receiver: tuple[int, Path, list[bytes]],
    local_targets: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port, cert, got = tls_receiver
    with app.test_request_context():
        untrusted = transport.post(f"https://localhost:{port}/h", b"{}", {}, 5)
        assert untrusted.status is None and "CERTIFICATE_VERIFY_FAILED" in (untrusted.error or "")
        monkeypatch.setattr(certifi, "where", lambda: str(cert))  # trust our test authority
        trusted = transport.post(f"https://localhost:{port}/h", b'{"a":1}', {}, 5)
        assert trusted.status == 204 and trusted.ok
        # the certificate names localhost, not 127.0.0.1
        wrong_name = transport.post(f"https://127.0.0.1:{port}/h", b"{}", {}, 5)
        assert wrong_name.status is None and wrong_name.error
    assert got == [b'{"a":1}']
