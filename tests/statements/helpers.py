"""Helpers the statements tests share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from storefront.accounts.models import Customer
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.stores.tenancy import store_context

USCC = "91350100M000100Y43"  # a valid unified social credit code
SELLER_USCC = "91110000717882929D"


def in_store(app: Flask, customer: Customer, action: Callable[[Customer], Any]) -> Any:
    """Run ``action(customer)`` in the customer's store and commit."""
    with app.app_context():
        fresh = db.session.get(Customer, customer.id)
        assert fresh is not None
        store = db.session.get(Store, fresh.store_id)
        assert store is not None
        with store_context(store):
            result = action(fresh)
            db.session.commit()
            return result


def bearer(token_for: Callable[[Any], str], principal: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(principal)}"}
