"""Reseller fixtures (a root conftest plugin): a sandbox reseller, its row and its store."""

from __future__ import annotations

import json
import secrets
import urllib.request
from typing import Any

import pytest
from flask import Flask

from storefront.cloud import demo
from storefront.extensions import db as _db


def control(sandbox: Any, method: str, path: str, payload: Any = None) -> dict[str, Any]:
    data = json.dumps(payload).encode() if payload is not None else None
    req = urllib.request.Request(
        sandbox.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        result: dict[str, Any] = json.loads(resp.read())
    return result


@pytest.fixture
def sandbox_reseller(sandbox: Any) -> dict[str, str]:
    """A fresh reseller account under the demo distributor, with its own AK/SK."""
    return new_sandbox_reseller(sandbox)


def new_sandbox_reseller(sandbox: Any) -> dict[str, str]:
    """Create a reseller account in ``sandbox`` under the demo distributor (name, id, AK, SK)."""
    name = f"reseller-{secrets.token_hex(4)}"
    ak, sk = f"AK{secrets.token_hex(8).upper()}", secrets.token_hex(16)
    made = control(
        sandbox,
        "POST",
        "/_sandbox/partners/resellers",
        {
            "name": name,
            "parent_id": demo.DEMO_DISTRIBUTOR_DOMAIN_ID,
            "ak": ak,
            "sk": sk,
            "email": f"{name}@example.com",
        },
    )
    return {"name": name, "id": made["indirect_partner_id"], "ak": ak, "sk": sk}


@pytest.fixture
def reseller(
    app: Flask, default_store: Any, make_store: Any, sandbox_reseller: dict[str, str]
) -> Any:
    """A reseller row linked to ``sandbox_reseller`` with a store of its own."""
    from storefront.partners.models import Reseller
    from storefront.partners.services import now

    store = make_store()
    with app.app_context():
        row = Reseller(
            store_id=store.id,
            company_name="Reseller Co",
            account_name=sandbox_reseller["name"],
            email=f"{sandbox_reseller['name']}@example.com",
            indirect_partner_id=sandbox_reseller["id"],
            created_at=now(),
        )
        _db.session.add(row)
        _db.session.commit()
        _db.session.refresh(row)
        _db.session.expunge(row)
    row.store = store  # type: ignore[attr-defined]
    return row
