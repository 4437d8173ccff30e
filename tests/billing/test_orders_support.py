"""Shared fixtures and helpers of the order tests (no tests here)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from storefront.accounts.models import Customer, ProviderLink, RealnameStatus
from storefront.billing import worker
from storefront.catalog import services as catalog_services
from storefront.extensions import cloud_provider, db
from storefront.stores.models import Store
from storefront.stores.tenancy import store_context
from tests.accounts.helpers import PASSWORD
from tests.catalog.fixtures import catalog

__all__ = ["catalog"]

ECS = {"product": "ecs", "spec": "s6.large.2.linux", "quantity": 1}
EVS = {"product": "evs", "spec": "SSD", "quantity": 1, "size_gb": 100}
EIP = {"product": "eip", "spec": "5_bgp", "quantity": 1, "bandwidth_mbit": 5}
VPC = {"product": "vpc", "spec": "vpc", "quantity": 1}


def link_at_provider(app: Flask) -> str:
    with app.app_context():
        made = cloud_provider().create_sub_customer(
            xaccount_id=uuid.uuid4().hex, account_name=f"b{uuid.uuid4().hex[:12]}"
        )
        return made.customer_id


@pytest.fixture
def make_buyer(
    app: Flask, make_customer: Callable[..., Customer], catalog: Any
) -> Callable[..., Customer]:
    """A verified customer linked to a provider account (``password`` = tests' PASSWORD)."""

    def factory(**kwargs: Any) -> Customer:
        kwargs.setdefault("realname_status", RealnameStatus.VERIFIED)
        kwargs.setdefault("provider_customer_id", link_at_provider(app))
        kwargs.setdefault("provider_link", ProviderLink.LINKED)
        return make_customer(password=PASSWORD, **kwargs)

    return factory


@pytest.fixture
def buyer(make_buyer: Callable[..., Customer]) -> Customer:
    return make_buyer()


@pytest.fixture
def make_quote(app: Flask, default_store: Store) -> Callable[..., str]:
    """``make_quote(customer, mode="monthly", items=[...])`` -> the new quote's id."""

    def factory(
        customer: Customer,
        mode: str = "monthly",
        items: list[dict[str, Any]] | None = None,
        **extra: Any,
    ) -> str:
        body: dict[str, Any] = {
            "region": "cn-north-4",
            "billing_mode": mode,
            "items": items or [ECS],
        }
        if mode != "on_demand":
            body["period"] = 1
        with app.app_context(), store_context(default_store):
            req = catalog_services.parse_quote_request(body)
            quote = catalog_services.create_quote(
                req, customer_id=customer.id, session_key=None, **extra
            )
            db.session.commit()
            return quote.id

    return factory


def token(client: Any, customer: Customer) -> dict[str, str]:
    resp = client.post("/api/v1/auth/token", json={"email": customer.email, "password": PASSWORD})
    assert resp.status_code == 200, resp.get_json()
    return {"Authorization": f"Bearer {resp.get_json()['token']}"}


def quote_total(app: Flask, quote_id: str) -> Decimal:
    from storefront.catalog.models import Quote

    with app.app_context():
        quote = db.session.get(Quote, quote_id)
        assert quote is not None
        return quote.total


def drain(app: Flask) -> int:
    """Run every ready job in this process (what the worker does)."""
    with app.app_context():
        return worker.run_pending()
