"""Real-name verification: validating a submission, sending it to the provider (the
individual routes: :mod:`storefront.accounts.realname_routes`), polling its review, the history;
and re-encrypting stored personal data with the newest key."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront import mail, uploads
from storefront.accounts import crypto, validators
from storefront.accounts.common import Principal
from storefront.accounts.errors import AccountError
from storefront.accounts.models import (
    Customer,
    RealnameStatus,
    RealnameSubmission,
    Staff,
)
from storefront.accounts.realname_routes import submit_to_provider, validate_individual
from storefront.clock import utcnow
from storefront.cloud.interface import ReviewResult, UpstreamRejected, UpstreamUnavailable
from storefront.extensions import cloud_provider, db

log = logging.getLogger(__name__)

REALNAME_POLL_S = 30


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


def validate_realname(data: RealnameInput) -> tuple[str, str, str | None]:
    """(subject name, normalised number, legal person) or an :class:`AccountError`."""
    if data.kind == "individual":
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
        submitted_at=utcnow(),
    )
    db.session.add(submission)
    if not change:
        customer.realname_status = RealnameStatus.PENDING
        customer.realname_type = data.kind
        customer.realname_masked = masked
    customer.realname_opinion = None
    customer.realname_checked_at = None
    db.session.flush()
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
    if checked is not None and (utcnow() - checked).total_seconds() < max_age_s:
        return customer.realname_status
    try:
        review = cloud_provider().realname_review(customer_id=customer.provider_customer_id)
    except (UpstreamUnavailable, UpstreamRejected) as exc:
        log.warning("real-name review of customer %s unavailable: %s", customer.id, exc)
        return customer.realname_status
    customer.realname_checked_at = utcnow()
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
        change.status, change.opinion, change.reviewed_at = status, review.opinion, utcnow()
        _tell(customer, status, f"change:{change.id}", review.opinion)
    elif status is not None:
        customer.realname_status = status
        customer.realname_opinion = review.opinion
        if latest is not None:
            latest.status, latest.opinion, latest.reviewed_at = status, review.opinion, utcnow()
        _tell(
            customer, status, f"submission:{latest.id if latest else customer.id}", review.opinion
        )
    db.session.flush()
    return customer.realname_status


def _tell(customer: Customer, status: RealnameStatus, key: str, opinion: str | None) -> None:
    """Mail and list the review's outcome (once per submission)."""
    name = "realname_approved" if status == RealnameStatus.VERIFIED else "realname_rejected"
    mail.queue_customer_mail(name, key, customer.id, customer.store_id, reason=opinion or "")


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
    db.session.flush()
    return count
