"""Offline remittance: a customer pays the store by bank transfer and claims it; staff review.

The customer quotes a per-store reference code on the transfer, then submits a claim (amount,
date, payer, the bank's serial number, an optional proof image). Staff approve or reject it with
a reason. Above the store's ``second_approval_threshold`` a second, different staff member must
approve too. Only an approved claim credits the wallet (bank clearing -> wallet), exactly once:
the claim row is locked while it is decided and its ``transaction_id`` is unique.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storefront import mail, uploads
from storefront.accounts.models import Customer, Staff
from storefront.accounts.permissions import PermissionDenied, has_permission, require_permission
from storefront.billing import ledger, services
from storefront.billing.errors import (
    ClaimAlreadyDecided,
    InvalidProof,
    OfflineTopupDisabled,
    RemittanceError,
    SameApprover,
    SerialNumberTaken,
    UploadQuotaExceeded,
    WrongStore,
)
from storefront.billing.models import (
    AccountKind,
    BillingSettings,
    ClaimStatus,
    RemittanceClaim,
    TransactionKind,
)
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.sql import insert_ignore
from storefront.stores.tenancy import in_store

MAX_PROOF_BYTES = 5 * 1024 * 1024
PROOF_TYPES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg", b"%PDF-": "pdf"}
SETTINGS_FIELDS = {
    "bank_name",
    "bank_account",
    "bank_holder",
    "online_topup_enabled",
    "offline_topup_enabled",
    "second_approval_threshold",
    "min_balance_on_demand",
    "grace_days",
}


# --- store settings -------------------------------------------------------------------------


def billing_settings(store_id: int) -> BillingSettings:
    """The store's billing settings (defaults created on first use)."""
    query = in_store(select(BillingSettings), store_id)
    found = db.session.scalar(query)
    if found is None:  # race-free get-or-create: a concurrent creator's row wins
        db.session.execute(
            insert_ignore(
                BillingSettings.__table__,
                store_id=store_id,
                bank_name="",
                bank_account="",
                bank_holder="",
                online_topup_enabled=True,
                offline_topup_enabled=True,
                min_balance_on_demand=0,
                grace_days=0,
            )
        )
        found = db.session.scalars(query).one()
    return found


def update_billing_settings(staff: Staff, **changes: Any) -> BillingSettings:
    """Change a store's billing settings (owner or finance staff). Flushes."""
    require_permission(staff, "billing.settings")
    unknown = set(changes) - SETTINGS_FIELDS
    if unknown:
        raise RemittanceError(f"unknown settings: {sorted(unknown)}")  # a programming error
    settings = billing_settings(staff.store_id)
    for name in ("second_approval_threshold", "min_balance_on_demand"):
        if changes.get(name) is not None:
            zero = str(changes[name]).strip() in ("0", "0.0", "0.00")
            changes[name] = Decimal("0.00") if zero else ledger.parse_amount(changes[name])
    if "grace_days" in changes and (
        not isinstance(changes["grace_days"], int) or not 0 <= changes["grace_days"] <= 365
    ):
        raise RemittanceError(_("grace days must be 0..365"), "grace_days")
    for name, value in changes.items():
        setattr(settings, name, value)
    db.session.flush()
    return settings


# --- customer side --------------------------------------------------------------------------


def reference_code(customer: Customer) -> str:
    """The customer's transfer reference, e.g. ``SF0000004271``: id plus a mod-97 check.

    Customer ids are unique, so the code is unique in its store; the check digits catch typos
    when staff match a bank statement line by hand.
    """
    body = f"{customer.id:08d}"
    return f"SF{body}{98 - (int(body) * 100) % 97:02d}"


def parse_reference(code: str) -> int | None:
    """The customer id in a reference code, or ``None`` if it is malformed or mistyped."""
    code = code.strip().upper()
    if len(code) < 12 or not code.startswith("SF") or not code[2:].isdigit():
        return None
    body, check = code[2:-2], code[-2:]
    if f"{98 - (int(body) * 100) % 97:02d}" != check:
        return None
    return int(body)


def takes_bank_transfers(settings: BillingSettings) -> bool:
    """Bank transfer is offered only when it is on and the store's bank details are filled in
    (a customer cannot pay into an account the store never gave)."""
    return bool(
        settings.offline_topup_enabled
        and settings.bank_name.strip()
        and settings.bank_account.strip()
        and settings.bank_holder.strip()
    )


def remittance_instructions(customer: Customer) -> dict[str, Any]:
    """What the customer needs to pay by bank transfer, and which top-up methods exist."""
    settings = billing_settings(customer.store_id)
    methods = [
        name
        for name, enabled in (
            ("online", settings.online_topup_enabled),
            ("offline", takes_bank_transfers(settings)),
        )
        if enabled
    ]
    return {
        "methods": methods,
        "reference": reference_code(customer),
        "bank_name": settings.bank_name,
        "bank_account": settings.bank_account,
        "bank_holder": settings.bank_holder,
        "currency": services.store_currency(customer.store_id),
    }


def _proof_extension(proof: bytes) -> str:
    if not proof:
        raise InvalidProof(_("The proof file is empty."), "proof")
    if len(proof) > MAX_PROOF_BYTES:
        raise InvalidProof(_("The proof file is larger than 5 MB."), "proof")
    for magic, extension in PROOF_TYPES.items():
        if proof.startswith(magic):
            return extension
    raise InvalidProof(_("The proof must be a PNG, JPEG or PDF file."), "proof")


