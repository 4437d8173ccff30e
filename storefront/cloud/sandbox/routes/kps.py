"""KPS (DEW key pair service): create or import, list, show and delete SSH key pairs of a
project (``/v3/{project_id}/keypairs``).

As the ``CreateKeypairResp`` model documents: creating without ``public_key`` generates the
pair and answers the ``private_key`` once (the sandbox keeps only the public half); importing
answers without it. Names: letters, digits, ``_`` and ``-``, at most 255 bytes, unique in the
project. Fingerprints are the MD5 of the key blob in colon hex, as the provider's examples show.
Error codes: the material we could read names none for KPS (*confirm*); the status carries the
meaning (400 invalid, 404 unknown, 409 taken).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import zlib
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Blueprint, Response, request
from sqlalchemy import select

from storefront.cloud.sandbox.buying import own_project
from storefront.cloud.sandbox.server_models import Keypair
from storefront.cloud.sandbox.state import sandbox_state
from storefront.cloud.sandbox.wire import ApiError, body, respond

bp = Blueprint("sandbox_kps", __name__)

NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
KEY_TYPES = ("ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384")


def fingerprint(public_key: str) -> str:
    """MD5 colon-hex fingerprint of an OpenSSH public key line (ValueError: not a key)."""
    parts = public_key.strip().split()
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        raise ValueError("not an OpenSSH public key")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not an OpenSSH public key") from None
    if not blob.startswith(len(parts[0]).to_bytes(4, "big") + parts[0].encode()):
        raise ValueError("the key's type does not match its data")
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def _generate(name: str) -> tuple[str, str]:
    """A new RSA 2048 pair: (OpenSSH public key line, PEM private key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return f"{public.decode()} {name}", private.decode()


def keypair_json(k: Keypair) -> dict[str, Any]:
    return {
        "name": k.name,
        "type": k.type,
        "scope": "user",
        "public_key": k.public_key,
        "fingerprint": k.fingerprint,
        "is_key_protection": False,
        "frozen_state": "0",
    }


@bp.post("/v3/<project_id>/keypairs")
def create_keypair(project_id: str) -> Response:
    spec = body().get("keypair")
    if not isinstance(spec, dict):
        raise ApiError(400, "KPS.0001", "keypair is required.")
    name = spec.get("name")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ApiError(400, "KPS.0001", "The key pair name is invalid.")
    if spec.get("type", "ssh") not in ("ssh", "x509"):
        raise ApiError(400, "KPS.0001", "type must be ssh or x509.")
    imported = spec.get("public_key")
    private_key = None
    if imported is None:
        public_key, private_key = _generate(name)
    elif isinstance(imported, str) and len(imported) <= 1024:
        public_key = imported.strip()
    else:
        raise ApiError(400, "KPS.0001", "The public key is invalid.")
    try:
        print_ = fingerprint(public_key)
    except ValueError:
        raise ApiError(400, "KPS.0001", "The public key is invalid.") from None
    with sandbox_state().db.session() as s:
        project = own_project(s, project_id)
        if s.get(Keypair, (project.id, name)) is not None:
            raise ApiError(409, "KPS.0003", f"The key pair {name} already exists.")
        s.add(Keypair(project_id=project.id, name=name, public_key=public_key, fingerprint=print_))
    answer = {
        "name": name,
        "type": "ssh",
        "public_key": public_key,
        "fingerprint": print_,
        "user_id": project_id,
    }
    if private_key is not None:
        answer["private_key"] = private_key
    return respond({"keypair": answer})


@bp.get("/v3/<project_id>/keypairs")
def list_keypairs(project_id: str) -> Response:
    limit = int(request.args.get("limit") or 50)
    marker = request.args.get("marker") or ""
    with sandbox_state().db.session() as s:
        project = own_project(s, project_id)
        rows = list(
            s.scalars(
                select(Keypair)
                .where(Keypair.project_id == project.id, Keypair.name > marker)
                .order_by(Keypair.name)
                .limit(max(1, limit) + 1)
            )
        )
        page = rows[: max(1, limit)]
        items = [{"keypair": keypair_json(k)} for k in page]
    page_info: dict[str, Any] = {"current_count": len(items)}
    if len(rows) > len(page):
        page_info["next_marker"] = page[-1].name
    return respond({"keypairs": items, "page_info": page_info})


def _owned(s: Any, project_id: str, name: str) -> Keypair:
    project = own_project(s, project_id)
    row: Keypair | None = s.get(Keypair, (project.id, name))
    if row is None:
        raise ApiError(404, "KPS.0004", f"The key pair {name} does not exist.")
    return row


@bp.get("/v3/<project_id>/keypairs/<name>")
def show_keypair(project_id: str, name: str) -> Response:
    with sandbox_state().db.session() as s:
        row = _owned(s, project_id, name)
        detail = keypair_json(row) | {
            "id": zlib.crc32(name.encode()) % 100000,
            "deleted": False,
            "user_id": project_id,
            "create_time": int(row.created_at.timestamp()),
        }
    return respond({"keypair": detail})


@bp.delete("/v3/<project_id>/keypairs/<name>")
def delete_keypair(project_id: str, name: str) -> Response:
    with sandbox_state().db.session() as s:
        s.delete(_owned(s, project_id, name))
    return Response(status=204)
