"""servers: a server may join one of the customer's existing subnets (its VPC with it)

``server_choices.subnet_id`` / ``vpc_id``: chosen at checkout or in the API's ``server.subnet``;
both null: the customer's default VPC and subnet of the region (made by the first server).

Revision ID: 0030_servers_more
Revises: 0029_servers
Create Date: 2026-12-07 05:15:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0030_servers_more"
down_revision = "0029_servers"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("server_choices") as batch:
        batch.add_column(sa.Column("subnet_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("vpc_id", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("server_choices") as batch:
        batch.drop_column("vpc_id")
        batch.drop_column("subnet_id")
