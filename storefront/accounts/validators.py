"""Pure input rules: resident id numbers, unified social credit codes, phones, passwords,
display names and provider account names."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# GB 11643: 17 digits + a mod-11 check character (0-9 or X).
_ID_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^[1-9]\d{16}[\dX]$")

# GB 32100: 18 characters from 31 symbols (no I, O, S, V, Z) with a mod-31 check character.
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")

# The provider's account (login) name: 5-32 characters of ``^[a-zA-Z_-][a-zA-Z0-9_-]*$``, not
# starting with op_ or shadow_, not all digits (create_sub_customer's domain_name).
ACCOUNT_NAME_CHARS_RE = re.compile(r"^[A-Za-z_-][A-Za-z0-9_-]*$")
ACCOUNT_NAME_RESERVED = ("op_", "shadow_")
ACCOUNT_NAME_MIN, ACCOUNT_NAME_MAX = 5, 32
# check_user_identity only takes names starting with a letter or '-' (its search_value rule).
IDENTITY_NAME_RE = re.compile(r"^[A-Za-z-][A-Za-z0-9_-]{4,31}$")
DISPLAY_NAME_MAX = 64
# Format characters a name may need (zero-width non-joiner / joiner); other control, format
# (bidi overrides), surrogate, private-use, unassigned and line/paragraph separators are refused.
_NAME_FORMAT_OK = {"\u200c", "\u200d"}
_NAME_BAD_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 64


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def valid_id_number(value: str, today: date | None = None) -> bool:
    """Format, a real birth date (not in the future, not before 1900) and the check digit."""
    value = value.strip().upper()
    if not _ID_RE.match(value):
        return False
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    if born.year < 1900 or born > (today or date.today()):
        return False
    return id_check_char(value[:17]) == value[17]


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def valid_credit_code(value: str) -> bool:
    value = value.strip().upper()
    if len(value) != 18 or not _USCC_RE.match(value):
        return False
    return uscc_check_char(value[:17]) == value[17]


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why ``password`` is refused, or None. ≥ 10 chars with letters and digits; the provider
    also refuses passwords equal to the account name (or reversed)."""
    if len(password) < MIN_PASSWORD:
        return "too_short"
    if len(password) > MAX_PASSWORD:
        return "too_long"
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return "letters_and_digits"
    lowered = password.lower()
    if name and lowered in (name.lower(), name.lower()[::-1]):
        return "same_as_name"
    if email and lowered == email.lower():
        return "same_as_email"
    return None


def valid_phone(value: str) -> bool:
    return bool(E164_RE.match(value))


def provider_mobile(e164: str) -> str | None:
    """The provider takes mainland China mobiles only (``+8613…`` -> ``13…``)."""
    if e164.startswith("+86") and re.fullmatch(r"1\d{10}", e164[3:]):
        return e164[3:]
    return None


def display_name(value: str) -> str:
    """A person's name as we keep it: NFC-normalised, surrounding spaces stripped."""
    return unicodedata.normalize("NFC", value or "").strip()


def display_name_problem(value: str) -> str | None:
    """Why a (normalised) display name is refused: ``empty``, ``too_long``, ``control``."""
    if not value:
        return "empty"
    if len(value) > DISPLAY_NAME_MAX:
        return "too_long"
    for ch in value:
        if ch not in _NAME_FORMAT_OK and unicodedata.category(ch) in _NAME_BAD_CATEGORIES:
            return "control"
    return None


def account_name_problem(value: str) -> str | None:
    """Why the provider would refuse ``value`` as an account name, or None:
    ``length``, ``characters``, ``reserved`` (op_/shadow_), ``digits`` (all digits)."""
    if not ACCOUNT_NAME_MIN <= len(value) <= ACCOUNT_NAME_MAX:
        return "length"
    if value.isascii() and value.isdigit():
        return "digits"
    if not ACCOUNT_NAME_CHARS_RE.match(value):
        return "characters"
    if value.lower().startswith(ACCOUNT_NAME_RESERVED):
        return "reserved"
    return None
