"""referrals

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 08:12:45.317747
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('revoked_referral_code',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('referral_settings',
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('landing_url', sa.String(length=2000), nullable=False),
    sa.Column('fallback_url', sa.String(length=2000), nullable=True),
    sa.Column('click_to_signup_days', sa.Integer(), nullable=False),
    sa.Column('signup_to_conversion_days', sa.Integer(), nullable=False),
    sa.Column('click_dedup_minutes', sa.Integer(), nullable=False),
    sa.Column('flagged_action', sa.String(length=6), nullable=False),
    sa.Column('same_domain_is_self_referral', sa.Boolean(), nullable=False),
    sa.Column('min_conversion_value', sa.BigInteger(), nullable=False),
    sa.Column('max_signups_per_visitor_per_day', sa.Integer(), nullable=False),
    sa.Column('referrer_item_id', sa.Integer(), nullable=True),
    sa.Column('friend_item_id', sa.Integer(), nullable=True),
    sa.Column('reward_delay_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("flagged_action IN ('REJECT', 'HOLD')", name='ck_referral_settings_flagged_action'),
    sa.CheckConstraint('click_to_signup_days >= 0 AND signup_to_conversion_days >= 0 AND reward_delay_days >= 0 AND min_conversion_value >= 0 AND max_signups_per_visitor_per_day >= 1 AND click_dedup_minutes >= 0', name='ck_referral_settings_non_negative'),
    sa.ForeignKeyConstraint(['friend_item_id'], ['gift_item.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.ForeignKeyConstraint(['referrer_item_id'], ['gift_item.id'], ),
    sa.PrimaryKeyConstraint('organization_id')
    )
    op.create_table('referral_click',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('advocate_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=40), nullable=True),
    sa.Column('visitor_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dedup_bucket', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['advocate_id'], ['advocate.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint(
        'code', 'visitor_hash', 'dedup_bucket', name='uq_referral_click_visitor_window'
    )
    )
    with op.batch_alter_table('referral_click', schema=None) as batch_op:
        batch_op.create_index('ix_referral_click_advocate', ['advocate_id', 'created_at'], unique=False)
        batch_op.create_index('ix_referral_click_visitor', ['visitor_hash', 'code', 'created_at'], unique=False)

    op.create_table('referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('referrer_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('click_id', sa.Integer(), nullable=True),
    sa.Column('visitor_hash', sa.String(length=64), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=9), nullable=False),
    sa.Column('verdict', sa.String(length=7), nullable=False),
    sa.Column('reasons', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('signed_up_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('converted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('conversion_value', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('order_id', sa.String(length=200), nullable=True),
    sa.Column('conversion_key', sa.String(length=200), nullable=True),
    sa.Column('input_fingerprint', sa.String(length=64), nullable=True),
    sa.Column('milestone_id', sa.Integer(), nullable=True),
    sa.Column('reward_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rewarded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('referrer_send_id', sa.Integer(), nullable=True),
    sa.Column('friend_send_id', sa.Integer(), nullable=True),
    sa.Column('reward_note', sa.String(length=500), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('SIGNED_UP', 'HELD', 'CONVERTED', 'REJECTED', 'REVERSED')", name='ck_referral_status'),
    sa.CheckConstraint("verdict IN ('CLEAN', 'FLAGGED')", name='ck_referral_verdict'),
    sa.CheckConstraint('conversion_value IS NULL OR conversion_value >= 0', name='ck_referral_value'),
    sa.ForeignKeyConstraint(['click_id'], ['referral_click.id'], ),
    sa.ForeignKeyConstraint(['friend_send_id'], ['gift_send.id'], ),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestone.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.ForeignKeyConstraint(['referrer_id'], ['advocate.id'], ),
    sa.ForeignKeyConstraint(['referrer_send_id'], ['gift_send.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organization_id', 'conversion_key', name='uq_referral_org_conversion_key'),
    sa.UniqueConstraint('organization_id', 'external_id', name='uq_referral_org_external_id')
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index('ix_referral_org_created', ['organization_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_referral_org_email', ['organization_id', 'email', 'id'], unique=False)
        batch_op.create_index('ix_referral_referrer', ['referrer_id', 'created_at'], unique=False)
        batch_op.create_index('ix_referral_reward_due', ['reward_due_at'], unique=False)
        batch_op.create_index('ix_referral_visitor', ['visitor_hash', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_visitor')
        batch_op.drop_index('ix_referral_reward_due')
        batch_op.drop_index('ix_referral_referrer')
        batch_op.drop_index('ix_referral_org_email')
        batch_op.drop_index('ix_referral_org_created')

    op.drop_table('referral')
    with op.batch_alter_table('referral_click', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_click_visitor')
        batch_op.drop_index('ix_referral_click_advocate')

    op.drop_table('referral_click')
    op.drop_table('referral_settings')
    op.drop_table('revoked_referral_code')
