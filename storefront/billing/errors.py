"""Billing's domain errors (the API maps each to the contract's status and code)."""

from __future__ import annotations


class BillingError(Exception):
    """Base class: ``code`` is the contract's snake_case error code."""

    code = "billing_error"


class InvalidAmount(BillingError, ValueError):
    code = "invalid_amount"


class InsufficientBalance(BillingError):
    code = "insufficient_balance"


class UnbalancedTransaction(BillingError, ValueError):
    code = "unbalanced_transaction"


class IdempotencyConflict(BillingError):
    """Same idempotency key, different request body."""

    code = "idempotency_conflict"


class IdempotencyInProgress(BillingError):
    """The key's first request has not finished (its result is not recorded)."""

    code = "idempotency_in_progress"


class WrongStore(BillingError):
    """A principal of one store acting on another store's data."""

    code = "not_found"


class RefundExceedsPayment(BillingError):
    code = "refund_exceeds_payment"


class RemittanceError(BillingError):
    code = "invalid_remittance"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class OfflineTopupDisabled(RemittanceError):
    code = "offline_topup_disabled"


class SerialNumberTaken(RemittanceError):
    code = "serial_number_taken"


class ClaimAlreadyDecided(RemittanceError):
    code = "claim_already_decided"


class SameApprover(RemittanceError):
    code = "second_approver_required"


class InvalidProof(RemittanceError):
    code = "invalid_proof"


class UploadQuotaExceeded(RemittanceError):
    """The customer stores as many files as the store allows (``storefront.uploads``)."""

    code = "upload_quota_exceeded"
