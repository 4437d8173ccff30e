"""billing gaps (issue 5): safe funding retries

``orders.funding_started_at`` marks a funding call whose outcome may be unknown; a unique
``orders.funding_transfer_id`` keeps one provider funding from being claimed by two orders.

Revision ID: 0015_billing_gaps
Revises: 0012_association
Create Date: 2026-11-25 13:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_billing_gaps'
down_revision = "0017_backoffice_search"
branch_labels = None
depends_on = None


def upgrade():
    # no batch mode: SQLite adds a column and an index in place (a batch copy would reflect
    # the customers' expression index, which SQLAlchemy cannot)
    op.execute("UPDATE orders SET funding_transfer_id = NULL WHERE funding_transfer_id = ''")
    op.add_column('orders', sa.Column('funding_started_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        op.f('ix_orders_funding_transfer_id'), 'orders', ['funding_transfer_id'], unique=True
    )


def downgrade():
    op.drop_index(op.f('ix_orders_funding_transfer_id'), table_name='orders')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('funding_started_at')