def submit_claim(
    customer: Customer,
    amount: Any,
    paid_on: date,
    payer_name: str,
    bank_serial: str,
    proof: bytes | None = None,
) -> RemittanceClaim:
    """Record a customer's remittance claim (pending review). Flushes."""
    settings = billing_settings(customer.store_id)
    if not takes_bank_transfers(settings):
        raise OfflineTopupDisabled(_("This store does not take bank transfers."))
    value = ledger.parse_amount(amount)
    if not isinstance(paid_on, date) or paid_on > utcnow().date() + timedelta(days=1):
        raise RemittanceError(_("The payment date cannot be in the future."), "paid_on")
    payer_name = (payer_name or "").strip()
    if not payer_name or len(payer_name) > 120:
        raise RemittanceError(_("Give the payer's name (at most 120 characters)."), "payer_name")
    serial = (bank_serial or "").strip()
    if not serial or len(serial) > 64:
        raise RemittanceError(_("Give the bank's serial number."), "bank_serial")
    taken = db.session.scalar(
        in_store(
            select(RemittanceClaim.id).where(RemittanceClaim.bank_serial == serial),
            customer.store_id,
        )
    )
    if taken is not None:
        raise SerialNumberTaken(_("This bank serial number was already claimed."), "bank_serial")

    proof_file: Path | None = None
    if proof is not None:
        extension = _proof_extension(proof)
        try:
            uploads.check_quota(customer.id, [proof])
        except uploads.UploadQuotaExceeded:
            raise UploadQuotaExceeded(
                _("You have stored too many files: contact the store to make room."), "proof"
            ) from None
        folder = Path(current_app.instance_path) / "remittance" / str(customer.store_id)
        folder.mkdir(parents=True, exist_ok=True)
        proof_file = folder / f"{uuid.uuid4().hex}.{extension}"
        proof_file.write_bytes(proof)
    claim = RemittanceClaim(
        store_id=customer.store_id,
        customer_id=customer.id,
        reference=reference_code(customer),
        amount=value,
        currency=services.store_currency(customer.store_id),
        paid_on=paid_on,
        payer_name=payer_name,
        bank_serial=serial,
        proof_path=(str(proof_file.relative_to(current_app.instance_path)) if proof_file else None),
        status=ClaimStatus.PENDING,
    )
    db.session.add(claim)
    try:
        db.session.flush()  # a concurrent claim of the same serial fails here (unique index)
    except IntegrityError:
        db.session.rollback()  # a failed flush leaves nothing to keep
        if proof_file is not None:
            proof_file.unlink(missing_ok=True)
        raise SerialNumberTaken(
            _("This bank serial number was already claimed."), "bank_serial"
        ) from None
    return claim


# --- staff side -----------------------------------------------------------------------------


def _locked_claim(claim_id: int, staff: Staff) -> RemittanceClaim:
    if not staff.is_active:
        raise WrongStore(_("No such claim."))
    claim = ledger.lock_row(RemittanceClaim, claim_id, "status", staff.store_id)
    if claim is None or claim.store_id != staff.store_id:
        raise WrongStore(_("No such claim."))
    if not has_permission(staff, "claims.approve"):
        raise PermissionDenied("claims.approve")
    if claim.status in (ClaimStatus.APPROVED, ClaimStatus.REJECTED):
        raise ClaimAlreadyDecided(_("This claim has already been decided."))
    return claim


def approve_claim(claim_id: int, staff: Staff) -> RemittanceClaim:
    """Approve a claim. Above the threshold the first approval waits for a second, different
    staff member; the final approval credits the wallet once (the claim row stays locked until
    the caller commits). Flushes."""
    claim = _locked_claim(claim_id, staff)
    threshold = billing_settings(claim.store_id).second_approval_threshold
    if claim.status is ClaimStatus.PENDING:
        claim.first_approver_id = staff.id
        if threshold is not None and claim.amount > threshold:
            claim.status = ClaimStatus.AWAITING_SECOND_APPROVAL
            db.session.flush()
            return claim
    else:  # awaiting the second approval
        if staff.id == claim.first_approver_id:
            raise SameApprover(
                _(
                    "You already approved this claim: a second, different staff member "
                    "must approve it."
                )
            )
        claim.second_approver_id = staff.id
    customer = db.session.get(Customer, claim.customer_id)
    assert customer is not None
    txn = services.credit(
        customer,
        claim.amount,
        f"bank transfer {claim.bank_serial} from {claim.payer_name}",
        reference=f"remittance:{claim.id}",
        source=AccountKind.BANK_CLEARING,
        staff=staff,
        kind=TransactionKind.REMITTANCE,
    )
    claim.transaction_id = txn.id
    claim.status = ClaimStatus.APPROVED
    claim.decided_at = utcnow()
    mail.queue_customer_mail(
        "claim_approved", claim.id, claim.customer_id, claim.store_id,
        amount=claim.amount, currency=claim.currency,
    )  # fmt: skip
    db.session.flush()
    return claim


def reject_claim(claim_id: int, staff: Staff, reason: str) -> RemittanceClaim:
    """Reject a pending claim with a reason (no money moves). Flushes."""
    reason = (reason or "").strip()
    if not reason:
        raise RemittanceError(_("Give a reason for the rejection."), "reason")
    claim = _locked_claim(claim_id, staff)
    claim.status = ClaimStatus.REJECTED
    claim.rejected_by_id = staff.id
    claim.reject_reason = reason[:500]
    claim.decided_at = utcnow()
    mail.queue_customer_mail(
        "claim_rejected", claim.id, claim.customer_id, claim.store_id,
        amount=claim.amount, currency=claim.currency, reason=claim.reject_reason,
    )  # fmt: skip
    db.session.flush()
    return claim
