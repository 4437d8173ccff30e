"""Account rules: registration, email verification, login, tokens, 2FA, real-name.

No Flask request objects here: views and the API pass what they parsed. Errors are
:class:`~storefront.accounts.errors.AccountError` with a contract code (its status follows).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pyotp
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select, update

from storefront import uploads
from storefront.accounts import crypto, validators
from storefront.accounts.errors import AccountError, TooManyAttempts
from storefront.accounts.limits import throttle
from storefront.accounts.models import (
    ApiToken,
    Customer,
    CustomerStatus,
    RealnameStatus,
    RealnameSubmission,
    RecoveryCode,
    Staff,
    StoreSecurityPolicy,
)
from storefront.accounts.passwords import hash_password, needs_rehash, verify_password
from storefront.cloud.interface import (
    ReviewResult,
    UpstreamRejected,
    UpstreamUnavailable,
)
from storefront.extensions import cloud_provider, db
from storefront.stores.tenancy import current_store, current_store_id

log = logging.getLogger(__name__)

Principal = Customer | Staff

VERIFY_SALT = "accounts.verify-email"
RESET_SALT = "accounts.reset-password"
VERIFY_MAX_AGE = 3 * 24 * 3600
RESET_MAX_AGE = 3600
TOKEN_TTL = timedelta(days=30)
RECOVERY_CODES = 10
REALNAME_POLL_S = 30
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
DOCUMENT_TYPES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png", b"%PDF-": "pdf"}


def now() -> datetime:
    return datetime.now(UTC)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def principal_key(principal: Principal) -> str:
    return principal.get_id()


# --------------------------------------------------------------------------- registration
# (the registration flow itself: storefront.accounts.registration)


PASSWORD_MESSAGES = {
    "too_short": _l("Use at least 10 characters."),
    "too_long": _l("Use at most 64 characters."),
    "letters_and_digits": _l("Use both letters and digits."),
    "same_as_name": _l("The password must not be your account name."),
    "same_as_email": _l("The password must not be your email address."),
}


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


# --------------------------------------------------------------------------- email


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=salt)


def verification_token(customer: Customer) -> str:
    return str(_serializer(VERIFY_SALT).dumps({"c": customer.id, "e": customer.email}))


def send_verification(customer: Customer) -> None:
    """Queue the confirmation mail (sent by the worker after commit; see ``accounts.mails``),
    at most ``STOREFRONT_ACCOUNT_MAIL_LIMIT`` per account."""
    from storefront.accounts import mails

    store_id = customer.store_id
    if throttle().mail_allowed("verify", store_id, f"customer:{customer.id}"):
        mails.queue("verify", store_id, customer=customer.id, email=customer.email)


def verify_email(token: str) -> Customer:
    try:
        data = _serializer(VERIFY_SALT).loads(token or "", max_age=VERIFY_MAX_AGE)
    except (BadSignature, SignatureExpired):
        raise AccountError("invalid_token", _l("This link is invalid or has expired.")) from None
    customer = db.session.get(Customer, int(data.get("c", 0))) if isinstance(data, dict) else None
    if customer is None or customer.email != data.get("e"):
        raise AccountError("invalid_token", _l("This link is invalid or has expired."))
    if customer.status == CustomerStatus.PENDING_EMAIL:
        customer.status = CustomerStatus.ACTIVE
    if customer.email_verified_at is None:
        customer.email_verified_at = now()
    db.session.commit()
    return customer


def can_buy(customer: Customer) -> bool:
    """Verified email, not frozen or closed, real-name verified, and the store not frozen."""
    from storefront.stores.freeze import freeze_state

    return (
        customer.status == CustomerStatus.ACTIVE
        and customer.realname_status == RealnameStatus.VERIFIED
        and freeze_state(customer.store_id) is None
    )


def change_email(customer: Customer, new_email: str, password: str) -> None:
    if not verify_password(customer.password_hash, password):
        raise AccountError(
            "invalid_credentials", _l("The password is wrong."), {"password": _l("Wrong password.")}
        )
    email = normalise_email(new_email)
    if not email or "@" not in email.strip("@"):
        raise AccountError(
            "invalid_input", _l("Enter a valid email address."), {"email": _l("Invalid email.")}
        )
    if email == customer.email:
        return
    if db.session.scalar(select(Customer.id).where(Customer.email == email)) is not None:
        raise AccountError("email_taken", _l("An account with this email already exists."))
    customer.email = email
    customer.email_verified_at = None
    if customer.status == CustomerStatus.ACTIVE:
        customer.status = CustomerStatus.PENDING_EMAIL
    send_verification(customer)
    db.session.commit()


# --------------------------------------------------------------------------- login


def find_principal(kind: type[Principal], email: str) -> Principal | None:
    principal = db.session.scalar(select(kind).where(kind.email == normalise_email(email)))
    return cast("Principal | None", principal)


def _usable(principal: Principal) -> bool:
    if isinstance(principal, Staff):
        return bool(principal.is_active)
    return principal.status != CustomerStatus.CLOSED


def staff_2fa_required(store_id: int) -> bool:
    policy = db.session.get(StoreSecurityPolicy, store_id)
    return bool(policy and policy.staff_2fa_required)


def set_staff_2fa_required(store_id: int, required: bool) -> None:
    policy = db.session.get(StoreSecurityPolicy, store_id)
    if policy is None:
        policy = StoreSecurityPolicy(store_id=store_id)
        db.session.add(policy)
    policy.staff_2fa_required = required
    db.session.commit()


def _kind_key(kind: type[Principal]) -> str:
    return "s" if kind is Staff else "c"


def _login_failed(kind: type[Principal], email: str, ip: str | None) -> None:
    """Count a failed sign-in; when it locks the account, queue a mail to its owner."""
    store_id = current_store_id() or 0
    if throttle().login_failed(store_id, _kind_key(kind), email, ip):
        from storefront.accounts import mails

        seconds = current_app.config["SETTINGS"].throttle.login_lockout_s
        mails.queue(
            "locked", store_id, kind=_kind_key(kind), email=normalise_email(email), seconds=seconds
        )
        db.session.commit()


def _guard_login(kind: type[Principal], email: str, ip: str | None) -> None:
    wait = throttle().login_wait(current_store_id() or 0, _kind_key(kind), email, ip)
    if wait is not None:
        raise TooManyAttempts(wait)


def check_password(
    kind: type[Principal], email: str, password: str, ip: str | None = None
) -> Principal:
    """The principal for these credentials; the same error for unknown email and bad password.

    Throttled per account and per address (:class:`TooManyAttempts`); a hash made with older
    argon2 parameters is replaced by a new one (flushed; the caller commits)."""
    _guard_login(kind, email, ip)
    principal = find_principal(kind, email)
    ok = verify_password(principal.password_hash if principal else None, password or "")
    if principal is None or not ok or not _usable(principal):
        _login_failed(kind, email, ip)
        raise AccountError("invalid_credentials", _l("The email or password is wrong."))
    if needs_rehash(principal.password_hash):
        principal.password_hash = hash_password(password)
        db.session.flush()
    return principal


def second_factor(principal: Principal, code: str, ip: str | None = None) -> bool:
    """The sign-in's second step, on the same counters as the password."""
    kind = type(principal)
    _guard_login(kind, principal.email, ip)
    if verify_second_factor(principal, code):
        return True
    _login_failed(kind, principal.email, ip)
    return False


