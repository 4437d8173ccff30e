"""Fapiao requests: a customer asks for a fapiao over paid amounts not yet invoiced; finance
staff issue it in their tax system and attach the PDF and its number here, or reject it.

What may be requested: per paid reference (``order:12``, ``renewal:…``, ``usage:…``), what the
wallet paid net of refunds, less the parts of pending and issued requests (a rejected request
frees its parts). A request is split into parts over the references it names (``order_ids``)
or over all of them, oldest first; the customer's wallet row is locked meanwhile, so two
requests at once cannot both take the same amount.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from storefront import mail
from storefront.accounts.models import Customer, Staff
from storefront.accounts.permissions import require_permission
from storefront.billing import ledger
from storefront.billing.models import JournalTransaction, Posting, TransactionKind, Wallet
from storefront.billing.services import store_currency
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.statements import profiles
from storefront.statements.errors import (
    AlreadyDecided,
    ExceedsInvoiceable,
    NotFound,
    ProfileMissing,
    StatementsError,
)
from storefront.statements.models import (
    OPEN_REQUEST_STATUSES,
    InvoiceRequest,
    InvoiceRequestPart,
    RequestStatus,
)
from storefront.stores.urls import external_url

ZERO = Decimal("0.00")
MAX_FAPIAO_BYTES = 5 * 1024 * 1024
MAX_ORDER_IDS = 100

mail.register_customer_events(
    {
        "fapiao_issued": (
            _l("Your fapiao %(number)s is ready"),
            _l(
                "Your fapiao request #%(request)s over %(amount)s was issued as fapiao "
                "%(number)s. Download it from your invoices page: %(link)s"
            ),
        ),
        "fapiao_rejected": (
            _l("Your fapiao request #%(request)s was not accepted"),
            _l(
                "We could not issue a fapiao for your request #%(request)s over %(amount)s. "
                "The reason given: %(reason)s"
            ),
        ),
    }
)


def paid_by_reference(customer: Customer) -> dict[str, Decimal]:
    """What the wallet paid per reference, net of refunds (only what is still positive)."""
    account_id = db.session.scalar(
        select(Wallet.account_id).where(Wallet.customer_id == customer.id)
    )
    if account_id is None:
        return {}
    rows = db.session.execute(
        select(JournalTransaction.reference, Posting.amount)
        .join(Posting, Posting.transaction_id == JournalTransaction.id)
        .where(
            Posting.account_id == account_id,
            JournalTransaction.kind.in_([TransactionKind.DEBIT, TransactionKind.REFUND]),
            JournalTransaction.reference.is_not(None),
        )
        .order_by(JournalTransaction.id)
    ).all()
    paid: dict[str, Decimal] = {}
    for reference, amount in rows:
        key = str(reference)
        paid[key] = paid.get(key, ZERO) - amount
    return {ref: amount for ref, amount in paid.items() if amount > 0}


def requested_by_reference(customer: Customer) -> dict[str, Decimal]:
    rows = db.session.execute(
        select(InvoiceRequestPart.reference, InvoiceRequestPart.amount)
        .join(InvoiceRequest, InvoiceRequest.id == InvoiceRequestPart.request_id)
        .where(
            InvoiceRequestPart.customer_id == customer.id,
            InvoiceRequest.status.in_(OPEN_REQUEST_STATUSES),
        )
    ).all()
    taken: dict[str, Decimal] = {}
    for reference, amount in rows:
        taken[reference] = taken.get(reference, ZERO) + amount
    return taken


def invoiceable(customer: Customer) -> dict[str, Decimal]:
    """Per paid reference (oldest first), what a fapiao may still cover."""
    taken = requested_by_reference(customer)
    left = {ref: paid - taken.get(ref, ZERO) for ref, paid in paid_by_reference(customer).items()}
    return {ref: amount for ref, amount in left.items() if amount > 0}


def invoiceable_total(customer: Customer) -> Decimal:
    return sum(invoiceable(customer).values(), ZERO)


def _order_refs(order_ids: Any) -> list[str] | None:
    if order_ids is None:
        return None
    if (
        not isinstance(order_ids, list)
        or not 0 < len(order_ids) <= MAX_ORDER_IDS
        or not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in order_ids)
    ):
        message = _("A list of order numbers.")
        raise StatementsError(message, fields={"order_ids": message})
    return [f"order:{i}" for i in dict.fromkeys(order_ids)]


def request_fapiao(
    customer: Customer, amount: Any, order_ids: Sequence[int] | None = None
) -> InvoiceRequest:
    """Ask for a fapiao over ``amount`` (at most what is invoiceable). Flushes."""
    try:
        value = ledger.parse_amount(amount)
    except ledger.InvalidAmount as exc:
        raise StatementsError(exc.message, fields={"amount": exc.message}) from None
    refs = _order_refs(order_ids)
    profile = profiles.current(customer)
    if profile is None:
        raise ProfileMissing(_("Fill in your billing profile first."))
    currency = store_currency(customer.store_id)
    ledger.lock_customer_wallet(customer.store_id, customer.id, currency)
    open_amounts = invoiceable(customer)
    if refs is not None:
        open_amounts = {ref: open_amounts[ref] for ref in refs if ref in open_amounts}
    available = sum(open_amounts.values(), ZERO)
    if value > available:
        message = _("At most %(amount)s can be invoiced.", amount=ledger.format_amount(available))
        raise ExceedsInvoiceable(message, fields={"amount": message})
    request = InvoiceRequest(
        store_id=customer.store_id,
        customer_id=customer.id,
        amount=value,
        currency=currency,
        profile_id=profile.id,
        status=RequestStatus.PENDING,
        created_at=utcnow(),
    )
    db.session.add(request)
    db.session.flush()
    remaining = value
    for ref, left in open_amounts.items():
        if remaining <= 0:
            break
        part = min(left, remaining)
        db.session.add(
            InvoiceRequestPart(
                store_id=customer.store_id,
                request_id=request.id,
                customer_id=customer.id,
                reference=ref,
                amount=part,
            )
        )
        remaining -= part
    db.session.flush()
    return request


def customer_requests(customer: Customer, limit: int = 50) -> list[InvoiceRequest]:
    return list(
        db.session.scalars(
            select(InvoiceRequest)
            .where(InvoiceRequest.customer_id == customer.id)
            .order_by(InvoiceRequest.id.desc())
            .limit(limit)
        )
    )


def customer_request(customer: Customer, request_id: int) -> InvoiceRequest:
    found = db.session.scalar(
        select(InvoiceRequest).where(
            InvoiceRequest.id == request_id, InvoiceRequest.customer_id == customer.id
        )
    )
    if found is None:
        raise NotFound(_("No such fapiao request."))
    return found


# --- staff ------------------------------------------------------------------------------------


def queue(
    status: RequestStatus, before: int | None = None, limit: int = 50
) -> tuple[list[InvoiceRequest], int | None]:
    query = (
        select(InvoiceRequest)
        .where(InvoiceRequest.status == status)
        .order_by(InvoiceRequest.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(InvoiceRequest.id < before)
    rows = list(db.session.scalars(query))
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def _locked(request_id: int, staff: Staff) -> InvoiceRequest:
    request = ledger.lock_row(InvoiceRequest, request_id, "status", staff.store_id)
    if request is None:
        raise NotFound(_("No such fapiao request."))
    if request.status is not RequestStatus.PENDING:
        raise AlreadyDecided(_("This request was already decided."))
    return request


def file_dir(store_id: int) -> Path:
    path = Path(current_app.instance_path) / "fapiao" / str(store_id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def issue(request_id: int, staff: Staff, number: str, pdf: bytes) -> InvoiceRequest:
    """Record the fapiao staff issued: its number and PDF; the customer is mailed. Flushes."""
    require_permission(staff, "invoices.manage")
    number = " ".join((number or "").split())
    problems = {}
    if not number or len(number) > 40:
        problems["number"] = _("The fapiao number (at most 40 characters).")
    if not pdf.startswith(b"%PDF-") or len(pdf) > MAX_FAPIAO_BYTES:
        problems["pdf"] = _("Attach the fapiao as a PDF of at most 5 MB.")
    if problems:
        raise StatementsError(_("Check the fapiao."), fields=problems)
    request = _locked(request_id, staff)
    name = f"fapiao-{request.id}-{secrets.token_hex(8)}.pdf"
    (file_dir(request.store_id) / name).write_bytes(pdf)
    request.status = RequestStatus.ISSUED
    request.fapiao_number = number
    request.file_name = name
    request.staff_id = staff.id
    request.decided_at = utcnow()
    db.session.flush()

    mail.queue_customer_mail(
        "fapiao_issued",
        request.id,
        request.customer_id,
        request.store_id,
        request=request.id,
        number=number,
        amount=request.amount,
        currency=request.currency,
        link=external_url("statements.invoices"),
    )
    return request


def reject(request_id: int, staff: Staff, reason: str) -> InvoiceRequest:
    require_permission(staff, "invoices.manage")
    reason = " ".join((reason or "").split())
    if not reason or len(reason) > 500:
        message = _("Give the customer a reason (at most 500 characters).")
        raise StatementsError(message, fields={"reason": message})
    request = _locked(request_id, staff)
    request.status = RequestStatus.REJECTED
    request.reject_reason = reason
    request.staff_id = staff.id
    request.decided_at = utcnow()
    db.session.flush()
    mail.queue_customer_mail(
        "fapiao_rejected",
        request.id,
        request.customer_id,
        request.store_id,
        request=request.id,
        amount=request.amount,
        currency=request.currency,
        reason=reason,
    )
    return request


def fapiao_file(request: InvoiceRequest) -> bytes:
    if request.status is not RequestStatus.ISSUED or not request.file_name:
        raise NotFound(_("This fapiao is not issued yet."))
    path = file_dir(request.store_id) / Path(request.file_name).name
    if not path.is_file():
        raise NotFound(_("This fapiao is not issued yet."))
    return path.read_bytes()


def request_json(request: InvoiceRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "amount": ledger.format_amount(request.amount),
        "currency": request.currency,
        "status": request.status.value,
        "fapiao_number": request.fapiao_number,
        "reject_reason": request.reject_reason,
        "created_at": request.created_at.isoformat(),
        "decided_at": request.decided_at.isoformat() if request.decided_at else None,
        "references": [
            {"reference": p.reference, "amount": ledger.format_amount(p.amount)}
            for p in request.parts
        ],
        "billing_profile": request.profile.as_dict(),
    }
