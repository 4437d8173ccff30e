"""Password hashing with argon2id (memory-hard).

Apps built with ``STOREFRONT_ENV=testing`` hash with the same argon2id at its lowest cost (one
pass over 1 MiB, one lane: about 1 ms of CPU instead of 200 ms per hash or login check), so the
test suite's hundreds of logins do not spend minutes in argon2. Every other environment uses
argon2-cffi's defaults (RFC 9106 low-memory profile). A hash records its own parameters, so
either kind verifies anywhere; :func:`needs_rehash` compares with the current app's parameters.
"""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

STANDARD = PasswordHasher()
TESTING = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A real hash to verify against when the account does not exist, so a login for an
    unknown email costs the same time as one for a known email (one per parameter set).
    Made on the first login check, known account or not (a process that never checks a
    password, a CLI command or a job worker, does not spend argon2's 100 ms on it)."""
    return hasher.hash("storefront-timing-equaliser")


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config["SETTINGS"].env == "testing":
        return TESTING
    return STANDARD


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher = _hasher()
    try:
        dummy = _dummy_hash(hasher)
        return hasher.verify(password_hash or dummy, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)
