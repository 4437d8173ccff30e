"""stores: a store's primary (canonical) domain, the base of every absolute link it sends

Each store other than the default one gets its oldest domain marked primary; the default store
keeps none, so its links use STOREFRONT_PUBLIC_URL until an operator marks one. A partial unique
index keeps at most one primary domain per store.

Revision ID: 0027_sec_hosts_primary_domain
Revises: 0020_quote_expiry_index
Create Date: 2026-12-06 22:30:00.000000

"""

from alembic import op
import sqlalchemy as sa

revision = "0027_sec_hosts_primary_domain"
down_revision = "0023_names_account_name"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("store_domains", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_primary", sa.Boolean(), nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE store_domains SET is_primary = TRUE WHERE id IN ("
        " SELECT MIN(d.id) FROM store_domains d JOIN stores s ON s.id = d.store_id"
        " WHERE NOT s.is_default GROUP BY d.store_id)"
    )
    op.create_index(
        "uq_store_domains_primary",
        "store_domains",
        ["store_id"],
        unique=True,
        sqlite_where=sa.text("is_primary = 1"),
        postgresql_where=sa.text("is_primary"),
    )


def downgrade():
    op.drop_index("uq_store_domains_primary", table_name="store_domains")
    with op.batch_alter_table("store_domains", schema=None) as batch_op:
        batch_op.drop_column("is_primary")
