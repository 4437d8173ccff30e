"""Billing's domain errors, under the product's one root (:class:`storefront.errors.DomainError`).

Each class carries the contract's ``code`` and the HTTP ``status`` the API answers with
(``../shared/API.md``); the app maps them once (``storefront.errors``), so an API handler lets
them through and a page catches one only to re-render its form. Messages are translated where
they are raised (``raise InsufficientBalance(_("…"))``).
"""

from __future__ import annotations

from decimal import Decimal

from storefront.errors import DomainError


class BillingError(DomainError):
    """Root of every refusal the wallet, the ledger, orders and top-ups raise."""

    code = "billing_error"
    status = 422


def _field(message: str, field: str | None) -> dict[str, str] | None:
    return {field: message} if field else None


class InvalidAmount(BillingError, ValueError):
    """A money amount the user typed is not one (the API names the ``amount`` field)."""

    code = "invalid_input"
    status = 422

    def __init__(self, message: str, field: str | None = "amount") -> None:
        super().__init__(message, fields=_field(message, field))
        self.field = field


class InvalidCursor(BillingError, ValueError):
    """A list's ``?cursor=`` is not one this list handed out."""

    code = "invalid_input"
    status = 422

    def __init__(self, message: str) -> None:
        super().__init__(message, fields={"cursor": "invalid"})


class InsufficientBalance(BillingError):
    """The wallet cannot pay: ``402`` when buying (API.md, ``POST /api/v1/orders``)."""

    code = "insufficient_balance"
    status = 402


class BalanceBelowZero(InsufficientBalance):
    """Staff taking funds back would leave the wallet below zero (``409``, API.md)."""

    status = 409


class UnbalancedTransaction(BillingError, ValueError):
    """A programming error: postings that do not sum to zero."""

    code = "unbalanced_transaction"
    status = 500


class IdempotencyConflict(BillingError):
    """Same idempotency key, different request body."""

    code = "idempotency_conflict"
    status = 409


class IdempotencyInProgress(BillingError):
    """The key's first request has not finished (its result is not recorded)."""

    code = "idempotency_in_progress"
    status = 409


class WrongStore(BillingError):
    """A principal of one store acting on another store's data (or on nothing): not found."""

    code = "not_found"
    status = 404


class RefundExceedsPayment(BillingError):
    code = "refund_exceeds_payment"
    status = 409


class AlreadyDecided(BillingError):
    """A remittance claim or a staff funding that was already approved or rejected."""

    code = "already_decided"
    status = 409


class SameApprover(BillingError):
    """Dual control: the second approval must come from a different staff member."""

    code = "second_approver_required"
    status = 409


# --- offline remittance ---------------------------------------------------------------------


class RemittanceError(BillingError):
    """A remittance claim or billing setting refused; ``field`` names the form field."""

    code = "invalid_remittance"
    status = 422

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, fields=_field(message, field))
        self.field = field


class OfflineTopupDisabled(RemittanceError):
    code = "offline_topup_disabled"
    status = 409


class SerialNumberTaken(RemittanceError):
    code = "serial_number_taken"
    status = 409


class ClaimAlreadyDecided(AlreadyDecided):
    code = "claim_already_decided"


class InvalidProof(RemittanceError):
    code = "invalid_proof"


class UploadQuotaExceeded(RemittanceError):
    """The customer stores as many files as the store allows (``storefront.uploads``)."""

    code = "upload_quota_exceeded"
    status = 413


# --- staff funding --------------------------------------------------------------------------


class FundingLimitError(BillingError):
    """A funding the store's limits refuse; ``limit`` is the limit it met, ``used`` what the
    staff member funded today (for the daily limit)."""

    def __init__(self, message: str, limit: Decimal, used: Decimal | None = None) -> None:
        fields = {"amount": message, "limit": str(limit)}
        if used is not None:
            fields["used_today"] = str(used)
        super().__init__(message, fields=fields)
        self.limit, self.used = limit, used


class AmountOverLimit(FundingLimitError):
    code = "amount_over_limit"
    status = 422


class DailyLimitReached(FundingLimitError):
    code = "daily_limit_reached"
    status = 409


class FundingAlreadyDecided(AlreadyDecided):
    code = "funding_already_decided"


# --- online top-ups -------------------------------------------------------------------------


class TopupError(BillingError):
    code = "invalid_topup"
    status = 422


class OnlineTopupDisabled(TopupError):
    code = "online_topup_disabled"
    status = 409


class MethodNotOffered(TopupError):
    """The payment method is not one the store takes (or not available at all)."""

    code = "method_not_offered"


class GatewayUnavailable(TopupError):
    """The payment service (Alipay, WeChat Pay) did not answer or refused the call."""

    code = "gateway_unavailable"
    status = 502


class RefundRefused(TopupError):
    """A staff refund of an online top-up refused (not paid, not refundable any more)."""

    code = "refund_refused"
    status = 409


class InvalidNotification(BillingError):
    """A gateway notification with a bad signature, a stale timestamp or a malformed body:
    ignored, no money moves (the notify endpoint answers it, never the error handler)."""

    code = "invalid_notification"
    status = 400


# --- vouchers -------------------------------------------------------------------------------


class VoucherError(BillingError):
    """A voucher refused; ``field`` names the form field (the API: ``voucher_code``)."""

    code = "invalid_voucher"
    status = 422

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, fields={"voucher_code": message})
        self.field = field


class VoucherNotFound(VoucherError):
    code = "voucher_not_found"


class VoucherNotApplicable(VoucherError):
    code = "voucher_not_applicable"


# --- orders ---------------------------------------------------------------------------------


class OrderError(BillingError):
    status = 400


class RealnameRequired(OrderError):
    code, status = "realname_required", 403


class RealnamePending(RealnameRequired):
    """Submitted, under review: the API's code stays ``realname_required`` (API.md)."""


class AccountFrozen(OrderError):
    code, status = "account_frozen", 403


class StoreFrozen(OrderError):
    """The customer's store is frozen (``stores.freeze``): no ordering."""

    code, status = "store_frozen", 403


class AccountInactive(OrderError):
    code, status = "account_inactive", 403


class EmailUnconfirmed(AccountInactive):
    """Not yet confirmed: the API's code stays ``account_inactive``."""


class QuoteNotFound(OrderError):
    code, status = "not_found", 404


class QuoteExpired(OrderError):
    code, status = "quote_expired", 410


class QuoteAlreadyOrdered(OrderError):
    code, status = "quote_already_ordered", 409


class BelowMinimumBalance(InsufficientBalance):
    """On-demand orders need the store's minimum balance in the wallet."""
