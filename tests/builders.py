"""Callable factory fixtures (indico style): ``make_store(...)``, ``make_customer(...)``, …"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from storefront.accounts.models import Customer, CustomerStatus, Staff, StaffRole
from storefront.accounts.passwords import hash_password
from storefront.extensions import db
from storefront.stores.models import Store
from storefront.stores.services import create_store, ensure_default_store

_seq = itertools.count(1)
PASSWORD = "correct horse battery 9"
_PASSWORD_HASH: dict[str, str] = {}


def _hash(password: str) -> str:
    if password not in _PASSWORD_HASH:
        _PASSWORD_HASH[password] = hash_password(password)
    return _PASSWORD_HASH[password]


@pytest.fixture
def default_store(app: Flask) -> Store:
    with app.app_context():
        store = ensure_default_store()
        db.session.commit()
        db.session.refresh(store)
        db.session.expunge(store)
        return store


@pytest.fixture
def make_store(app: Flask) -> Callable[..., Store]:
    def factory(**kwargs: Any) -> Store:
        n = next(_seq)
        kwargs.setdefault("slug", f"store-{n}")
        kwargs.setdefault("name", f"Store {n}")
        kwargs.setdefault("domains", [f"store{n}.test"])
        with app.app_context():
            store = create_store(**kwargs)
            db.session.commit()
            db.session.refresh(store)
            _ = store.domains
            db.session.expunge(store)
            return store

    return factory


@pytest.fixture
def make_customer(app: Flask, default_store: Store) -> Callable[..., Customer]:
    def factory(store: Store | None = None, password: str = PASSWORD, **kwargs: Any) -> Customer:
        n = next(_seq)
        kwargs.setdefault("email", f"customer{n}@example.com")
        kwargs.setdefault("name", f"Customer {n}")
        kwargs.setdefault("status", CustomerStatus.ACTIVE)
        with app.app_context():
            customer = Customer(
                store_id=(store or default_store).id, password_hash=_hash(password), **kwargs
            )
            db.session.add(customer)
            db.session.commit()
            db.session.refresh(customer)
            db.session.expunge(customer)
            return customer

    return factory


@pytest.fixture
def make_staff(app: Flask, default_store: Store) -> Callable[..., Staff]:
    def factory(
        store: Store | None = None,
        password: str = PASSWORD,
        role: StaffRole = StaffRole.SUPPORT,
        **kwargs: Any,
    ) -> Staff:
        n = next(_seq)
        kwargs.setdefault("email", f"staff{n}@example.com")
        kwargs.setdefault("name", f"Staff {n}")
        with app.app_context():
            staff = Staff(
                store_id=(store or default_store).id,
                password_hash=_hash(password),
                role=role,
                **kwargs,
            )
            db.session.add(staff)
            db.session.commit()
            db.session.refresh(staff)
            db.session.expunge(staff)
            return staff

    return factory
