"""gift rules

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 08:21:00.364400
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WITHOUT_PENDING = (
    "'OFFERED', 'REDEEMED', 'FULFILLING', 'FULFILLED', 'FAILED', 'DECLINED', 'EXPIRED', "
    "'CANCELLED'"
)
WITH_PENDING = f"'PENDING_APPROVAL', {WITHOUT_PENDING}"


def upgrade() -> None:
    op.create_table('gift_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('trigger', sa.String(length=18), nullable=False),
    sa.Column('milestone_kinds', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=True),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('price_cap', sa.BigInteger(), nullable=True),
    sa.Column('message_template', sa.String(length=2000), nullable=True),
    sa.Column('cap_count', sa.Integer(), nullable=True),
    sa.Column('cap_days', sa.Integer(), nullable=True),
    sa.Column('requires_approval', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=6), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('ACTIVE', 'PAUSED')", name='ck_gift_rule_status'),
    sa.CheckConstraint("trigger IN ('MILESTONE_APPROVED', 'REFERRAL_CONVERTED', 'ADVOCATE_LAPSED', 'POINTS_THRESHOLD', 'ANNIVERSARY')", name='ck_gift_rule_trigger'),
    sa.CheckConstraint('(cap_count IS NULL) = (cap_days IS NULL)', name='ck_gift_rule_cap_complete'),
    sa.CheckConstraint('item_id IS NOT NULL OR price_cap IS NOT NULL', name='ck_gift_rule_has_action'),
    sa.ForeignKeyConstraint(['item_id'], ['gift_item.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organization_id', 'name', name='uq_gift_rule_org_name')
    )
    with op.batch_alter_table('gift_rule', schema=None) as batch_op:
        batch_op.create_index('ix_gift_rule_org_trigger', ['organization_id', 'trigger', 'status'], unique=False)

    op.create_table('gift_rule_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('trigger_key', sa.String(length=100), nullable=False),
    sa.Column('advocate_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('send_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("outcome IN ('SENT', 'PENDING_APPROVAL', 'SKIPPED')", name='ck_gift_rule_run_outcome'),
    sa.ForeignKeyConstraint(['advocate_id'], ['advocate.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['rule_id'], ['gift_rule.id'], ),
    sa.ForeignKeyConstraint(['send_id'], ['gift_send.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('rule_id', 'trigger_key', name='uq_gift_rule_run_event')
    )
    with op.batch_alter_table('gift_rule_run', schema=None) as batch_op:
        batch_op.create_index('ix_gift_rule_run_rule', ['rule_id', 'id'], unique=False)

    with op.batch_alter_table('gift_send', schema=None) as batch_op:
        batch_op.drop_constraint('ck_gift_send_status', type_='check')
        batch_op.alter_column('status',
               existing_type=sa.VARCHAR(length=10),
               type_=sa.String(length=16),
               existing_nullable=False)
        batch_op.create_check_constraint('ck_gift_send_status', f"status IN ({WITH_PENDING})")



def downgrade() -> None:
    pending = op.get_bind().execute(
        sa.text("SELECT count(*) FROM gift_send WHERE status = 'PENDING_APPROVAL'")
    ).scalar()
    if pending:
        raise RuntimeError(
            f"{pending} gift(s) await approval: approve or reject them (rejectGiftSend releases "
            "their budget) before downgrading below 0006"
        )
    with op.batch_alter_table('gift_send', schema=None) as batch_op:
        batch_op.drop_constraint('ck_gift_send_status', type_='check')
        batch_op.alter_column('status',
               existing_type=sa.String(length=16),
               type_=sa.VARCHAR(length=10),
               existing_nullable=False)
        batch_op.create_check_constraint('ck_gift_send_status', f"status IN ({WITHOUT_PENDING})")

    with op.batch_alter_table('gift_rule_run', schema=None) as batch_op:
        batch_op.drop_index('ix_gift_rule_run_rule')

    op.drop_table('gift_rule_run')
    with op.batch_alter_table('gift_rule', schema=None) as batch_op:
        batch_op.drop_index('ix_gift_rule_org_trigger')

    op.drop_table('gift_rule')
