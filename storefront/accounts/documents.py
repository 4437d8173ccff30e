"""Real-name documents: uploaded images and PDFs, checked by their first bytes and stored
encrypted under the instance path."""

from __future__ import annotations

import uuid
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from storefront.accounts import crypto
from storefront.accounts.errors import AccountError

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
DOCUMENT_TYPES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png", b"%PDF-": "pdf"}


def sniff_document(data: bytes) -> str | None:
    for magic, ext in DOCUMENT_TYPES.items():
        if data.startswith(magic):
            return ext
    return None


def _document_dir() -> Path:
    path = Path(current_app.instance_path) / "realname"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_document(data: bytes) -> str:
    """Encrypt and store an uploaded image/PDF under the instance path; returns its name."""
    limit = int(current_app.config.get("ACCOUNTS_MAX_DOCUMENT_BYTES", MAX_DOCUMENT_BYTES))
    if len(data) > limit:
        raise AccountError(
            "invalid_input", _l("The file is too large."), {"documents": _l("Too large.")}
        )
    ext = sniff_document(data)
    if ext is None:
        raise AccountError(
            "invalid_input",
            _l("Upload a JPEG, PNG or PDF file."),
            {"documents": _l("Upload a JPEG, PNG or PDF file.")},
        )
    name = f"{uuid.uuid4().hex}.{ext}"
    (_document_dir() / f"{name}.enc").write_bytes(crypto.encrypt_bytes(data))
    return name


def document_path(name: str) -> Path:
    """Where a stored document (by the name :func:`store_document` returned) is kept."""
    return _document_dir() / f"{Path(name).name}.enc"


def read_document(name: str) -> bytes:
    return crypto.decrypt_bytes(document_path(name).read_bytes())
