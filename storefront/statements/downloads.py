"""A customer's files, the same for the pages (``/billing/…``, ``/invoices/…``) and the API
(``/api/v1/bills/…``, ``/api/v1/invoices/…``, ``/api/v1/invoice-requests/…``): the bytes, their
type and the file name. Each looks the document up among the customer's own (another
customer's is not found) and raises the area's errors, which the app answers once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from flask import Response

from storefront.accounts.models import Customer
from storefront.statements import bills, exports, fapiao, invoices

BILL_TYPES = {"csv": "text/csv", "pdf": "application/pdf"}


@dataclass(frozen=True)
class Download:
    data: bytes
    mimetype: str
    filename: str


def download(file: Download) -> Response:
    """The file as an attachment the browser does not keep (the pages', the API's and the staff
    pages' downloads)."""
    response = Response(file.data, mimetype=file.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def bill(customer: Customer, month: str, kind: Literal["csv", "pdf"]) -> Download:
    """The month's bill (``YYYY-MM``) as ``csv`` or ``pdf``."""
    found = bills.bill_for(customer, bills.Month.parse(month))
    render = exports.bill_csv if kind == "csv" else exports.bill_pdf
    return Download(render(found, customer), BILL_TYPES[kind], f"bill-{found.month}.{kind}")


def invoice(customer: Customer, invoice_id: int) -> Download:
    found = invoices.customer_invoice(customer, invoice_id)
    pdf = exports.invoice_pdf(found, customer)
    return Download(pdf, "application/pdf", f"{found.number}.pdf")


def fapiao_pdf(customer: Customer, request_id: int) -> Download:
    """The fapiao staff attached to the customer's request, once issued."""
    found = fapiao.customer_request(customer, request_id)
    pdf = fapiao.fapiao_file(found)
    return Download(pdf, "application/pdf", f"fapiao-{found.fapiao_number}.pdf")
