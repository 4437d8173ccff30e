"""Invoices: one per paid ledger transaction (an order's wallet debit, a renewal's), numbered
without gaps per store, with the seller (the store's invoice settings), the buyer (the
customer's billing profile at the time) and the lines frozen when issued.

Gapless numbers: the store's ``invoice_settings`` row is locked (``SELECT … FOR UPDATE``;
SQLite's write lock) while its ``next_number`` is taken and the invoice written, in one
transaction: a concurrent issuer waits, and a rollback returns the number with the invoice.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from storefront.accounts.models import Customer
from storefront.accounts.permissions import require_permission
from storefront.accounts.validators import valid_credit_code
from storefront.billing import ledger
from storefront.billing.models import (
    JournalTransaction,
    Order,
    OrderStatus,
    Posting,
    TransactionKind,
    Wallet,
)
from storefront.extensions import db
from storefront.sql import insert_ignore
from storefront.statements import profiles
from storefront.statements.errors import NotFound, StatementsError
from storefront.statements.models import Invoice, InvoiceSettings
from storefront.stores.models import Store
from storefront.stores.tenancy import in_store

# what a paid transaction's reference starts with for it to get an invoice
INVOICED_REFERENCES = ("order:", "renewal:")
NOT_INVOICED_ORDERS = (OrderStatus.PENDING, OrderStatus.FAILED, OrderStatus.REFUNDED)
ZERO = Decimal("0.00")
PAGE = 50


def settings_for(store_id: int) -> InvoiceSettings:
    """The store's invoice settings (created with defaults on first use)."""
    query = in_store(select(InvoiceSettings), store_id)
    found = db.session.scalar(query)
    if found is None:
        db.session.execute(
            insert_ignore(
                InvoiceSettings.__table__,
                store_id=store_id,
                legal_name="",
                tax_id="",
                address="",
                phone="",
                tax_rate=Decimal("0"),
                number_prefix="INV-",
                next_number=1,
            )
        )
        found = db.session.scalars(query).one()
    return found


def update_settings(actor: Any, store_id: int, data: dict[str, Any]) -> InvoiceSettings:
    require_permission(actor, "billing.settings")
    problems: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, limit in (
        ("legal_name", 200),
        ("tax_id", 32),
        ("address", 255),
        ("phone", 40),
        ("number_prefix", 16),
    ):
        value = " ".join(str(data.get(name) or "").split())
        if len(value) > limit:
            problems[name] = _("At most %(n)s characters.", n=limit)
        values[name] = value
    values["tax_id"] = values["tax_id"].upper()
    if values["tax_id"] and not valid_credit_code(values["tax_id"]):
        problems["tax_id"] = _("This is not a valid unified social credit code.")
    try:
        rate = Decimal(str(data.get("tax_rate") or "0").strip().rstrip("%")) / 100
        if not (0 <= rate < 1) or rate != rate.quantize(Decimal("0.0001")):
            raise ValueError
        values["tax_rate"] = rate
    except (ValueError, ArithmeticError):
        problems["tax_rate"] = _("A percentage from 0 to 99, such as 6.")
    if problems:
        raise StatementsError(_("Check the invoice settings."), fields=problems)
    settings = settings_for(store_id)
    for name, value in values.items():
        setattr(settings, name, value)
    db.session.flush()
    return settings


