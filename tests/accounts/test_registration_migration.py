"""Migration 0023: existing customers keep their name as display name and as account name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text

from storefront.extensions import db

CUSTOMER = (
    "INSERT INTO customers (id, store_id, email, password_hash, name, country, status, "
    "realname_status, provider_link, provider_account_name, session_version, totp_enabled) "
    "VALUES (:id, 1, :email, 'x', :name, 'CN', 'active', 'unverified', 'linked', :provider, 0, 0)"
)


def test_existing_names_become_display_and_account_names(make_app: Any, tmp_path: Path) -> None:
    from flask_migrate import downgrade, upgrade

    app = make_app(STOREFRONT_DATABASE_URL=f"sqlite:///{tmp_path / 'old.db'}")
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0020_quote_expiry_index")
        with db.engine.begin() as conn:
            conn.execute(text("PRAGMA foreign_keys=OFF"))  # no store row needed for this
            rows = [
                (1, "TestCustomer1", None),  # registered before: its name is its account name
                (2, "ada_l", "ada_l"),  # linked: the provider's answer was recorded
                (3, "Customer 3", None),  # made by a script, not a valid account name
            ]
            for id_, name, provider in rows:
                conn.execute(
                    text(CUSTOMER),
                    {"id": id_, "email": f"c{id_}@example.com", "name": name, "provider": provider},
                )
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            got = conn.execute(text("SELECT id, name, account_name FROM customers ORDER BY id"))
            assert [tuple(r) for r in got] == [
                (1, "TestCustomer1", "TestCustomer1"),
                (2, "ada_l", "ada_l"),
                (3, "Customer 3", None),
            ]
            indexes = conn.execute(text("PRAGMA index_list('customers')")).all()
            assert any(ix[1] == "ix_customers_name_prefix" for ix in indexes)
        db.session.remove()
        downgrade(directory=directory, revision="0020_quote_expiry_index")
        with db.engine.connect() as conn:
            back = conn.execute(text("SELECT provider_account_name FROM customers ORDER BY id"))
            assert [r[0] for r in back] == ["TestCustomer1", "ada_l", None]
