"""catalog: drop the index on catalog_quotes.expires_at

Every quote written (a hot path) paid a b-tree insert into it, and no query read it. Its only
intended reader, the purge of expired quotes, walks the table by primary key instead: a full
pass, which a daily job can afford.

Revision ID: 0020_quote_expiry_index
Revises: 0019_quote_lines_inline
Create Date: 2026-11-25 18:40:00.000000

"""
from alembic import op

revision = "0020_quote_expiry_index"
down_revision = "0019_quote_lines_inline"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_catalog_quotes_expires_at", table_name="catalog_quotes")


def downgrade():
    op.create_index(
        "ix_catalog_quotes_expires_at", "catalog_quotes", ["expires_at"], unique=False
    )
