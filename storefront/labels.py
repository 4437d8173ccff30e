"""Words for what customers and staff read: statuses, audit events, money, times, regions.

One place for the name of each status (lazy strings: translated when shown, in the page's
language) and of each audit event kind, and the Jinja filters the pages use:

- ``status``: ``{{ order.status|status }}`` -> "Active" / "已生效";
- ``audit_action``: ``{{ entry.action|audit_action }}`` -> "Customer frozen";
- ``money``: ``{{ amount|money(currency) }}`` -> "¥1,234.50" (Babel, the page's locale);
- ``when``: ``{{ moment|when }}`` -> a date and time in the page's locale (UTC);
- ``region_name``: ``{{ code|region_name }}`` -> "CN North-Beijing4" (from the catalogue).
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Flask
from flask_babel import format_currency, format_datetime, get_locale
from flask_babel import lazy_gettext as _l

from storefront.catalog import snapshot
from storefront.catalog.services import spec_label

STATUS_LABELS: dict[str, Any] = {
    # orders
    "pending": _l("Pending"),
    "paid": _l("Paid"),
    "provisioning": _l("Provisioning"),
    "active": _l("Active"),
    "failed": _l("Failed"),
    "refunded": _l("Refunded"),
    "reconciled": _l("Reconciled"),
    "reclaimed": _l("Funds reclaimed"),
    "reclaim_failed": _l("Reclaim failed"),
    "funding_found": _l("Funding confirmed with the provider"),
    # resources
    "creating": _l("Creating"),
    "running": _l("Running"),
    "stopped": _l("Stopped"),
    "frozen": _l("Frozen"),
    "expired": _l("Expired"),
    "released": _l("Released"),
    # top-ups, claims, vouchers
    "cancelled": _l("Cancelled"),
    "awaiting_second_approval": _l("Awaiting a second approval"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "revoked": _l("Revoked"),
    # customers, real name
    "pending_email": _l("Email not confirmed"),
    "closed": _l("Closed"),
    "unverified": _l("Not verified"),
    "verified": _l("Verified"),
    "individual": _l("Individual"),
    "enterprise": _l("Enterprise"),
    # jobs
    "queued": _l("Queued"),
    "done": _l("Done"),
    "dead": _l("Gave up"),
}

MODE_LABELS: dict[str, Any] = {
    "on_demand": _l("Pay per use"),
    "monthly": _l("Monthly"),
    "yearly": _l("Yearly"),
}

# Ledger transaction kinds, as the wallet shows them.
TRANSACTION_LABELS: dict[str, Any] = {
    "fund": _l("Funding by the store"),
    "debit": _l("Payment"),
    "credit": _l("Credit"),
    "refund": _l("Refund"),
    "remittance": _l("Bank transfer"),
}

AUDIT_LABELS: dict[str, Any] = {
    "audit.export": _l("Audit trail exported"),
    "association.provider_unbound": _l("Customer unbound at the provider"),
    "association.settled": _l("Association change settled"),
    "branding.domain_add": _l("Domain added"),
    "branding.domain_remove": _l("Domain removed"),
    "branding.favicon": _l("Favicon uploaded"),
    "branding.logo": _l("Logo uploaded"),
    "branding.text": _l("Page text edited"),
    "branding.update": _l("Branding changed"),
    "console.jump": _l("Customer opened the provider console"),
    "customer.association_switch": _l("Customer moved to another partner"),
    "customer.freeze": _l("Customer frozen"),
    "customer.login": _l("Customer logged in"),
    "customer.note": _l("Note added to a customer"),
    "customer.unfreeze": _l("Customer unfrozen"),
    "customer.view_as": _l("Viewed the store as a customer"),
    "partners.allocate": _l("Funds allocated to a reseller"),
    "partners.allocate_failed": _l("Funds allocation failed"),
    "partners.allocate_requested": _l("Funds allocation requested"),
    "partners.invite": _l("Reseller invited"),
    "partners.invite_resend": _l("Reseller invitation sent again"),
    "partners.invite_revoke": _l("Reseller invitation revoked"),
    "partners.reclaim": _l("Funds reclaimed from a reseller"),
    "partners.reclaim_failed": _l("Funds reclaim failed"),
    "partners.reclaim_requested": _l("Funds reclaim requested"),
    "realname.approve": _l("Real-name verification approved"),
    "realname.reject": _l("Real-name verification rejected"),
    "security.staff_2fa": _l("Staff two-factor requirement changed"),
    "staff.activate": _l("Staff member activated"),
    "staff.create": _l("Staff member added"),
    "staff.deactivate": _l("Staff member deactivated"),
    "staff.login": _l("Staff member logged in"),
    "staff.role": _l("Staff role changed"),
    "store.freeze": _l("Store frozen"),
    "store.unfreeze": _l("Store unfrozen"),
}


def _key(value: Any) -> str:
    return str(value.value if isinstance(value, enum.Enum) else value)


def status_label(value: Any) -> str:
    """The status's name in the current language (the raw value if it has none)."""
    key = _key(value)
    label = STATUS_LABELS.get(key)
    return str(label) if label is not None else key.replace("_", " ")


