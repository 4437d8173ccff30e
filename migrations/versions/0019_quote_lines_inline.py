"""catalog: a quote's lines kept in its own row (``catalog_quotes.lines``, JSON); quote indexes

One write per quote instead of a quote row, its line rows and their index entries; the lines
are read with the quote (orders copy them into order lines, which stay a table). The unused
owner index and the store index give way to one (store_id, created_at) index.

Revision ID: 0019_quote_lines_inline
Revises: 0018_partner_allocations
Create Date: 2026-11-25 16:30:00.000000

"""
from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "0019_quote_lines_inline"
down_revision = "0018_partner_allocations"
branch_labels = None
depends_on = None

AMOUNTS = ("unit_price", "amount", "unit_cost", "cost_amount", "official_amount")
FIELDS = ("position", "product_code", "spec_code", "quantity", "size", *AMOUNTS, "rule_id")

quotes = sa.table("catalog_quotes", sa.column("id", sa.String), sa.column("lines", sa.JSON))


def _line_columns() -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_code", sa.String(length=20), nullable=False),
        sa.Column("spec_code", sa.String(length=80), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=True),
        *(sa.Column(name, sa.Numeric(precision=18, scale=2), nullable=False) for name in AMOUNTS),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["catalog_quotes.id"],
            name="fk_catalog_quote_lines_quote_id_catalog_quotes",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_catalog_quote_lines"),
    ]


def _lines_table() -> sa.Table:
    """The old table's columns, for reading and writing rows (no constraints needed)."""
    columns = [c for c in _line_columns() if isinstance(c, sa.Column)]
    return sa.Table("catalog_quote_lines", sa.MetaData(), *columns)


def upgrade():
    op.add_column(
        "catalog_quotes", sa.Column("lines", sa.JSON(), nullable=False, server_default="[]")
    )
    bind = op.get_bind()
    lines = _lines_table()
    by_quote: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in bind.execute(sa.select(lines).order_by(lines.c.quote_id, lines.c.position)):
        item = {name: getattr(row, name) for name in FIELDS}
        for name in AMOUNTS:
            item[name] = f"{row._mapping[name]:.2f}"
        by_quote[row.quote_id].append(item)
    for quote_id, items in by_quote.items():
        bind.execute(quotes.update().where(quotes.c.id == quote_id).values(lines=items))
    with op.batch_alter_table("catalog_quote_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_catalog_quote_lines_quote_id")
    op.drop_table("catalog_quote_lines")
    op.drop_index("ix_catalog_quotes_owner", table_name="catalog_quotes")
    op.drop_index("ix_catalog_quotes_store_id", table_name="catalog_quotes")
    op.create_index(
        "ix_catalog_quotes_store_created", "catalog_quotes", ["store_id", "created_at"]
    )


def downgrade():
    op.drop_index("ix_catalog_quotes_store_created", table_name="catalog_quotes")
    op.create_index("ix_catalog_quotes_store_id", "catalog_quotes", ["store_id"])
    op.create_index(
        "ix_catalog_quotes_owner", "catalog_quotes", ["store_id", "customer_id", "session_key"]
    )
    op.create_table("catalog_quote_lines", *_line_columns())
    lines = _lines_table()
    with op.batch_alter_table("catalog_quote_lines", schema=None) as batch_op:
        batch_op.create_index("ix_catalog_quote_lines_quote_id", ["quote_id"], unique=False)
    bind = op.get_bind()
    rows = [
        {"quote_id": quote_id, **item, **{name: Decimal(item[name]) for name in AMOUNTS}}
        for quote_id, items in bind.execute(sa.select(quotes.c.id, quotes.c.lines))
        for item in items or []
    ]
    if rows:
        bind.execute(lines.insert(), rows)
    with op.batch_alter_table("catalog_quotes", schema=None) as batch_op:
        batch_op.drop_column("lines")
