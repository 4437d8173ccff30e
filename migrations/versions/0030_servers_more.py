"""servers: a server may join one of the customer's existing subnets; a store's default images

``server_choices.subnet_id`` / ``vpc_id``: chosen at checkout or in the API's ``server.subnet``;
both null: the customer's default VPC and subnet of the region (made by the first server).
``server_default_images``: per store, region and OS, the image a server boots when the customer
chose none (set on the staff page ``/staff/server-images``).
``order_lines.provider_order_id`` widened to 1024: an EIP line of quantity n keeps its n provider
orders comma-separated (three did not fit in 64 on PostgreSQL), and so does
``resources.provider_order_id`` (its line's).

Revision ID: 0030_servers_more
Revises: 0030_renewals
Create Date: 2026-12-07 05:15:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0030_servers_more"
down_revision = "0030_renewals"
branch_labels = None
depends_on = None


def _widen(length):
    """``provider_order_id`` of order lines and resources (SQLite does not enforce lengths)."""
    if op.get_bind().dialect.name == "sqlite":
        return
    for table in ("order_lines", "resources"):
        op.alter_column(
            table,
            "provider_order_id",
            type_=sa.String(length=length),
            existing_nullable=True,
        )


def upgrade():
    _widen(1024)
    with op.batch_alter_table("server_choices") as batch:
        batch.add_column(sa.Column("subnet_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("vpc_id", sa.String(length=64), nullable=True))
    op.create_table(
        "server_default_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=40), nullable=False),
        sa.Column("os_type", sa.String(length=16), nullable=False),
        sa.Column("image_id", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name=op.f("fk_server_default_images_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_server_default_images")),
        sa.UniqueConstraint(
            "store_id",
            "region_code",
            "os_type",
            name=op.f("uq_server_default_images_store_id_region_code_os_type"),
        ),
    )
    with op.batch_alter_table("server_default_images") as batch:
        batch.create_index(batch.f("ix_server_default_images_store_id"), ["store_id"], unique=False)


def downgrade():
    with op.batch_alter_table("server_default_images") as batch:
        batch.drop_index(batch.f("ix_server_default_images_store_id"))
    op.drop_table("server_default_images")
    _widen(64)
    with op.batch_alter_table("server_choices") as batch:
        batch.drop_column("vpc_id")
        batch.drop_column("subnet_id")