def mode_label(value: Any) -> str:
    key = _key(value)
    label = MODE_LABELS.get(key)
    return str(label) if label is not None else key


def transaction_label(value: Any) -> str:
    key = _key(value)
    label = TRANSACTION_LABELS.get(key)
    return str(label) if label is not None else key


def audit_label(action: Any) -> str:
    """An audit event kind in words ("Customer frozen"); unknown kinds as recorded."""
    key = _key(action)
    label = AUDIT_LABELS.get(key)
    return str(label) if label is not None else key


def money(amount: Any, currency: str | None = "CNY") -> str:
    """``amount`` with its currency's symbol and the locale's separators (Babel), e.g.
    ``¥1,234.50`` on Chinese pages; the raw value when it is not a number."""
    if amount is None:
        return ""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    return str(format_currency(value, currency or "CNY"))


def when(moment: datetime | str | None, style: str = "medium") -> str:
    """A date and time in the page's locale (times are UTC, as stored); ISO text too."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        try:
            parsed = datetime.fromisoformat(moment)
        except ValueError:
            return moment
        return str(format_datetime(parsed, style))
    return str(format_datetime(moment, style))


def statement_label(line: dict[str, Any]) -> str:
    """A wallet statement line in words: its kind, and what it was for ("Payment · Order
    #12"); a staff funding keeps the note the staff member wrote."""
    kind = transaction_label(line.get("kind"))
    prefix, _, ref = str(line.get("reference") or "").partition(":")
    if prefix == "order" and ref:
        return f"{kind} · {_l('Order #%(id)s', id=ref)}"
    if prefix == "topup" and ref:
        return f"{kind} · {_l('Online top-up %(reference)s', reference=ref)}"
    if prefix == "remittance" and ref:
        return f"{kind} · {_l('Bank transfer claim #%(id)s', id=ref)}"
    memo = str(line.get("memo") or "")
    return f"{kind} · {memo}" if memo and line.get("kind") == "fund" else kind


def region_name(code: Any) -> str:
    """A region's name from the catalogue in the page's language ("CN North-Beijing4"); the
    code itself when the catalogue does not know it."""
    key = str(code or "")
    try:
        regions = snapshot.catalog().region_list
    except Exception:  # no catalogue loaded (a bare app): show the code
        return key
    chinese = str(get_locale() or "en").startswith("zh")
    for region in regions:
        if region.code == key:
            return (region.name_zh or region.name) if chinese else (region.name or key)
    return key


def _spec(product_code: str, spec_code: str) -> Any:
    try:
        return snapshot.catalog().specs.get((product_code, spec_code))
    except Exception:  # no catalogue loaded (a bare app)
        return None


def size_label(size: int | None, product_code: str, spec_code: str) -> str:
    """A line's size with its unit: "100 GB", "5 Mbit/s" ("" without a size)."""
    if size is None:
        return ""
    spec = _spec(product_code, spec_code)
    unit = getattr(spec, "size_unit", None) or {"evs": "GB", "eip": "Mbit/s"}.get(product_code)
    return f"{size} {unit}" if unit else str(size)


def line_summary(line: Any) -> str:
    """One line in words: "2 × General computing | s6.large.2 | … , 100 GB"."""
    locale = str(get_locale() or "en")
    name = spec_label(line.product_code, line.spec_code, locale)
    size = size_label(line.size, line.product_code, line.spec_code)
    text = f"{line.quantity} × {name}" if line.quantity != 1 else name
    return f"{text}, {size}" if size else text


def quote_label(quote: Any) -> str:
    """What tells one quote from another: its products and when it was made, then the
    random tail of its id (the head is its creation time, the same for close quotes)."""
    lines = list(quote.lines)
    products = " + ".join(dict.fromkeys(line.product_code.upper() for line in lines))
    return str(
        _l(
            "%(products)s quote of %(time)s (ref. %(ref)s)",
            products=products or "—",
            time=when(quote.created_at, "short"),
            ref=str(quote.id)[-6:],
        )
    )


def poll_delay(attempt: int) -> int:
    """Seconds before a page that updates itself asks again: 2, 3, 4, 6, 9 … up to 30."""
    return int(min(2 * 1.5 ** max(attempt, 0), 30))


def register(app: Flask) -> None:
    app.add_template_global(poll_delay, "poll_delay")
    app.add_template_filter(size_label, "size_label")
    app.add_template_filter(line_summary, "line_summary")
    app.add_template_filter(quote_label, "quote_label")
    app.add_template_filter(status_label, "status")
    app.add_template_filter(mode_label, "billing_mode")
    app.add_template_filter(transaction_label, "transaction_kind")
    app.add_template_filter(audit_label, "audit_action")
    app.add_template_filter(statement_label, "statement_label")
    app.add_template_filter(money, "money")
    app.add_template_filter(when, "when")
    app.add_template_filter(region_name, "region_name")
