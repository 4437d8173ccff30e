"""What each event's ``data`` holds: the object as the JSON API shows it (money as strings)."""

from __future__ import annotations

from typing import Any

from storefront.clock import utcnow


def _money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


def order(order: Any) -> dict[str, Any]:
    """``order.paid`` / ``order.active`` / ``order.failed``: ``{order: {...}}``."""
    return {
        "order": {
            "id": order.id,
            "customer_id": order.customer_id,
            "status": order.status.value,
            "total": _money(order.total),
            "currency": order.currency,
            "billing_mode": order.billing_mode,
            "failure_reason": order.failure_reason,
            "refunded_amount": _money(order.refunded_amount),
        },
        "at": utcnow().isoformat(),
    }


def customer(customer: Any) -> dict[str, Any]:
    """``customer.registered``: ``{customer: {id, email, name, status, country}}``."""
    return {
        "customer": {
            "id": customer.id,
            "email": customer.email,
            "name": customer.name,
            "status": str(customer.status),
            "country": customer.country,
        }
    }


def topup(topup: Any) -> dict[str, Any]:
    """``topup.credited``: ``{topup: {reference, customer_id, amount, currency, gateway}}``."""
    return {
        "topup": {
            "reference": topup.reference,
            "customer_id": topup.customer_id,
            "amount": _money(topup.amount),
            "currency": topup.currency,
            "gateway": topup.gateway,
        }
    }


def ticket(ticket: Any, message: Any) -> dict[str, Any]:
    """``ticket.replied``: ``{ticket: {id, customer_id, subject, status}, message: {id, body}}``
    (a reply the customer sees; internal notes are never sent)."""
    return {
        "ticket": {
            "id": ticket.id,
            "customer_id": ticket.customer_id,
            "subject": ticket.subject,
            "status": str(ticket.status),
        },
        "message": {"id": message.id, "body": message.body, "author_name": message.author_name},
    }


def resource(resource: Any, **extra: Any) -> dict[str, Any]:
    """``resource.expiring`` / ``resource.renewed``: ``{resource: {id, customer_id, name,
    product, spec, region, status, expires_at}, …extra}`` (``days`` before expiry, or the
    renewal's ``order_id`` and ``amount``)."""
    expires = resource.expires_at
    return {
        "resource": {
            "id": resource.id,
            "customer_id": resource.customer_id,
            "name": resource.name,
            "product": resource.product_code,
            "spec": resource.spec_code,
            "region": resource.region_code,
            "status": str(resource.status),
            "expires_at": expires.isoformat() if expires else None,
        },
        **extra,
    }
