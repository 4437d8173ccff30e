"""back office: customer search indexes; each store's mail sender; the Partner Center
disassociation checklist item of association settlements.

- ``(store_id, realname_status, created_at, id)`` and ``(store_id, status, created_at, id)``:
  a real-name or frozen filter reads its newest rows from one index range, in page order.
- PostgreSQL: the three trigram GIN indexes on ``lower(email)``, ``lower(name)`` and ``phone``
  are rebuilt with ``realname_status`` and ``status`` as leading GIN columns (``btree_gin``), so
  a rare term under a filter (``q=li-&realname=pending``) is intersected inside the index
  instead of rechecking every row the term alone matches. Without filter conditions the
  indexes work exactly as before.
- ``stores.mail_from_name`` / ``mail_from_address``: the sender of the store's mail.
- ``association_settlements.provider_unbound_*``: when, by whom and how the customer was
  disassociated in the provider's Partner Center (the provider has no API for it).

Revision ID: 0017_backoffice_search
Revises: 0012_association
Create Date: 2026-11-25 13:05:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017_backoffice_search"
down_revision = "0016_store_freeze"
branch_labels = None
depends_on = None

FK = "fk_association_settlements_provider_unbound_staff_id_staff"
TRGM = {"email": "lower(email)", "name": "lower(name)", "phone": "phone"}


def upgrade():
    with op.batch_alter_table("stores", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mail_from_name", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("mail_from_address", sa.String(length=255), nullable=True))
    # plain ADD COLUMNs (a batch copy would reflect customers and its expression indexes);
    # the foreign key is added where ALTER TABLE can add one
    for column in (
        sa.Column("provider_unbound_on", sa.Date(), nullable=True),
        sa.Column("provider_unbound_by", sa.String(length=255), nullable=True),
        sa.Column("provider_unbound_note", sa.String(length=500), nullable=True),
        sa.Column("provider_unbound_staff_id", sa.Integer(), nullable=True),
        sa.Column("provider_unbound_recorded_at", sa.DateTime(timezone=True), nullable=True),
    ):
        op.add_column("association_settlements", column)
    if op.get_bind().dialect.name != "sqlite":
        op.create_foreign_key(
            FK,
            "association_settlements",
            "staff",
            ["provider_unbound_staff_id"],
            ["id"],
            ondelete="RESTRICT",
        )
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
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(FK, "association_settlements", type_="foreignkey")
    for column in ("recorded_at", "staff_id", "note", "by", "on"):
        op.drop_column("association_settlements", f"provider_unbound_{column}")
    with op.batch_alter_table("stores", schema=None) as batch_op:
        batch_op.drop_column("mail_from_address")
        batch_op.drop_column("mail_from_name")
