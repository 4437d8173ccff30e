"""servers: the provider's last known state of a bought resource; a server's choices

``resource_states``: a row per resource: status word, zone, image, addresses, disks, bandwidth,
and when the provider was last asked. ``server_choices``: a quote's server line's image, zone,
system disk, name, key pair and SSH/RDP opening. Never a password or a private key.

Revision ID: 0029_servers
Revises: 0028_job_leases
Create Date: 2026-12-07 02:21:42.416854

"""

import sqlalchemy as sa
from alembic import op

revision = "0029_servers"
down_revision = "0028_job_leases"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "resource_states",
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("provider_status", sa.String(length=32), nullable=True),
        sa.Column("availability_zone", sa.String(length=40), nullable=True),
        sa.Column("image_id", sa.String(length=64), nullable=True),
        sa.Column("image_name", sa.String(length=128), nullable=True),
        sa.Column("key_name", sa.String(length=64), nullable=True),
        sa.Column("private_ips", sa.JSON(), nullable=False),
        sa.Column("public_ips", sa.JSON(), nullable=False),
        sa.Column("disks", sa.JSON(), nullable=False),
        sa.Column("bandwidth_mbit", sa.Integer(), nullable=True),
        sa.Column("launched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_resource_states_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_resource_states_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resource_id", name=op.f("pk_resource_states")),
    )
    with op.batch_alter_table("resource_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resource_states_store_id"), ["store_id"], unique=False)
    op.create_table(
        "server_choices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.String(length=64), nullable=True),
        sa.Column("availability_zone", sa.String(length=40), nullable=True),
        sa.Column("system_disk_type", sa.String(length=16), nullable=True),
        sa.Column("system_disk_size", sa.Integer(), nullable=True),
        sa.Column("disk_position", sa.Integer(), nullable=True),
        sa.Column("server_name", sa.String(length=64), nullable=True),
        sa.Column("key_pair", sa.String(length=64), nullable=True),
        sa.Column("remote_login", sa.Boolean(), nullable=True),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_server_choices_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_choices")),
        sa.UniqueConstraint(
            "store_id",
            "quote_id",
            "position",
            name=op.f("uq_server_choices_store_id_quote_id_position"),
        ),
    )
    with op.batch_alter_table("server_choices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_server_choices_store_id"), ["store_id"], unique=False)


def downgrade():
    with op.batch_alter_table("server_choices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_server_choices_store_id"))
    op.drop_table("server_choices")
    with op.batch_alter_table("resource_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resource_states_store_id"))
    op.drop_table("resource_states")