def split_tax(total: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """Prices include tax: ``(net, tax)`` of a tax-inclusive total."""
    if rate == 0:
        return total, ZERO
    net = ledger.quantize(total / (1 + rate))
    return net, total - net


def _seller(store: Store, settings: InvoiceSettings) -> dict[str, Any]:
    return {
        "name": settings.legal_name or store.name,
        "tax_id": settings.tax_id,
        "address": settings.address or store.contact_address or "",
        "phone": settings.phone or store.contact_phone or "",
    }


def _lines(txn: JournalTransaction, paid: Decimal, order: Order | None) -> list[dict[str, Any]]:
    if order is None or not order.lines:
        return [
            {
                "description": txn.memo or txn.reference or "",
                "product": "",
                "spec": "",
                "quantity": 1,
                "amount": str(paid),
            }
        ]
    lines = [
        {
            "description": "",
            "product": ln.product_code,
            "spec": ln.spec_code,
            "quantity": ln.quantity,
            "amount": str(ln.amount),
            "period": order.period,
            "mode": order.billing_mode,
            "region": order.region_code,
        }
        for ln in order.lines
    ]
    if order.discount > 0:
        lines.append(
            {
                "description": "voucher",
                "product": "",
                "spec": "",
                "quantity": 1,
                "amount": str(-order.discount),
            }
        )
    return lines


def issue_for(txn: JournalTransaction, customer: Customer) -> Invoice | None:
    """The invoice of one paid transaction (made now if missing). Flushes."""
    existing = db.session.scalar(select(Invoice).where(Invoice.transaction_id == txn.id))
    if existing is not None:
        return existing
    paid = -sum(
        (
            p.amount
            for p in txn.postings
            if p.account.kind.value == "customer_wallet" and p.account.customer_id == customer.id
        ),
        ZERO,
    )
    if paid <= 0:
        return None
    reference = txn.reference or ""
    order_id = int(reference[6:]) if reference.startswith("order:") else None
    order = db.session.get(Order, order_id) if order_id else None
    if order is not None and order.status in NOT_INVOICED_ORDERS:
        return None
    store = db.session.get(Store, customer.store_id)
    assert store is not None
    settings = settings_for(store.id)
    settings = ledger.lock_row(InvoiceSettings, settings.id, "next_number", store.id) or settings
    again = db.session.scalar(select(Invoice).where(Invoice.transaction_id == txn.id))
    if again is not None:  # issued by a concurrent request while this one waited
        return again
    sequence = settings.next_number
    settings.next_number = sequence + 1
    net, tax = split_tax(paid, settings.tax_rate)
    profile = profiles.current(customer)
    invoice = Invoice(
        store_id=store.id,
        sequence=sequence,
        number=f"{settings.number_prefix}{sequence:06d}",
        customer_id=customer.id,
        transaction_id=txn.id,
        reference=txn.reference or "",
        order_id=order.id if order else None,
        profile_id=profile.id if profile else None,
        currency=txn.currency,
        total=paid,
        net=net,
        tax=tax,
        tax_rate=settings.tax_rate,
        seller=_seller(store, settings),
        buyer=profile.as_dict()
        if profile
        else {"kind": "individual", "title": customer.name, "email": customer.email},
        lines=_lines(txn, paid, order),
        issued_at=txn.created_at,
    )
    db.session.add(invoice)
    db.session.flush()
    return invoice


def invoiceable_transactions(customer: Customer) -> list[JournalTransaction]:
    """The customer's paid order and renewal debits that have no invoice yet, oldest first."""
    account_id = db.session.scalar(
        select(Wallet.account_id).where(Wallet.customer_id == customer.id)
    )
    if account_id is None:
        return []
    prefix = INVOICED_REFERENCES
    query = (
        select(JournalTransaction)
        .join(Posting, Posting.transaction_id == JournalTransaction.id)
        .outerjoin(Invoice, Invoice.transaction_id == JournalTransaction.id)
        .where(
            Posting.account_id == account_id,
            JournalTransaction.kind == TransactionKind.DEBIT,
            Invoice.id.is_(None),
            JournalTransaction.reference.like(f"{prefix[0]}%")
            | JournalTransaction.reference.like(f"{prefix[1]}%"),
        )
        .order_by(JournalTransaction.id)
    )
    return list(db.session.scalars(query).unique())


def ensure_invoices(customer: Customer) -> int:
    """Issue the invoices the customer's paid transactions are still missing. Flushes."""
    made = 0
    for txn in invoiceable_transactions(customer):
        if issue_for(txn, customer) is not None:
            made += 1
    return made


def customer_invoices(
    customer: Customer, before: int | None = None, limit: int = PAGE
) -> tuple[list[Invoice], int | None]:
    query = (
        select(Invoice)
        .where(Invoice.customer_id == customer.id)
        .order_by(Invoice.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(Invoice.id < before)
    rows = list(db.session.scalars(query))
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def customer_invoice(customer: Customer, invoice_id: int) -> Invoice:
    found = db.session.scalar(
        select(Invoice).where(Invoice.id == invoice_id, Invoice.customer_id == customer.id)
    )
    if found is None:
        raise NotFound(_("No such invoice."))
    return found


def invoice_json(invoice: Invoice) -> dict[str, Any]:
    fmt = ledger.format_amount
    return {
        "id": invoice.id,
        "number": invoice.number,
        "issued_at": invoice.issued_at.isoformat(),
        "currency": invoice.currency,
        "total": fmt(invoice.total),
        "net": fmt(invoice.net),
        "tax": fmt(invoice.tax),
        "tax_rate": str(invoice.tax_rate.normalize()),
        "order_id": invoice.order_id,
        "reference": invoice.reference,
        "buyer": invoice.buyer,
    }
