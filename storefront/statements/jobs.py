"""The statements area's background job (found by :func:`storefront.billing.worker.registry`).

- ``issue_invoices``: every ten minutes, issue the invoices the last two days' paid orders and
  renewals are still missing (a customer listing their invoices issues all of theirs at once),
  one commit per customer.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select

from storefront.accounts.models import Customer
from storefront.billing.models import Job, JournalTransaction, TransactionKind
from storefront.billing.worker import JobRegistry
from storefront.clock import utcnow
from storefront.extensions import db
from storefront.statements import invoices
from storefront.statements.models import Invoice
from storefront.stores.models import Store
from storefront.stores.tenancy import across_stores, store_context
from storefront.transactions import commit_step

BATCH = 500
# what the job looks at: recent payments (older ones are issued when the customer lists them;
# a refunded order's payment never gets one, so the window keeps those from piling up)
LOOKBACK = timedelta(days=2)


def issue_invoices() -> int:
    """Issue what is missing; returns how many customers got new invoices."""
    waiting = db.session.execute(
        across_stores(
            select(JournalTransaction.store_id, JournalTransaction.customer_id)
            .outerjoin(Invoice, Invoice.transaction_id == JournalTransaction.id)
            .where(
                JournalTransaction.kind == TransactionKind.DEBIT,
                JournalTransaction.customer_id.is_not(None),
                Invoice.id.is_(None),
                JournalTransaction.created_at >= utcnow() - LOOKBACK,
                or_(
                    *(
                        JournalTransaction.reference.like(f"{p}%")
                        for p in invoices.INVOICED_REFERENCES
                    )
                ),
            )
            .distinct()
            .limit(BATCH)
        )
    ).all()
    served = 0
    for store_id, customer_id in waiting:
        store = db.session.get(Store, store_id)
        if store is None:
            continue
        with store_context(store):
            customer = db.session.get(Customer, customer_id)
            if customer is not None and invoices.ensure_invoices(customer):
                served += 1
            commit_step("per item: each customer's invoices")
    return served


def issue_invoices_job(job: Job) -> None:
    issue_invoices()


def register(jobs: JobRegistry) -> None:
    jobs.add("issue_invoices", issue_invoices_job, every=timedelta(minutes=10), max_attempts=1)
