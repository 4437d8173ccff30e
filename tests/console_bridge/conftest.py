"""Console bridge fixtures: a linked, verified buyer with real sandbox resources."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from storefront.accounts.models import Customer, ProviderLink, RealnameStatus
from storefront.billing.models import Resource, ResourceStatus
from storefront.cloud import demo
from storefront.extensions import cloud_provider, db
from tests.accounts.helpers import PASSWORD
from tests.billing.conftest import give, owner
from tests.billing.test_orders_support import drain, make_quote, token
from tests.catalog.fixtures import catalog

__all__ = ["catalog", "give", "make_quote", "owner"]

ECS = {"product": "ecs", "spec": "s6.large.2.linux", "quantity": 1}
EVS = {"product": "evs", "spec": "SSD", "quantity": 1, "size_gb": 100}
EIP = {"product": "eip", "spec": "5_bgp", "quantity": 1, "bandwidth_mbit": 5}
VPC = {"product": "vpc", "spec": "vpc", "quantity": 1}


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


def trust_storefront(sandbox: Any, metadata_xml: str | None = None, url: str | None = None) -> None:
    """What the reseller does at the provider: upload our IdP metadata for our xAccountType."""
    body: dict[str, Any] = {"xaccount_type": demo.DEMO_XACCOUNT_TYPE}
    if metadata_xml:
        body["metadata_xml"] = metadata_xml
    if url:
        body["metadata_url"] = url
    sandbox._control("POST", "/_sandbox/console/idp-metadata", body)


__all__ += ["EIP", "EVS", "VPC", "trust_storefront"]
