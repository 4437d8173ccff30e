"""Personal data at rest: MultiFernet over ``STOREFRONT_ENCRYPTION_KEYS`` (newest first).

Encryption always uses the first (newest) key; decryption tries every key, so rotating is:
put a new key first, deploy, run ``flask storefront rotate-encryption`` (re-encrypts every
stored value with the newest key), then drop the old key.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, MultiFernet
from flask import current_app


def _fernet() -> MultiFernet:
    keys: tuple[str, ...] = current_app.config["SETTINGS"].encryption_keys
    return MultiFernet([Fernet(k.encode()) for k in keys])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def encrypt_bytes(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt_bytes(data: bytes) -> bytes:
    return _fernet().decrypt(data)


def rotate(token: str) -> str:
    """Re-encrypt ``token`` with the newest key."""
    return _fernet().rotate(token.encode()).decode()


def mask(number: str) -> str:
    """``110101199003071234`` -> ``1101**********1234`` (first and last four kept)."""
    number = number.strip()
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
