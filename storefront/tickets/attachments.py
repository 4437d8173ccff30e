"""Ticket attachments: type-checked by their first bytes, at most :data:`MAX_FILES` per message
and :data:`MAX_BYTES` each, counted in the customer's upload quota, stored encrypted under the
instance path like real-name documents."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Response, current_app
from flask_babel import lazy_gettext as _l

from storefront import uploads
from storefront.accounts import crypto
from storefront.tickets.errors import TicketError

MAX_FILES = 3
MAX_BYTES = 5 * 1024 * 1024
MAGIC = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png", b"%PDF-": "pdf"}
MIME = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
    "txt": "text/plain; charset=utf-8",
}


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def sniff(data: bytes) -> str | None:
    """``jpg``/``png``/``pdf`` by their signature, ``txt`` for UTF-8 text (logs); else None."""
    for magic, kind in MAGIC.items():
        if data.startswith(magic):
            return kind
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "txt"


def _fail(message: object) -> TicketError:
    return TicketError(str(message), fields={"attachments": str(message)})


def check(files: list[Upload], customer_id: int) -> list[tuple[Upload, str]]:
    """The files with their kind; a :class:`TicketError` naming ``attachments`` otherwise."""
    files = [f for f in files if f.filename or f.data]
    if len(files) > MAX_FILES:
        raise _fail(_l("Attach at most %(count)s files.", count=MAX_FILES))
    checked = []
    for f in files:
        if not f.data:
            raise _fail(_l("%(name)s is empty.", name=f.filename))
        if len(f.data) > MAX_BYTES:
            raise _fail(_l("%(name)s is larger than 5 MB.", name=f.filename))
        kind = sniff(f.data)
        if kind is None:
            raise _fail(_l("%(name)s: attach JPEG, PNG, PDF or text files.", name=f.filename))
        checked.append((f, kind))
    try:
        uploads.check_quota(customer_id, (f.data for f in files))
    except uploads.UploadQuotaExceeded:
        raise _fail(_l("You have stored too many files: remove old ones first.")) from None
    return checked


def _dir() -> Path:
    path = Path(current_app.instance_path) / "tickets"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(data: bytes, kind: str) -> str:
    name = f"{uuid.uuid4().hex}.{kind}"
    (_dir() / f"{name}.enc").write_bytes(crypto.encrypt_bytes(data))
    return name


def path_of(stored_name: str) -> Path:
    return _dir() / f"{Path(stored_name).name}.enc"


def read(stored_name: str) -> bytes:
    return crypto.decrypt_bytes(path_of(stored_name).read_bytes())


def safe_filename(name: str) -> str:
    """The name shown and offered for download: its last path part, printable, ≤ 120 chars."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>')
    return (cleaned.strip() or "attachment")[:120]


def send(found: Any) -> Response:
    """An attachment row's file as a download (never rendered inline)."""
    data = read(found.stored_name)
    resp = Response(data, mimetype=MIME.get(found.kind, "application/octet-stream"))
    resp.headers.set("Content-Disposition", "attachment", filename=found.filename)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
