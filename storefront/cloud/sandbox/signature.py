"""Our own verifier for the provider's ``SDK-HMAC-SHA256`` request signatures.

Re-implemented from the published algorithm (canonical request -> string to sign ->
HMAC-SHA256 with the secret key); it does not import the SDK's signer.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, unquote

ALGORITHM = "SDK-HMAC-SHA256"
DATE_HEADER = "X-Sdk-Date"
CONTENT_HASH_HEADER = "X-Sdk-Content-Sha256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_HASH = hashlib.sha256(b"").hexdigest()

_AUTH_RE = re.compile(
    r"^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)$"
)


class SignatureError(Exception):
    """The request is not properly signed; ``str(exc)`` says why (gateway wording)."""


@dataclass(frozen=True, slots=True)
class Authorization:
    access_key: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str | None) -> Authorization:
    match = _AUTH_RE.match((value or "").strip())
    if not match:
        raise SignatureError(
            "Incorrect IAM authentication information: Authorization header invalid"
        )
    ak, headers, signature = match.groups()
    return Authorization(ak, tuple(headers.split(";")), signature.lower())


def _encode(segment: str) -> str:
    return quote(segment, safe="~")


def canonical_uri(path: str) -> str:
    """Each path segment percent-encoded (RFC 3986 unreserved kept), always ending in ``/``."""
    uri = "/".join(_encode(part) for part in unquote(path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(query_string: str) -> str:
    """Parameters sorted by name then value, each name and value percent-encoded."""
    pairs = sorted(parse_qsl(query_string, keep_blank_values=True))
    return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in pairs)


def canonical_request(
    *,
    method: str,
    path: str,
    query_string: str,
    headers: Mapping[str, str],
    signed_headers: tuple[str, ...],
    body: bytes,
) -> str:
    lowered = {k.lower(): v for k, v in headers.items()}
    lines = [f"{name}:{lowered.get(name, '').strip()}" for name in signed_headers]
    payload_hash = lowered.get(CONTENT_HASH_HEADER.lower()) if body else None
    if not payload_hash:
        payload_hash = hashlib.sha256(body).hexdigest() if body else EMPTY_HASH
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            canonical_query(query_string),
            "\n".join(lines) + "\n",
            ";".join(signed_headers),
            payload_hash,
        ]
    )


def string_to_sign(canonical: str, sdk_date: str) -> str:
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{sdk_date}\n{digest}"


def signature(secret_key: str, to_sign: str) -> str:
    return hmac.new(secret_key.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def parse_sdk_date(value: str | None) -> datetime:
    try:
        return datetime.strptime(value or "", DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise SignatureError(
            "Incorrect IAM authentication information: X-Sdk-Date header invalid"
        ) from None


def verify(
    *,
    method: str,
    path: str,
    query_string: str,
    headers: Mapping[str, str],
    body: bytes,
    secret_key: str,
    auth: Authorization,
    now: datetime,
    max_skew_s: float = 900,
) -> None:
    """Raise :class:`SignatureError` unless the request is signed by ``secret_key`` and fresh."""
    lowered = {k.lower() for k in headers}
    if DATE_HEADER.lower() not in auth.signed_headers or "host" not in auth.signed_headers:
        raise SignatureError(
            "Incorrect IAM authentication information: host and x-sdk-date must be signed"
        )
    if any(h not in lowered for h in auth.signed_headers):
        raise SignatureError("Incorrect IAM authentication information: signed header missing")
    signed_at = parse_sdk_date(_header(headers, DATE_HEADER))
    if abs((now - signed_at).total_seconds()) > max_skew_s:
        raise SignatureError(
            "Incorrect IAM authentication information: request expired, X-Sdk-Date is more "
            "than 15 minutes off"
        )
    canonical = canonical_request(
        method=method,
        path=path,
        query_string=query_string,
        headers=headers,
        signed_headers=auth.signed_headers,
        body=body,
    )
    expected = signature(secret_key, string_to_sign(canonical, _header(headers, DATE_HEADER)))
    if not hmac.compare_digest(expected, auth.signature):
        raise SignatureError("Incorrect IAM authentication information: verify aksk signature fail")


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return ""
