"""renewals: renewal orders, auto-renew choices, unsubscriptions, store renewal settings (#18)

``orders.kind`` (purchase | renewal) and ``orders.resource_id`` (the renewed resource);
``renewal_settings`` (a row per store), ``auto_renewals`` (a row per resource),
``unsubscriptions`` (a row per resource, with its refund).

Revision ID: 0030_renewals
Revises: 0033_gateways
Create Date: 2026-12-07 04:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0030_renewals"
down_revision = "0033_gateways"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(18, 2)


def upgrade():
    with op.batch_alter_table("orders") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=32), nullable=False, server_default="purchase")
        )
        batch.add_column(sa.Column("resource_id", sa.Integer(), nullable=True))
        batch.create_index("ix_orders_resource_id", ["resource_id"])
    op.create_table(
        "renewal_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("renew_days_before", sa.Integer(), nullable=False),
        sa.Column("reminder_days", sa.String(length=40), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("store_id"),
    )
    op.create_index("ix_renewal_settings_store_id", "renewal_settings", ["store_id"])
    op.create_table(
        "auto_renewals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("period_type", sa.String(length=5), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_result", sa.String(length=32), nullable=True),
        sa.Column("last_note", sa.String(length=500), nullable=False),
        sa.Column("last_order_id", sa.Integer(), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["resource_id"], ["resources.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("resource_id"),
    )
    op.create_index("ix_auto_renewals_customer_id", "auto_renewals", ["customer_id"])
    op.create_index("ix_auto_renewals_store_id", "auto_renewals", ["store_id"])
    op.create_table(
        "unsubscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("refund", MONEY, nullable=False),
        sa.Column("paid", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("provider_refund", MONEY, nullable=True),
        sa.Column("provider_order_ids", sa.String(length=500), nullable=False),
        sa.Column("reclaimed", MONEY, nullable=False),
        sa.Column("reclaim_transfer_id", sa.String(length=64), nullable=True),
        sa.Column("transaction_id", sa.Integer(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("failure", sa.String(length=500), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["resource_id"], ["resources.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(
            ["transaction_id"], ["journal_transactions.id"], ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["store_id"], ["stores.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("resource_id"),
    )
    op.create_index("ix_unsubscriptions_customer_id", "unsubscriptions", ["customer_id"])
    op.create_index("ix_unsubscriptions_store_id_id", "unsubscriptions", ["store_id", "id"])
    op.create_index("ix_unsubscriptions_store_id", "unsubscriptions", ["store_id"])


def downgrade():
    op.drop_table("unsubscriptions")
    op.drop_table("auto_renewals")
    op.drop_table("renewal_settings")
    with op.batch_alter_table("orders") as batch:
        batch.drop_index("ix_orders_resource_id")
        batch.drop_column("resource_id")
        batch.drop_column("kind")
