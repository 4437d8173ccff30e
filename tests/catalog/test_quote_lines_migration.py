"""Migration 0019: quotes made before it keep their lines (and get them back on downgrade)."""

from __future__ import annotations

import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text

from storefront.extensions import db

QUOTE = (
    "INSERT INTO catalog_quotes (id, store_id, region_code, billing_mode, period, currency, "
    "total, cost_total, stale, created_at, expires_at, session_key) VALUES "
    "(:id, 1, 'cn-north-4', 'monthly', 1, 'CNY', :total, :total, 0, "
    "'2026-11-25 10:00:00.000000', '2026-11-25 10:30:00.000000', 'k')"
)
LINE = (
    "INSERT INTO catalog_quote_lines (quote_id, position, product_code, spec_code, quantity, "
    "size, unit_price, amount, unit_cost, cost_amount, official_amount, rule_id) VALUES "
    "(:quote_id, :position, :product, :spec, :quantity, :size, :price, :amount, 1, 1, :amount, "
    ":rule)"
)


def test_old_quotes_keep_their_lines_across_the_migration(make_app: Any, tmp_path: Path) -> None:
    from flask_migrate import downgrade, upgrade

    from storefront.catalog.models import Quote
    from storefront.stores.tenancy import all_stores

    app = make_app(STOREFRONT_DATABASE_URL=f"sqlite:///{tmp_path / 'old.db'}")
    directory = app.extensions["migrate"].directory
    with app.app_context():
        upgrade(directory=directory, revision="0018_partner_allocations")
        with db.engine.begin() as conn:
            conn.execute(text("PRAGMA foreign_keys=OFF"))  # no store row needed for this
            conn.execute(text(QUOTE), {"id": "a" * 32, "total": "168.80"})
            conn.execute(text(QUOTE), {"id": "b" * 32, "total": "0.00"})  # no lines at all
            lines = [
                {"position": 1, "product": "evs", "spec": "SSD", "quantity": 1, "size": 100,
                 "price": "56.80", "amount": "56.80", "rule": None},
                {"position": 0, "product": "ecs", "spec": "s6.large.2.linux", "quantity": 2,
                 "size": None, "price": "56.00", "amount": "112.00", "rule": 7},
            ]  # fmt: skip
            for line in lines:
                conn.execute(text(LINE), {"quote_id": "a" * 32, **line})
        upgrade(directory=directory)
        with all_stores():
            quote = db.session.get(Quote, "a" * 32)
            empty = db.session.get(Quote, "b" * 32)
            assert quote is not None and empty is not None
            got = [(x.position, x.product_code, x.quantity, x.size, x.amount, x.rule_id)
                   for x in quote.lines]  # fmt: skip
            assert got == [
                (0, "ecs", 2, None, Decimal("112.00"), 7),
                (1, "evs", 1, 100, Decimal("56.80"), None),
            ]
            assert empty.lines == ()
        db.session.remove()
        with warnings.catch_warnings():  # SQLite's table rebuild reflects an expression index
            warnings.filterwarnings("ignore", "Skipped unsupported reflection")
            downgrade(directory=directory, revision="0018_partner_allocations")
        with db.engine.connect() as conn:
            sql = "SELECT position, spec_code, amount FROM catalog_quote_lines ORDER BY position"
            back = conn.execute(text(sql)).all()
        assert [(p, s, Decimal(str(a))) for p, s, a in back] == [
            (0, "s6.large.2.linux", Decimal("112.00")),
            (1, "SSD", Decimal("56.80")),
        ]
