"""gift sends and budget ledger

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 06:48:02.252335
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('gift_send',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('advocate_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('original_item_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.String(length=2000), nullable=True),
    sa.Column('reason', sa.String(length=9), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('link_token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('original_value', sa.BigInteger(), nullable=False),
    sa.Column('reserved_amount', sa.BigInteger(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('input_fingerprint', sa.String(length=64), nullable=True),
    sa.Column('sent_by_token_id', sa.Integer(), nullable=True),
    sa.Column('provider_reference', sa.String(length=200), nullable=True),
    sa.Column('failure_reason', sa.String(length=2000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('redeemed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fulfilled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("reason IN ('MANUAL', 'MILESTONE', 'REFERRAL', 'LAPSE', 'RULE')", name='ck_gift_send_reason'),
    sa.CheckConstraint("status IN ('OFFERED', 'REDEEMED', 'FULFILLING', 'FULFILLED', 'FAILED', 'DECLINED', 'EXPIRED', 'CANCELLED')", name='ck_gift_send_status'),
    sa.CheckConstraint('original_value >= 0', name='ck_gift_send_value_non_negative'),
    sa.CheckConstraint('reserved_amount >= 0', name='ck_gift_send_reserved_non_negative'),
    sa.ForeignKeyConstraint(['advocate_id'], ['advocate.id'], ),
    sa.ForeignKeyConstraint(['item_id'], ['gift_item.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['original_item_id'], ['gift_item.id'], ),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.ForeignKeyConstraint(['sent_by_token_id'], ['api_token.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('link_token_hash'),
    sa.UniqueConstraint('organization_id', 'idempotency_key', name='uq_gift_send_org_idempotency_key')
    )
    with op.batch_alter_table('gift_send', schema=None) as batch_op:
        batch_op.create_index('ix_gift_send_advocate', ['advocate_id', 'created_at'], unique=False)
        batch_op.create_index('ix_gift_send_org_created', ['organization_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_gift_send_program', ['program_id', 'status'], unique=False)
        batch_op.create_index('ix_gift_send_status_expires', ['status', 'expires_at'], unique=False)

    op.create_table('budget_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('send_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=7), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('RESERVE', 'RELEASE', 'SPEND')", name='ck_budget_entry_kind'),
    sa.CheckConstraint('amount > 0', name='ck_budget_entry_amount_positive'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.ForeignKeyConstraint(['send_id'], ['gift_send.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('budget_entry', schema=None) as batch_op:
        batch_op.create_index('ix_budget_entry_program', ['program_id', 'id'], unique=False)

    op.create_table('gift_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('send_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('actor', sa.String(length=60), nullable=False),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['send_id'], ['gift_send.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('gift_event', schema=None) as batch_op:
        batch_op.create_index('ix_gift_event_send', ['send_id', 'id'], unique=False)

    # Existing programs have nothing reserved or spent yet.
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.add_column(sa.Column('budget_reserved', sa.BigInteger(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('budget_spent', sa.BigInteger(), nullable=False, server_default='0'))
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.alter_column('budget_reserved', server_default=None)
        batch_op.alter_column('budget_spent', server_default=None)
        batch_op.create_check_constraint(
            'ck_program_committed_non_negative', 'budget_reserved >= 0 AND budget_spent >= 0'
        )
        batch_op.create_check_constraint(
            'ck_program_budget_not_overspent', 'budget_reserved + budget_spent <= budget_total'
        )




def downgrade() -> None:

    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.drop_constraint('ck_program_budget_not_overspent', type_='check')
        batch_op.drop_constraint('ck_program_committed_non_negative', type_='check')
        batch_op.drop_column('budget_spent')
        batch_op.drop_column('budget_reserved')

    with op.batch_alter_table('gift_event', schema=None) as batch_op:
        batch_op.drop_index('ix_gift_event_send')

    op.drop_table('gift_event')
    with op.batch_alter_table('budget_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_budget_entry_program')

    op.drop_table('budget_entry')
    with op.batch_alter_table('gift_send', schema=None) as batch_op:
        batch_op.drop_index('ix_gift_send_status_expires')
        batch_op.drop_index('ix_gift_send_program')
        batch_op.drop_index('ix_gift_send_org_created')
        batch_op.drop_index('ix_gift_send_advocate')

    op.drop_table('gift_send')