def authenticate(
    kind: type[Principal],
    email: str,
    password: str,
    otp: str | None = None,
    ip: str | None = None,
) -> Principal:
    """Password, then the second factor when enrolled."""
    principal = check_password(kind, email, password, ip)
    if principal.totp_enabled:
        if not otp:
            raise AccountError("otp_required", _l("Enter the code from your authenticator app."))
        if not second_factor(principal, otp, ip):
            raise AccountError("invalid_otp", _l("The code is wrong or was already used."))
    return principal


def issue_token(principal: Principal, name: str = "API") -> tuple[str, ApiToken]:
    raw = "sf_" + secrets.token_urlsafe(32)
    token = ApiToken(
        store_id=principal.store_id,
        principal=principal_key(principal),
        token_hash=_sha256(raw),
        name=name[:80],
        created_at=now(),
        expires_at=now() + TOKEN_TTL,
    )
    db.session.add(token)
    db.session.commit()
    return raw, token


def principal_for_token(raw: str) -> Principal | None:
    """The live principal a bearer token belongs to in the current store, else None."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _sha256(raw)))
    if token is None or token.revoked_at is not None or token.expires_at <= now():
        return None
    kind, _, raw_id = token.principal.partition(":")
    principal: Principal | None = (
        db.session.get(Customer, int(raw_id)) if kind == "c" else db.session.get(Staff, int(raw_id))
    )
    if principal is None or principal.store_id != token.store_id or not _usable(principal):
        return None
    token.last_used_at = now()
    db.session.commit()
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
    token.revoked_at = now()
    db.session.commit()
    return True


def log_out_everywhere(principal: Principal) -> None:
    """End every session (the session version moves on) and revoke every API token."""
    principal.session_version = (principal.session_version or 0) + 1
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.principal == principal_key(principal), ApiToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    db.session.commit()


def change_password(principal: Principal, current: str, new: str) -> None:
    if not verify_password(principal.password_hash, current):
        raise AccountError(
            "invalid_credentials",
            _l("The current password is wrong."),
            {"current_password": _l("Wrong password.")},
        )
    problem = validators.password_problem(new, email=principal.email, name=principal.name)
    if problem:
        raise AccountError(
            "invalid_input", PASSWORD_MESSAGES[problem], {"password": PASSWORD_MESSAGES[problem]}
        )
    principal.password_hash = hash_password(new)
    log_out_everywhere(principal)


def _reset_fingerprint(customer: Customer) -> str:
    return _sha256(customer.password_hash)[:16]


def reset_token(customer: Customer) -> str:
    data = {"c": customer.id, "h": _reset_fingerprint(customer)}
    return str(_serializer(RESET_SALT).dumps(data))


def request_password_reset(email: str) -> None:
    """Queue a reset mail for this address (at most ``STOREFRONT_ACCOUNT_MAIL_LIMIT`` per
    hour); the worker sends it when the account exists. Does the same whether or not it
    does: the caller's answer and timing say nothing. The caller commits."""
    from storefront.accounts import mails

    email = normalise_email(email)
    store_id = current_store_id() or 0
    if email and throttle().mail_allowed("reset", store_id, email):
        mails.queue("reset", store_id, email=email)


