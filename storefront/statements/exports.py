"""Downloads: CSV files and PDFs (HTML + CSS rendered by WeasyPrint).

PDFs are rendered from ``templates/statements/pdf_*.html`` in the customer's language; the
font stack names Noto Sans CJK first (``fonts-noto-cjk``), and WeasyPrint embeds the subset of
glyphs a document uses, so a Chinese PDF reads the same on a machine without the font. The
store's logo is inlined as a ``data:`` URI (WeasyPrint fetches nothing)."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from storefront.accounts.models import Customer
from storefront.billing import ledger
from storefront.extensions import db
from storefront.statements.bills import Bill, kind_labels
from storefront.statements.models import Invoice
from storefront.stores.models import Store

LOGO_TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}


def customer_locale(customer: Any, store: Store) -> str:
    return customer.locale or store.default_locale or "en"


def logo_data_uri(store: Store) -> str | None:
    """The store's logo as a ``data:`` URI, or None (no logo, or the file is gone)."""
    match = re.fullmatch(
        r"/branding/(logo-[a-f0-9]{16})\.(png|jpg|gif|webp)", store.logo_path or ""
    )
    if match is None:
        return None
    name = f"{match.group(1)}.{match.group(2)}"
    path = Path(current_app.instance_path) / "branding" / str(store.id) / name
    if not path.is_file():
        return None
    data = base64.b64encode(path.read_bytes()).decode()
    return f"data:{LOGO_TYPES[match.group(2)]};base64,{data}"


def render_pdf(template: str, locale: str, store: Store, **context: Any) -> bytes:
    from weasyprint import HTML  # imported on first use: a heavy module

    with force_locale(locale):
        html = render_template(template, store=store, logo=logo_data_uri(store), **context)
    return bytes(HTML(string=html).write_pdf())


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark (spreadsheets then read Chinese right); a cell that starts
    like a formula is prefixed with ``'`` so a spreadsheet never runs it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode()


def _safe(cell: Any) -> str:
    text = "" if cell is None else str(cell)
    if text[:1] in ("=", "+", "@", "\t", "\r") or (text[:1] == "-" and not _number(text)):
        return "'" + text
    return text


def _number(text: str) -> bool:
    return re.fullmatch(r"-?\d+(\.\d+)?", text) is not None


# --- the documents ------------------------------------------------------------------------------


def _store(store_id: int) -> Store:
    store = db.session.get(Store, store_id)
    assert store is not None
    return store


def bill_csv(bill: Bill, customer: Customer) -> bytes:
    """The month's lines in the customer's language, then the totals."""
    store = _store(customer.store_id)
    fmt = ledger.format_amount
    with force_locale(customer_locale(customer, store)):
        header = [_("Date"), _("Type"), _("Description"), _("Amount"), _("Currency"), _("Order")]
        rows: list[list[Any]] = [
            [_("Opening balance"), "", "", fmt(bill.opening), bill.currency, ""]
        ]
        kinds = kind_labels()
        for line in bill.lines:
            rows.append(
                [
                    line.at.strftime("%Y-%m-%d %H:%M:%S"),
                    kinds.get(line.kind, line.kind),
                    line.description,
                    fmt(line.amount),
                    bill.currency,
                    line.order_id or "",
                ]
            )
        rows.append([_("Closing balance"), "", "", fmt(bill.closing), bill.currency, ""])
        return csv_bytes(header, rows)


def bill_pdf(bill: Bill, customer: Customer) -> bytes:
    store = _store(customer.store_id)
    return render_pdf(
        "statements/pdf_bill.html",
        customer_locale(customer, store),
        store,
        bill=bill,
        customer=customer,
    )


def _fingerprint(invoice: Invoice, store: Store, locale: str) -> str:
    """What the document shows, hashed: a kept PDF is used only for exactly this content (and
    the store's current branding)."""
    shown = [
        invoice.id,
        invoice.number,
        str(invoice.total),
        str(invoice.tax),
        invoice.seller,
        invoice.buyer,
        invoice.lines,
        invoice.issued_at.isoformat(),
        locale,
        store.name,
        store.logo_path,
        store.primary_color,
        store.contact_email,
    ]
    return hashlib.sha256(json.dumps(shown, sort_keys=True, default=str).encode()).hexdigest()[:24]


def invoice_pdf(invoice: Invoice, customer: Customer) -> bytes:
    """The invoice's PDF in the customer's language. An invoice never changes once issued, so
    its PDF is rendered once per language and kept (a render takes seconds: the CJK font
    subset) under ``instance/invoices/<store>/``."""
    store = _store(customer.store_id)
    locale = customer_locale(customer, store)
    folder = Path(current_app.instance_path) / "invoices" / str(store.id)
    kept = folder / f"{invoice.id}-{_fingerprint(invoice, store, locale)}.pdf"
    if kept.is_file():
        return kept.read_bytes()
    data = render_pdf(
        "statements/pdf_invoice.html", locale, store, invoice=invoice, customer=customer
    )
    folder.mkdir(parents=True, exist_ok=True)
    partial = kept.with_suffix(f".{secrets.token_hex(4)}.tmp")
    partial.write_bytes(data)
    partial.replace(kept)
    return data
