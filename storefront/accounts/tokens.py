"""API bearer tokens: issued after sign-in, looked up per request (stored hashed), listed
and revoked by their owner."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select

from storefront.accounts.common import Principal, principal_key, sha256_hex, usable
from storefront.accounts.models import ApiToken, Customer, Staff
from storefront.clock import utcnow
from storefront.extensions import db

TOKEN_TTL = timedelta(days=30)
# A token's last use is kept to the minute (the account page shows it so): a token used many
# times a minute is written once a minute, and its other requests write nothing.
LAST_USE_STEP = timedelta(minutes=1)


def issue_token(principal: Principal, name: str = "API") -> tuple[str, ApiToken]:
    raw = "sf_" + secrets.token_urlsafe(32)
    token = ApiToken(
        store_id=principal.store_id,
        principal=principal_key(principal),
        token_hash=sha256_hex(raw),
        name=name[:80],
        created_at=utcnow(),
        expires_at=utcnow() + TOKEN_TTL,
    )
    db.session.add(token)
    db.session.flush()
    return raw, token


def principal_for_token(raw: str) -> Principal | None:
    """The live principal a bearer token belongs to in the current store, else None."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == sha256_hex(raw)))
    if token is None or token.revoked_at is not None or token.expires_at <= utcnow():
        return None
    kind, _, raw_id = token.principal.partition(":")
    principal: Principal | None = (
        db.session.get(Customer, int(raw_id)) if kind == "c" else db.session.get(Staff, int(raw_id))
    )
    if principal is None or principal.store_id != token.store_id or not usable(principal):
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_STEP:
        token.last_used_at = now  # pending: the caller commits it (see api.auth)
    return principal


def list_tokens(principal: Principal) -> Sequence[ApiToken]:
    return db.session.scalars(
        select(ApiToken)
        .where(ApiToken.principal == principal_key(principal), ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc())
    ).all()


def revoke_token(principal: Principal, token_id: int) -> bool:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.principal != principal_key(principal) or token.revoked_at:
        return False
    token.revoked_at = utcnow()
    db.session.flush()
    return True
