"""Delivery signatures: ``Storefront-Signature: t=<unix time>,v1=<hex>[,v1=<hex>]``.

``v1`` is HMAC-SHA256, keyed with the endpoint's secret, over ``"<t>.<raw body>"``. While a
rotated-out secret is still within its overlap, a second ``v1`` is signed with it, so a receiver
holding either secret verifies. A receiver checks any ``v1`` against its secret in constant time
and refuses a ``t`` older than a few minutes (replays of a captured request).
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Storefront-Signature"
TOLERANCE_S = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets: list[str], timestamp: int, body: bytes) -> str:
    return ",".join([f"t={timestamp}", *(f"v1={sign(s, timestamp, body)}" for s in secrets)])


def verify(
    header: str,
    secret: str,
    body: bytes,
    *,
    tolerance_s: int = TOLERANCE_S,
    now: float | None = None,
) -> bool:
    """What a receiver does: True when one ``v1`` matches and ``t`` is recent."""
    stamp, signatures = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            stamp = int(value)
        elif name == "v1":
            signatures.append(value)
    if stamp is None or abs((now if now is not None else time.time()) - stamp) > tolerance_s:
        return False
    expected = sign(secret, stamp, body)
    return any(hmac.compare_digest(expected, s) for s in signatures)
