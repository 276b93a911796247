"""analytics indexes: what the KPI aggregates (advocacy/analytics) read by

- milestone (organization_id, program_id, advocate_id, occurred_at) INCLUDE (kind, status,
  points): a program's members (earliest touch per advocate), its participants in time order
  and its leaderboard, answered from the index alone on PostgreSQL;
- gift_event (organization_id, kind, send_id, created_at): the few history kinds the gift
  figures need (waited for approval, approved, swapped, donated) without reading every event;
- budget_entry, referral_click, advocate_status_change, nudge by (organization_id, time):
  an organization's rows of a period, not every organization's;
- referral (organization_id, program_id, referrer_id, signed_up_at): a program's referrals and
  its referrers' first referral.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 22:43:02.530004
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('advocate_status_change', schema=None) as batch_op:
        batch_op.create_index('ix_advocate_status_change_org', ['organization_id', 'created_at'], unique=False)

    with op.batch_alter_table('budget_entry', schema=None) as batch_op:
        batch_op.create_index('ix_budget_entry_org_created', ['organization_id', 'created_at'], unique=False)

    with op.batch_alter_table('gift_event', schema=None) as batch_op:
        batch_op.create_index('ix_gift_event_org_kind', ['organization_id', 'kind', 'send_id', 'created_at'], unique=False)

    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.create_index('ix_milestone_program_advocate', ['organization_id', 'program_id', 'advocate_id', 'occurred_at'], unique=False, postgresql_include=['kind', 'status', 'points'])

    with op.batch_alter_table('nudge', schema=None) as batch_op:
        batch_op.create_index('ix_nudge_org_sent', ['organization_id', 'sent_at'], unique=False)

    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index('ix_referral_program_referrer', ['organization_id', 'program_id', 'referrer_id', 'signed_up_at'], unique=False)

    with op.batch_alter_table('referral_click', schema=None) as batch_op:
        batch_op.create_index('ix_referral_click_org_created', ['organization_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('referral_click', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_click_org_created')

    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_program_referrer')

    with op.batch_alter_table('nudge', schema=None) as batch_op:
        batch_op.drop_index('ix_nudge_org_sent')

    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_index('ix_milestone_program_advocate', postgresql_include=['kind', 'status', 'points'])

    with op.batch_alter_table('gift_event', schema=None) as batch_op:
        batch_op.drop_index('ix_gift_event_org_kind')

    with op.batch_alter_table('budget_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_budget_entry_org_created')

    with op.batch_alter_table('advocate_status_change', schema=None) as batch_op:
        batch_op.drop_index('ix_advocate_status_change_org')
