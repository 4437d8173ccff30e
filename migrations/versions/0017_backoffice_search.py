"""back office: customer search indexes for filters with keyset order; trigram indexes that
also hold the filter columns (PostgreSQL).

- ``(store_id, realname_status, created_at, id)`` and ``(store_id, status, created_at, id)``:
  a real-name or frozen filter reads its newest rows from one index range, in page order.
- PostgreSQL: the three trigram GIN indexes on ``lower(email)``, ``lower(name)`` and ``phone``
  are rebuilt with ``realname_status`` and ``status`` as leading GIN columns (``btree_gin``), so
  a rare term under a filter (``q=li-&realname=pending``) is intersected inside the index
  instead of rechecking every row the term alone matches. Without filter conditions the
  indexes work exactly as before.

Revision ID: 0017_backoffice_search
Revises: 0012_association
Create Date: 2026-11-25 13:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0017_backoffice_search"
down_revision = "0012_association"
branch_labels = None
depends_on = None

TRGM = {"email": "lower(email)", "name": "lower(name)", "phone": "phone"}


def upgrade():
    op.create_index(
        "ix_customers_store_realname_newest",
        "customers",
        ["store_id", "realname_status", "created_at", "id"],
    )
    op.create_index(
        "ix_customers_store_status_newest", "customers", ["store_id", "status", "created_at", "id"]
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        for name, expr in TRGM.items():
            op.execute(f"DROP INDEX IF EXISTS ix_customers_{name}_trgm")
            op.execute(
                f"CREATE INDEX ix_customers_{name}_trgm ON customers USING gin "
                f"(realname_status, status, {expr} gin_trgm_ops)"
            )
        # statistics for the new index expressions: the planner's row estimates need them
        op.execute("ANALYZE customers")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, expr in TRGM.items():
            op.execute(f"DROP INDEX IF EXISTS ix_customers_{name}_trgm")
            op.execute(
                f"CREATE INDEX ix_customers_{name}_trgm ON customers USING gin "
                f"({expr} gin_trgm_ops)"
            )
    op.drop_index("ix_customers_store_status_newest", table_name="customers")
    op.drop_index("ix_customers_store_realname_newest", table_name="customers")