def reset_password(token: str, new_password: str) -> Customer:
    """Single use: the token names the old password's fingerprint, which the reset changes."""
    try:
        data = _serializer(RESET_SALT).loads(token or "", max_age=RESET_MAX_AGE)
    except (BadSignature, SignatureExpired):
        raise AccountError("invalid_token", _l("This link is invalid or has expired.")) from None
    customer = db.session.get(Customer, int(data.get("c", 0))) if isinstance(data, dict) else None
    if customer is None or not hmac.compare_digest(
        _reset_fingerprint(customer), str(data.get("h"))
    ):
        raise AccountError("invalid_token", _l("This link is invalid or has expired."))
    problem = validators.password_problem(new_password, email=customer.email, name=customer.name)
    if problem:
        raise AccountError(
            "invalid_input", PASSWORD_MESSAGES[problem], {"password": PASSWORD_MESSAGES[problem]}
        )
    customer.password_hash = hash_password(new_password)
    log_out_everywhere(customer)
    return customer


# --------------------------------------------------------------------------- 2FA


def begin_totp(principal: Principal) -> str:
    """A new (not yet enabled) secret; returns the otpauth:// URI for the QR code."""
    if principal.totp_enabled:
        raise AccountError("otp_enabled", _l("Two-factor authentication is already on."))
    secret = pyotp.random_base32()
    principal.totp_secret_enc = crypto.encrypt(secret)
    db.session.commit()
    return totp_uri(principal)


def totp_uri(principal: Principal) -> str:
    secret = crypto.decrypt(principal.totp_secret_enc or "")
    issuer = current_store().name
    return pyotp.TOTP(secret).provisioning_uri(name=principal.email, issuer_name=issuer)


def _check_totp(principal: Principal, code: str) -> bool:
    if not principal.totp_secret_enc:
        return False
    totp = pyotp.TOTP(crypto.decrypt(principal.totp_secret_enc))
    step = int(now().timestamp()) // totp.interval
    for offset in (0, -1, 1):
        candidate = step + offset
        if hmac.compare_digest(totp.at(candidate * totp.interval), code):
            if principal.totp_last_step is not None and candidate <= principal.totp_last_step:
                return False  # replayed
            principal.totp_last_step = candidate
            db.session.commit()
            return True
    return False


def confirm_totp(principal: Principal, code: str) -> list[str]:
    """Turn 2FA on after a correct code; returns the recovery codes (shown once)."""
    code = (code or "").strip().replace(" ", "")
    if principal.totp_enabled or not _check_totp(principal, code):
        raise AccountError("invalid_otp", _l("The code is wrong. Try the current one."))
    principal.totp_enabled = True
    codes = new_recovery_codes(principal)
    db.session.commit()
    return codes


def new_recovery_codes(principal: Principal) -> list[str]:
    key = principal_key(principal)
    db.session.execute(
        delete(RecoveryCode).where(
            RecoveryCode.principal == key, RecoveryCode.store_id == principal.store_id
        )
    )
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    for code in codes:
        db.session.add(
            RecoveryCode(store_id=principal.store_id, principal=key, code_hash=_sha256(code))
        )
    db.session.commit()
    return codes


