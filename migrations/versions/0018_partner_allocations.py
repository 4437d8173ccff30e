"""partners: allocation requests (pending -> confirmed | failed) around the provider call

Revision ID: 0018_partner_allocations
Revises: 0012_association
Create Date: 2026-11-25 13:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_partner_allocations'
down_revision = "0015_billing_gaps"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partners_allocation_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('client_reference', sa.String(length=32), nullable=False),
    sa.Column('reseller_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('allocate', 'reclaim', name='allocation_kind', native_enum=False, length=32), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('state', sa.Enum('pending', 'confirmed', 'failed', name='allocation_state', native_enum=False, length=32), nullable=False),
    sa.Column('provider_transfer_id', sa.String(length=64), nullable=True),
    sa.Column('error_code', sa.String(length=64), nullable=True),
    sa.Column('error_message', sa.String(length=500), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('staff_label', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('allocation_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['allocation_id'], ['partners_allocations.id'], name=op.f('fk_partners_allocation_requests_allocation_id_partners_allocations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reseller_id'], ['partners_resellers.id'], name=op.f('fk_partners_allocation_requests_reseller_id_partners_resellers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_partners_allocation_requests_staff_id_staff'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_partners_allocation_requests_store_id_stores'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners_allocation_requests')),
    sa.UniqueConstraint('client_reference', name=op.f('uq_partners_allocation_requests_client_reference')),
    sa.UniqueConstraint('store_id', 'idempotency_key', name=op.f('uq_partners_allocation_requests_store_id_idempotency_key'))
    )
    with op.batch_alter_table('partners_allocation_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partners_allocation_requests_reseller_id'), ['reseller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_partners_allocation_requests_state'), ['state'], unique=False)


def downgrade():
    with op.batch_alter_table('partners_allocation_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partners_allocation_requests_state'))
        batch_op.drop_index(batch_op.f('ix_partners_allocation_requests_reseller_id'))
    op.drop_table('partners_allocation_requests')
