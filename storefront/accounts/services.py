"""The account rules' public names, in one place for the other areas.

The rules live in one module per concern: :mod:`~storefront.accounts.registration`,
:mod:`~storefront.accounts.verification` (the email address), :mod:`~storefront.accounts.
sessions` (signing in and out, passwords), :mod:`~storefront.accounts.tokens` (API tokens),
:mod:`~storefront.accounts.two_factor`, :mod:`~storefront.accounts.realname` and
:mod:`~storefront.accounts.documents`. No Flask request objects there: views and the API pass
what they parsed. Errors are :class:`~storefront.accounts.errors.AccountError` with a contract
code (its status follows). Services flush; the caller (view, API handler, command) commits.
"""

from __future__ import annotations

from storefront.accounts import validators
from storefront.accounts.common import (
    PASSWORD_MESSAGES,
    Principal,
    find_principal,
    normalise_email,
    principal_key,
)
from storefront.accounts.documents import document_path, read_document, store_document
from storefront.accounts.errors import AccountError, TooManyAttempts
from storefront.accounts.mail_tokens import reset_token, verification_token
from storefront.accounts.realname import (
    RealnameInput,
    can_switch_to_enterprise,
    pending_change,
    realname_history,
    refresh_realname,
    rotate_encryption,
    submit_realname,
    sync_realname,
)
from storefront.accounts.sessions import (
    authenticate,
    change_password,
    check_password,
    log_out_everywhere,
    request_password_reset,
    reset_password,
    second_factor,
    set_staff_2fa_required,
    staff_2fa_required,
)
from storefront.accounts.tokens import issue_token, list_tokens, principal_for_token, revoke_token
from storefront.accounts.two_factor import (
    begin_totp,
    confirm_totp,
    disable_totp,
    remaining_recovery_codes,
    totp_uri,
    verify_second_factor,
)
from storefront.accounts.verification import can_buy, change_email, send_verification, verify_email

__all__ = [
    "PASSWORD_MESSAGES",
    "AccountError",
    "Principal",
    "RealnameInput",
    "TooManyAttempts",
    "authenticate",
    "begin_totp",
    "can_buy",
    "can_switch_to_enterprise",
    "change_email",
    "change_password",
    "check_password",
    "confirm_totp",
    "disable_totp",
    "document_path",
    "find_principal",
    "issue_token",
    "list_tokens",
    "log_out_everywhere",
    "normalise_email",
    "pending_change",
    "principal_for_token",
    "principal_key",
    "read_document",
    "realname_history",
    "refresh_realname",
    "remaining_recovery_codes",
    "request_password_reset",
    "reset_password",
    "reset_token",
    "revoke_token",
    "rotate_encryption",
    "second_factor",
    "send_verification",
    "set_staff_2fa_required",
    "staff_2fa_required",
    "store_document",
    "submit_realname",
    "sync_realname",
    "totp_uri",
    "validators",
    "verification_token",
    "verify_email",
    "verify_second_factor",
]
