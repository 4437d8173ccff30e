"""Shared shopping fixtures (a plugin of the root conftest): buyers, quotes, the owner's funding,
linked customers with resources; and the helpers that go with them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from storefront.accounts.models import Customer, ProviderLink, RealnameStatus, Staff, StaffRole
from storefront.billing import services, worker
from storefront.billing.models import Resource, ResourceStatus
from storefront.catalog import services as catalog_services
from storefront.extensions import cloud_provider, db
from storefront.stores.models import Store
from storefront.stores.tenancy import store_context
from tests.accounts.helpers import PASSWORD

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


@pytest.fixture
def owner(make_staff: Callable[..., Staff]) -> Staff:
    return make_staff(role=StaffRole.OWNER)


@pytest.fixture
def give(app: Flask, owner: Staff) -> Callable[[Customer, str], None]:
    """Fund a customer (as the store's owner) and commit."""

    def fund(customer: Customer, amount: str) -> None:
        with app.app_context():
            services.fund(customer, amount, "setup", owner)

    return fund


@pytest.fixture
def make_linked(app: Flask, make_customer: Callable[..., Customer]) -> Callable[..., Customer]:
    """A customer linked to a sandbox account under our xAccountType (``xUserId`` known)."""

    def factory(**kwargs: Any) -> Customer:
        xaccount_id = uuid.uuid4().hex
        with app.app_context():
            made = cloud_provider().create_sub_customer(
                xaccount_id=xaccount_id, account_name=f"c{uuid.uuid4().hex[:12]}"
            )
        kwargs.setdefault("realname_status", RealnameStatus.VERIFIED)
        kwargs.setdefault("provider_customer_id", made.customer_id)
        kwargs.setdefault("provider_xaccount_id", xaccount_id)
        kwargs.setdefault("provider_link", ProviderLink.LINKED)
        return make_customer(password=PASSWORD, **kwargs)

    return factory


@pytest.fixture
def linked(make_linked: Callable[..., Customer]) -> Customer:
    return make_linked()


@pytest.fixture
def make_resource(app: Flask) -> Callable[..., Resource]:
    """A resource row built directly (no order), for the refusal cases."""

    def factory(customer: Customer, **kwargs: Any) -> Resource:
        kwargs.setdefault("provider_resource_id", uuid.uuid4().hex)
        kwargs.setdefault("product_code", "ecs")
        kwargs.setdefault("spec_code", "s6.large.2.linux")
        kwargs.setdefault("region_code", "cn-north-4")
        kwargs.setdefault("billing_mode", "monthly")
        kwargs.setdefault("status", ResourceStatus.ACTIVE)
        kwargs.setdefault("name", "web-1")
        with app.app_context():
            row = Resource(customer_id=customer.id, store_id=customer.store_id, **kwargs)
            db.session.add(row)
            db.session.commit()
            db.session.refresh(row)
            db.session.expunge(row)
            return row

    return factory


@pytest.fixture
def bought(
    app: Flask,
    client: Any,
    make_quote: Callable[..., str],
    give: Callable[[Customer, str], None],
    catalog: Any,
) -> Callable[..., list[dict[str, Any]]]:
    """Buy ``items`` for ``customer`` through the API and the worker; the resources' JSON."""

    def factory(customer: Customer, items: list[dict[str, Any]] | None = None) -> Any:
        quote_id = make_quote(customer, items=items or [ECS])
        give(customer, "100000.00")
        headers = token(client, customer)
        resp = client.post("/api/v1/orders", json={"quote_id": quote_id}, headers=headers)
        assert resp.status_code == 201, resp.get_json()
        drain(app)
        return client.get("/api/v1/resources", headers=headers).get_json()["items"]

    return factory
