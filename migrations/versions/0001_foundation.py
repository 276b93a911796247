"""foundation: organizations, tokens, accounts, advocates, programs, milestones

Revision ID: 0001
Revises:
Create Date: 2026-11-23 05:04:04.918839
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('organization',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )
    op.create_table('account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('domain', sa.String(length=253), nullable=True),
    sa.Column('crm_id', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organization_id', 'name', name='uq_account_org_name')
    )
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_organization_id'), ['organization_id'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('VIEWER', 'MARKETER', 'ADMIN')", name='ck_api_token_role'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organization_id', 'name', name='uq_api_token_org_name'),
    sa.UniqueConstraint('secret_hash')
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_organization_id'), ['organization_id'], unique=False)

    op.create_table('program',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=5000), nullable=True),
    sa.Column('goal', sa.String(length=2000), nullable=True),
    sa.Column('status', sa.String(length=6), nullable=False),
    sa.Column('budget_total', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('points_per_kind', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('kpi_targets', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('DRAFT', 'ACTIVE', 'PAUSED', 'ENDED')", name='ck_program_status'),
    sa.CheckConstraint('budget_total >= 0', name='ck_program_budget_non_negative'),
    sa.CheckConstraint('ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on', name='ck_program_dates_ordered'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organization_id', 'name', name='uq_program_org_name')
    )
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_program_organization_id'), ['organization_id'], unique=False)

    op.create_table('advocate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('interests', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=9), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('referral_code', sa.String(length=32), nullable=False),
    sa.Column('nudges_opt_out', sa.Boolean(), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.Column('last_engaged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('INVITED', 'ACTIVE', 'LAPSED', 'OPTED_OUT')", name='ck_advocate_status'),
    sa.CheckConstraint('points >= 0', name='ck_advocate_points_non_negative'),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organization_id', 'email', name='uq_advocate_org_email'),
    sa.UniqueConstraint('organization_id', 'external_id', name='uq_advocate_org_external_id'),
    sa.UniqueConstraint('referral_code')
    )
    with op.batch_alter_table('advocate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_advocate_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_advocate_org_created', ['organization_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_advocate_org_last_engaged', ['organization_id', 'last_engaged_at', 'id'], unique=False)
        batch_op.create_index('ix_advocate_org_name', ['organization_id', 'name', 'id'], unique=False)
        batch_op.create_index('ix_advocate_org_points', ['organization_id', 'points', 'id'], unique=False)
        batch_op.create_index('ix_advocate_org_status', ['organization_id', 'status'], unique=False)

    op.create_table('milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('advocate_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=9), nullable=False),
    sa.Column('evidence_url', sa.String(length=2000), nullable=True),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('input_fingerprint', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=2000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('REVIEW', 'TESTIMONIAL', 'REFERRAL', 'CASE_STUDY', 'REFERENCE_CALL', 'SOCIAL_MENTION', 'EVENT_SPEAKING', 'SUCCESS_STORY', 'COMMUNITY_ANSWER', 'OTHER')", name='ck_milestone_kind'),
    sa.CheckConstraint("status IN ('SUBMITTED', 'APPROVED', 'REJECTED')", name='ck_milestone_status'),
    sa.CheckConstraint('points >= 0', name='ck_milestone_points_non_negative'),
    sa.ForeignKeyConstraint(['advocate_id'], ['advocate.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organization_id', 'external_id', name='uq_milestone_org_external_id')
    )
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.create_index('ix_milestone_advocate_occurred', ['advocate_id', 'occurred_at', 'id'], unique=False)
        batch_op.create_index('ix_milestone_org_occurred', ['organization_id', 'occurred_at', 'id'], unique=False)
        batch_op.create_index('ix_milestone_program', ['program_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_index('ix_milestone_program')
        batch_op.drop_index('ix_milestone_org_occurred')
        batch_op.drop_index('ix_milestone_advocate_occurred')

    op.drop_table('milestone')
    with op.batch_alter_table('advocate', schema=None) as batch_op:
        batch_op.drop_index('ix_advocate_org_status')
        batch_op.drop_index('ix_advocate_org_points')
        batch_op.drop_index('ix_advocate_org_name')
        batch_op.drop_index('ix_advocate_org_last_engaged')
        batch_op.drop_index('ix_advocate_org_created')
        batch_op.drop_index(batch_op.f('ix_advocate_account_id'))

    op.drop_table('advocate')
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_program_organization_id'))

    op.drop_table('program')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_organization_id'))

    op.drop_table('api_token')
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_organization_id'))

    op.drop_table('account')
    op.drop_table('organization')

