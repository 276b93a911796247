"""nudges asks templates

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 21:16:11.977133
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('email_template',
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('NUDGE')", name='ck_email_template_kind'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.PrimaryKeyConstraint('organization_id', 'kind')
    )
    op.create_table('ask_policy',
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('ask_after_days', sa.Integer(), nullable=False),
    sa.Column('retry_days', sa.Integer(), nullable=False),
    sa.Column('max_tries', sa.Integer(), nullable=False),
    sa.Column('variant_a_subject', sa.String(length=300), nullable=False),
    sa.Column('variant_a_body', sa.Text(), nullable=False),
    sa.Column('variant_b_subject', sa.String(length=300), nullable=True),
    sa.Column('variant_b_body', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('REVIEW', 'TESTIMONIAL', 'REFERRAL', 'CASE_STUDY', 'REFERENCE_CALL', 'SOCIAL_MENTION', 'EVENT_SPEAKING', 'SUCCESS_STORY', 'COMMUNITY_ANSWER', 'OTHER')", name='ck_ask_policy_kind'),
    sa.CheckConstraint('(variant_b_subject IS NULL) = (variant_b_body IS NULL)', name='ck_ask_policy_variant_b_complete'),
    sa.CheckConstraint('ask_after_days >= 0 AND retry_days >= 1 AND max_tries >= 1', name='ck_ask_policy_cadence'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.PrimaryKeyConstraint('program_id')
    )
    with op.batch_alter_table('ask_policy', schema=None) as batch_op:
        batch_op.create_index('ix_ask_policy_org', ['organization_id'], unique=False)

    op.create_table('program_engagement_policy',
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('lapse_after_days', sa.Integer(), nullable=True),
    sa.Column('nudge_channel', sa.String(length=15), nullable=True),
    sa.Column('max_nudges', sa.Integer(), nullable=True),
    sa.Column('cooldown_days', sa.Integer(), nullable=True),
    sa.Column('give_up_after_days', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("nudge_channel IS NULL OR nudge_channel IN ('EMAIL', 'GIFT', 'GIFT_THEN_EMAIL', 'NONE')", name='ck_program_engagement_policy_channel'),
    sa.CheckConstraint('lapse_after_days IS NULL OR lapse_after_days >= 1', name='ck_program_engagement_policy_lapse'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.PrimaryKeyConstraint('program_id')
    )
    with op.batch_alter_table('program_engagement_policy', schema=None) as batch_op:
        batch_op.create_index('ix_program_engagement_policy_org', ['organization_id'], unique=False)

    op.create_table('ask',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('advocate_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('variant', sa.String(length=1), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('requested_by', sa.String(length=60), nullable=True),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('emailed_tries', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rung_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('response_milestone_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('close_reason', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('REVIEW', 'TESTIMONIAL', 'REFERRAL', 'CASE_STUDY', 'REFERENCE_CALL', 'SOCIAL_MENTION', 'EVENT_SPEAKING', 'SUCCESS_STORY', 'COMMUNITY_ANSWER', 'OTHER')", name='ck_ask_kind'),
    sa.CheckConstraint("source IN ('POLICY', 'MARKETER')", name='ck_ask_source'),
    sa.CheckConstraint("status IN ('SCHEDULED', 'OPEN', 'RESPONDED', 'UNANSWERED', 'CANCELLED')", name='ck_ask_status'),
    sa.CheckConstraint("variant IN ('A', 'B')", name='ck_ask_variant'),
    sa.ForeignKeyConstraint(['advocate_id'], ['advocate.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ),
    sa.ForeignKeyConstraint(['response_milestone_id'], ['milestone.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ask', schema=None) as batch_op:
        batch_op.create_index('ix_ask_advocate', ['advocate_id', 'id'], unique=False)
        batch_op.create_index('ix_ask_due', ['status', 'due_at'], unique=False)
        batch_op.create_index('ix_ask_org', ['organization_id', 'id'], unique=False)
        batch_op.create_index('ix_ask_unsent_email', ['rung_at'], unique=False, postgresql_where=sa.text("status = 'OPEN' AND emailed_tries < tries"), sqlite_where=sa.text("status = 'OPEN' AND emailed_tries < tries"))
        batch_op.create_index('ix_ask_program_variant', ['program_id', 'variant', 'status'], unique=False)
        batch_op.create_index('uq_ask_one_open_per_advocate', ['advocate_id'], unique=True, postgresql_where=sa.text("status IN ('SCHEDULED', 'OPEN')"), sqlite_where=sa.text("status IN ('SCHEDULED', 'OPEN')"))

    op.create_table('nudge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('advocate_id', sa.Integer(), nullable=False),
    sa.Column('lapse_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=5), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('rule_event_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rung_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('re_engaged_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('EMAIL', 'GIFT')", name='ck_nudge_channel'),
    sa.CheckConstraint("outcome IN ('OPEN', 'RE_ENGAGED', 'UNANSWERED', 'CANCELLED')", name='ck_nudge_outcome'),
    sa.ForeignKeyConstraint(['advocate_id'], ['advocate.id'], ),
    sa.ForeignKeyConstraint(['lapse_id'], ['advocate_status_change.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.ForeignKeyConstraint(['rule_event_id'], ['rule_event.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('lapse_id', 'sequence', name='uq_nudge_lapse_sequence')
    )
    with op.batch_alter_table('nudge', schema=None) as batch_op:
        batch_op.create_index('ix_nudge_advocate', ['advocate_id', 'id'], unique=False)
        batch_op.create_index('ix_nudge_org', ['organization_id', 'id'], unique=False)
        batch_op.create_index('ix_nudge_unsent_email', ['rung_at'], unique=False, postgresql_where=sa.text("sent_at IS NULL AND outcome = 'OPEN' AND channel = 'EMAIL'"), sqlite_where=sa.text("sent_at IS NULL AND outcome = 'OPEN' AND channel = 'EMAIL'"))

    with op.batch_alter_table('advocate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nudges_paused', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('engaged_program_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('results_seen_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('unsubscribed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key('fk_advocate_engaged_program', 'program', ['engaged_program_id'], ['id'])
    # Each advocate's program policy is that of their latest approved milestone.
    op.execute(
        "UPDATE advocate SET engaged_program_id = ("
        " SELECT m.program_id FROM milestone m"
        " WHERE m.advocate_id = advocate.id AND m.status = 'APPROVED'"
        " ORDER BY m.occurred_at DESC, m.id DESC LIMIT 1)"
    )

    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('headers', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False, server_default='{}'))

    with op.batch_alter_table('engagement_policy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nudge_channel', sa.String(length=15), nullable=False, server_default='GIFT_THEN_EMAIL'))
        batch_op.add_column(sa.Column('max_nudges', sa.Integer(), nullable=False, server_default='3'))
        batch_op.add_column(sa.Column('cooldown_days', sa.Integer(), nullable=False, server_default='14'))
        batch_op.add_column(sa.Column('give_up_after_days', sa.Integer(), nullable=False, server_default='180'))
        batch_op.add_column(sa.Column('daytime_start_hour', sa.Integer(), nullable=False, server_default='9'))
        batch_op.add_column(sa.Column('daytime_end_hour', sa.Integer(), nullable=False, server_default='18'))
        batch_op.add_column(sa.Column('default_timezone', sa.String(length=64), nullable=False, server_default='UTC'))
        batch_op.add_column(sa.Column('nudges_paused', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_check_constraint('ck_engagement_policy_channel', "nudge_channel IN ('EMAIL', 'GIFT', 'GIFT_THEN_EMAIL', 'NONE')")
        batch_op.create_check_constraint('ck_engagement_policy_cadence', 'max_nudges >= 0 AND cooldown_days >= 1 AND give_up_after_days >= 1')
        batch_op.create_check_constraint('ck_engagement_policy_daytime', 'daytime_start_hour >= 0 AND daytime_end_hour <= 24 AND daytime_start_hour < daytime_end_hour')



def downgrade() -> None:
    with op.batch_alter_table('engagement_policy', schema=None) as batch_op:
        batch_op.drop_constraint('ck_engagement_policy_daytime', type_='check')
        batch_op.drop_constraint('ck_engagement_policy_cadence', type_='check')
        batch_op.drop_constraint('ck_engagement_policy_channel', type_='check')
        batch_op.drop_column('nudges_paused')
        batch_op.drop_column('default_timezone')
        batch_op.drop_column('daytime_end_hour')
        batch_op.drop_column('daytime_start_hour')
        batch_op.drop_column('give_up_after_days')
        batch_op.drop_column('cooldown_days')
        batch_op.drop_column('max_nudges')
        batch_op.drop_column('nudge_channel')

    with op.batch_alter_table('email_outbox', schema=None) as batch_op:
        batch_op.drop_column('headers')

    with op.batch_alter_table('advocate', schema=None) as batch_op:
        batch_op.drop_constraint('fk_advocate_engaged_program', type_='foreignkey')
        batch_op.drop_column('unsubscribed_at')
        batch_op.drop_column('results_seen_at')
        batch_op.drop_column('engaged_program_id')
        batch_op.drop_column('nudges_paused')

    with op.batch_alter_table('nudge', schema=None) as batch_op:
        batch_op.drop_index('ix_nudge_unsent_email', postgresql_where=sa.text("sent_at IS NULL AND outcome = 'OPEN' AND channel = 'EMAIL'"), sqlite_where=sa.text("sent_at IS NULL AND outcome = 'OPEN' AND channel = 'EMAIL'"))
        batch_op.drop_index('ix_nudge_org')
        batch_op.drop_index('ix_nudge_advocate')

    op.drop_table('nudge')
    with op.batch_alter_table('ask', schema=None) as batch_op:
        batch_op.drop_index('uq_ask_one_open_per_advocate', postgresql_where=sa.text("status IN ('SCHEDULED', 'OPEN')"), sqlite_where=sa.text("status IN ('SCHEDULED', 'OPEN')"))
        batch_op.drop_index('ix_ask_program_variant')
        batch_op.drop_index('ix_ask_unsent_email', postgresql_where=sa.text("status = 'OPEN' AND emailed_tries < tries"), sqlite_where=sa.text("status = 'OPEN' AND emailed_tries < tries"))
        batch_op.drop_index('ix_ask_org')
        batch_op.drop_index('ix_ask_due')
        batch_op.drop_index('ix_ask_advocate')

    op.drop_table('ask')
    with op.batch_alter_table('program_engagement_policy', schema=None) as batch_op:
        batch_op.drop_index('ix_program_engagement_policy_org')

    op.drop_table('program_engagement_policy')
    with op.batch_alter_table('ask_policy', schema=None) as batch_op:
        batch_op.drop_index('ix_ask_policy_org')

    op.drop_table('ask_policy')
    op.drop_table('email_template')
