"""renewals: "at expiry: switch to pay-per-use" per resource (#18), on ``auto_renewals``

Revision ID: 0036_renewals_ppu
Revises: 0034_webhooks
Create Date: 2026-12-07 06:15:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0036_renewals_ppu"
down_revision = "0034_webhooks"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("auto_renewals") as batch:
        batch.add_column(
            sa.Column("at_expiry", sa.String(length=12), nullable=False, server_default="expire")
        )
        batch.add_column(sa.Column("expiry_state", sa.String(length=12), nullable=True))
        batch.add_column(
            sa.Column("expiry_note", sa.String(length=500), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("switch_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("auto_renewals") as batch:
        batch.drop_column("switch_at")
        batch.drop_column("expiry_note")
        batch.drop_column("expiry_state")
        batch.drop_column("at_expiry")
