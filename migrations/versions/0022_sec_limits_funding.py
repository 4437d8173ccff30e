"""billing: staff funding limits (per operation, per day) and dual-control funding records

Revision ID: 0022_sec_limits_funding
Revises: 0020_quote_expiry_index
Create Date: 2026-12-06 22:31:19.462774

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_sec_limits_funding'
down_revision = '0020_quote_expiry_index'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_fundings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('status', sa.Enum('pending_approval', 'approved', 'rejected', name='funding_status', native_enum=False, length=32), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('rejected_by_id', sa.Integer(), nullable=True),
    sa.Column('reject_reason', sa.String(length=500), nullable=True),
    sa.Column('transaction_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("approved_by_id IS NULL OR status <> 'pending_approval'", name=op.f('ck_staff_fundings_funding_state')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_staff_fundings_funding_amount_positive')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['staff.id'], name=op.f('fk_staff_fundings_approved_by_id_staff'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_staff_fundings_customer_id_customers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['rejected_by_id'], ['staff.id'], name=op.f('fk_staff_fundings_rejected_by_id_staff'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['staff.id'], name=op.f('fk_staff_fundings_requested_by_id_staff'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_staff_fundings_store_id_stores'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['transaction_id'], ['journal_transactions.id'], name=op.f('fk_staff_fundings_transaction_id_journal_transactions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_fundings')),
    sa.UniqueConstraint('transaction_id', name=op.f('uq_staff_fundings_transaction_id'))
    )
    with op.batch_alter_table('staff_fundings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_fundings_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_staff_fundings_requester_day', ['requested_by_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_fundings_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_fundings_store_id'), ['store_id'], unique=False)

    with op.batch_alter_table('billing_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fund_limit_per_operation', sa.Numeric(precision=18, scale=2), server_default='50000.00', nullable=False))
        batch_op.add_column(sa.Column('fund_limit_per_day', sa.Numeric(precision=18, scale=2), server_default='200000.00', nullable=False))



def downgrade():
    with op.batch_alter_table('billing_settings', schema=None) as batch_op:
        batch_op.drop_column('fund_limit_per_day')
        batch_op.drop_column('fund_limit_per_operation')

    with op.batch_alter_table('staff_fundings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_fundings_store_id'))
        batch_op.drop_index(batch_op.f('ix_staff_fundings_status'))
        batch_op.drop_index('ix_staff_fundings_requester_day')
        batch_op.drop_index(batch_op.f('ix_staff_fundings_customer_id'))

    op.drop_table('staff_fundings')