def verify_second_factor(principal: Principal, code: str) -> bool:
    """A current TOTP code, or an unused recovery code (then spent)."""
    code = (code or "").strip().replace(" ", "").lower()
    if code.isdigit() and len(code) == 6:
        return _check_totp(principal, code)
    row = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.principal == principal_key(principal),
            RecoveryCode.store_id == principal.store_id,
            RecoveryCode.code_hash == _sha256(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = now()
    db.session.commit()
    return True


def remaining_recovery_codes(principal: Principal) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.principal == principal_key(principal),
                RecoveryCode.store_id == principal.store_id,
                RecoveryCode.used_at.is_(None),
            )
        ).all()
    )


def disable_totp(principal: Principal, password: str) -> None:
    if not verify_password(principal.password_hash, password):
        raise AccountError(
            "invalid_credentials", _l("The password is wrong."), {"password": _l("Wrong password.")}
        )
    principal.totp_enabled = False
    principal.totp_secret_enc = None
    principal.totp_last_step = None
    db.session.execute(
        delete(RecoveryCode).where(
            RecoveryCode.principal == principal_key(principal),
            RecoveryCode.store_id == principal.store_id,
        )
    )
    db.session.commit()


# --------------------------------------------------------------------------- real-name


@dataclass
class RealnameInput:
    kind: str
    name: str = ""
    id_number: str = ""
    company_name: str = ""
    credit_code: str = ""
    legal_person: str = ""
    documents: list[bytes] = field(default_factory=list)
    # individual: "resident_id" (default: the bank-card route) or another document type
    # (realname_routes.DOCUMENTS) with its three images in ``documents``
    document_type: str = ""
    bank_account: str = ""
    mobile: str = ""
    verification_code: str = ""


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


def validate_realname(data: RealnameInput) -> tuple[str, str, str | None]:
    """(subject name, normalised number, legal person) or an :class:`AccountError`."""
    if data.kind == "individual":
        from storefront.accounts.realname_routes import validate_individual

        name, number, _route = validate_individual(data)
        return name, number, None
    if data.kind == "enterprise":
        company = (data.company_name or "").strip()
        code = (data.credit_code or "").strip().upper()
        legal = (data.legal_person or "").strip()
        fields: dict[str, Any] = {}
        if not company or len(company) > 200:
            fields["company_name"] = _l("Enter the company name.")
        if not legal or len(legal) > 60:
            fields["legal_person"] = _l("Enter the legal person.")
        if fields:
            raise AccountError("invalid_input", _l("Please correct the marked fields."), fields)
        if not validators.valid_credit_code(code):
            raise AccountError(
                "invalid_credit_code",
                _l("This is not a valid unified social credit code."),
                {"credit_code": _l("This is not a valid unified social credit code.")},
            )
        return company, code, legal
    raise AccountError(
        "invalid_input",
        _l("Choose individual or enterprise."),
        {"type": _l("Choose individual or enterprise.")},
    )


def pending_change(customer: Customer) -> RealnameSubmission | None:
    """A verified individual's switch to enterprise that is still in review."""
    if customer.realname_status != RealnameStatus.VERIFIED:
        return None
    latest = db.session.scalar(
        select(RealnameSubmission)
        .where(RealnameSubmission.customer_id == customer.id)
        .order_by(RealnameSubmission.id.desc())
        .limit(1)
    )
    return latest if latest is not None and latest.status == RealnameStatus.PENDING else None


def can_switch_to_enterprise(customer: Customer) -> bool:
    return (
        customer.realname_status == RealnameStatus.VERIFIED
        and customer.realname_type == "individual"
        and pending_change(customer) is None
    )


