"""notifications: in-app entries, customer preferences, store low-balance threshold (#20)

``notifications``: one row per customer event (unique per store, event and key), read and
mailed times. ``notification_preferences``: a customer's muted (non-essential) events and own
low-balance threshold. ``notification_store_settings``: a store's low-balance threshold.

Revision ID: 0035_notifications
Revises: 0029_servers
Create Date: 2026-12-07 04:38:02.445060

"""

import sqlalchemy as sa
from alembic import op

revision = "0035_notifications"
down_revision = "0029b_schema_drift"
branch_labels = None
depends_on = None


def _store_fk(table):
    return sa.ForeignKeyConstraint(
        ["store_id"], ["stores.id"], name=op.f(f"fk_{table}_store_id_stores"), ondelete="CASCADE"
    )


def _customer_fk(table):
    return sa.ForeignKeyConstraint(
        ["customer_id"],
        ["customers.id"],
        name=op.f(f"fk_{table}_customer_id_customers"),
        ondelete="CASCADE",
    )


def upgrade():
    op.create_table(
        "notification_store_settings",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("low_balance_threshold", sa.Numeric(precision=18, scale=2), nullable=True),
        _store_fk("notification_store_settings"),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_notification_store_settings")),
    )
    op.create_table(
        "notification_preferences",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("muted", sa.JSON(), nullable=False),
        sa.Column("low_balance_threshold", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("store_id", sa.Integer(), nullable=False),
        _customer_fk("notification_preferences"),
        _store_fk("notification_preferences"),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_notification_preferences")),
    )
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notification_preferences_store_id"), ["store_id"], unique=False
        )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=48), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mail_skipped", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        _customer_fk("notifications"),
        _store_fk("notifications"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("store_id", "event", "key", name="uq_notifications_event_key"),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_customer", ["customer_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notifications_store_id"), ["store_id"], unique=False)


def downgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_store_id"))
        batch_op.drop_index("ix_notifications_customer")
    op.drop_table("notifications")
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_preferences_store_id"))
    op.drop_table("notification_preferences")
    op.drop_table("notification_store_settings")
