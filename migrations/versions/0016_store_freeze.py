"""store freeze: a store can be frozen (no ordering, no console jump) with a reason

Revision ID: 0016_store_freeze
Revises: 0012_association
Create Date: 2026-11-25 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_store_freeze'
down_revision = '0014_catalog_pages'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.add_column(sa.Column('frozen_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('frozen_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('frozen_by', sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.drop_column('frozen_by')
        batch_op.drop_column('frozen_reason')
        batch_op.drop_column('frozen_at')
