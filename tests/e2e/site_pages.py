"""Every customer and staff GET page of the app: the URL map's GET routes without arguments,
plus pages of objects a test built (an order, a quote, a customer, a group, a product)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from storefront.accounts.models import Customer, Staff, StaffRole
from storefront.billing import orders
from storefront.billing import services as billing
from storefront.billing.models import Resource
from storefront.catalog.models import CustomerGroup
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.stores.tenancy import store_context

# not pages: files, machine endpoints, redirects, one-shot links
SKIP_PREFIXES = ("/api/", "/static/", "/_", "/saml/", "/lang/", "/branding/", "/healthz")
SKIP_SUFFIXES = (".csv", ".xml")
SKIP = {"/logout", "/login/2fa"}
STAFF_PREFIXES = ("/admin/", "/staff/")


def plain_get_pages(app: Flask) -> list[str]:
    """GET routes without arguments that are pages (sorted)."""
    found = set()
    for rule in app.url_map.iter_rules():
        path = rule.rule
        if "GET" not in (rule.methods or ()) or rule.arguments:
            continue
        if path.startswith(SKIP_PREFIXES) or path.endswith(SKIP_SUFFIXES) or path in SKIP:
            continue
        found.add(path)
    return sorted(found)


def customer_pages(app: Flask) -> list[str]:
    return [p for p in plain_get_pages(app) if not p.startswith(STAFF_PREFIXES)]


def staff_pages(app: Flask) -> list[str]:
    return [p for p in plain_get_pages(app) if p.startswith(STAFF_PREFIXES) and p != "/admin/login"]


@dataclass
class World:
    buyer: Customer
    owner: Staff
    order_id: int
    quote_id: str
    group_id: int

    def customer_pages_with_ids(self) -> list[str]:
        return [
            f"/orders/{self.order_id}",
            f"/quotes/{self.quote_id}",
            f"/checkout/{self.quote_id}",
            *(f"/products/{code}" for code in ("ecs", "evs", "vpc", "eip")),
        ]

    def staff_pages_with_ids(self) -> list[str]:
        return [
            f"/admin/customers/{self.buyer.id}",
            f"/staff/customer-groups/{self.group_id}",
            f"/staff/customers/{self.buyer.id}/funds",
            "/staff/catalog/products/ecs/description",
        ]


def build_world(
    app: Flask,
    default_store: Store,
    make_buyer: Callable[..., Customer],
    make_staff: Callable[..., Staff],
    make_quote: Callable[..., str],
    drain: Callable[[Flask], Any],
) -> World:
    """A customer with money, an active order and its resources (one expiring soon), an open
    quote; an owner; a customer group."""
    buyer = make_buyer(name="Zhang San")
    owner = make_staff(role=StaffRole.OWNER)
    with app.app_context():
        billing.fund(buyer, "5000.00", "setup", owner)
        order = orders.place_order(buyer, make_quote(buyer))
    drain(app)
    quote_id = make_quote(buyer)
    with app.app_context(), store_context(default_store):
        first = db.session.scalars(
            select(Resource).where(Resource.customer_id == buyer.id).order_by(Resource.id)
        ).first()
        if first is not None:
            first.expires_at = datetime.now(UTC) + timedelta(days=7)
        group = CustomerGroup(store_id=default_store.id, name="Key accounts")
        db.session.add(group)
        db.session.commit()
        group_id = group.id
    return World(buyer, owner, int(order["id"]), quote_id, group_id)