def submit_realname(customer: Customer, data: RealnameInput) -> RealnameSubmission:
    """A first submission; or, for a verified individual, the switch to enterprise (the
    provider's change call), which leaves the individual verification in place until it passes."""
    change = customer.realname_status == RealnameStatus.VERIFIED and data.kind == "enterprise"
    if change and pending_change(customer) is not None:
        raise AccountError(
            "realname_pending", _l("Your switch to an enterprise account is in review.")
        )
    if customer.realname_status == RealnameStatus.VERIFIED and not (
        change and customer.realname_type == "individual"
    ):
        raise AccountError("realname_verified", _l("Your real-name verification is complete."))
    if customer.realname_status == RealnameStatus.PENDING:
        raise AccountError("realname_pending", _l("Your real-name verification is in review."))
    subject, number, legal = validate_realname(data)
    if not customer.provider_customer_id:
        raise AccountError(
            "provider_not_linked",
            _l("Your account is not linked to the cloud provider yet. Try again later."),
        )
    try:
        uploads.check_quota(customer.id, data.documents)
    except uploads.UploadQuotaExceeded as exc:
        message = _l("You have stored too many files: contact the store to make room.")
        raise AccountError(exc.code, message, {"documents": message}) from exc
    from storefront.accounts.realname_routes import submit_to_provider

    documents = submit_to_provider(customer, data, subject, number, legal, change=change)
    masked = crypto.mask(number)
    submission = RealnameSubmission(
        customer_id=customer.id,
        kind=data.kind,
        subject_name=subject,
        legal_person=legal,
        number_enc=crypto.encrypt(number),
        masked=masked,
        documents=documents,
        status=RealnameStatus.PENDING,
        submitted_at=now(),
    )
    db.session.add(submission)
    if not change:
        customer.realname_status = RealnameStatus.PENDING
        customer.realname_type = data.kind
        customer.realname_masked = masked
    customer.realname_opinion = None
    customer.realname_checked_at = None
    db.session.commit()
    log.info(
        "real-name %s for customer %s (%s %s)",
        "change submitted" if change else "submitted",
        customer.id,
        data.kind,
        masked,
    )
    return submission


def refresh_realname(customer: Customer, *, max_age_s: int = REALNAME_POLL_S) -> RealnameStatus:
    """Ask the provider for the review result when pending (or switching to enterprise) and not
    asked recently."""
    change = pending_change(customer)
    pending = customer.realname_status == RealnameStatus.PENDING or change is not None
    if not pending or not customer.provider_customer_id:
        return customer.realname_status
    checked = customer.realname_checked_at
    if checked is not None and (now() - checked).total_seconds() < max_age_s:
        return customer.realname_status
    try:
        review = cloud_provider().realname_review(customer_id=customer.provider_customer_id)
    except (UpstreamUnavailable, UpstreamRejected) as exc:
        log.warning("real-name review of customer %s unavailable: %s", customer.id, exc)
        return customer.realname_status
    customer.realname_checked_at = now()
    latest = db.session.scalar(
        select(RealnameSubmission)
        .where(RealnameSubmission.customer_id == customer.id)
        .order_by(RealnameSubmission.id.desc())
        .limit(1)
    )
    status = {
        ReviewResult.PASSED: RealnameStatus.VERIFIED,
        ReviewResult.REJECTED: RealnameStatus.REJECTED,
    }.get(review.result)  # type: ignore[arg-type]
    if status is not None and change is not None:
        if status == RealnameStatus.VERIFIED:  # now an enterprise; rejected: still individual
            customer.realname_type = change.kind
            customer.realname_masked = change.masked
        customer.realname_opinion = review.opinion
        change.status, change.opinion, change.reviewed_at = status, review.opinion, now()
    elif status is not None:
        customer.realname_status = status
        customer.realname_opinion = review.opinion
        if latest is not None:
            latest.status, latest.opinion, latest.reviewed_at = status, review.opinion, now()
    db.session.commit()
    return customer.realname_status


def realname_history(customer: Customer) -> Sequence[RealnameSubmission]:
    return db.session.scalars(
        select(RealnameSubmission)
        .where(RealnameSubmission.customer_id == customer.id)
        .order_by(RealnameSubmission.id.desc())
    ).all()


def sync_realname() -> dict[str, int]:
    counts: dict[str, int] = {}
    for customer in db.session.scalars(
        select(Customer).where(Customer.realname_status == RealnameStatus.PENDING)
    ).all():
        status = refresh_realname(customer, max_age_s=0)
        counts[str(status)] = counts.get(str(status), 0) + 1
    return counts


def rotate_encryption() -> int:
    """Re-encrypt stored personal data with the newest key; returns how many values."""
    count = 0
    for sub in db.session.scalars(select(RealnameSubmission)).all():
        sub.number_enc = crypto.rotate(sub.number_enc)
        count += 1
    principals: list[Principal] = [
        *db.session.scalars(select(Customer).where(Customer.totp_secret_enc.is_not(None))),
        *db.session.scalars(select(Staff).where(Staff.totp_secret_enc.is_not(None))),
    ]
    for p in principals:
        p.totp_secret_enc = crypto.rotate(p.totp_secret_enc or "")
        count += 1
    db.session.commit()
    return count


def current_locale_name() -> str:
    return str(get_locale() or "en")
