"""jobs: the worker holding a job's lease

A running job's lease is short and renewed by its worker's heartbeat; ``locked_by`` names the
worker (host:pid), so ``reconcile`` can say whose lease expired when a worker dies mid-job.

Revision ID: 0028_job_leases
Revises: 0027_sec_hosts_primary_domain
Create Date: 2026-12-07 02:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0028_job_leases"
down_revision = "0027_sec_hosts_primary_domain"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locked_by", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("locked_by")
