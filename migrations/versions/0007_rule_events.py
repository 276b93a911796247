"""rule events

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 08:59:17.450554
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rule_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.String(length=18), nullable=False),
    sa.Column('advocate_id', sa.Integer(), nullable=False),
    sa.Column('event_key', sa.String(length=100), nullable=False),
    sa.Column('milestone_kind', sa.String(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("trigger IN ('MILESTONE_APPROVED', 'REFERRAL_CONVERTED', 'ADVOCATE_LAPSED', 'POINTS_THRESHOLD', 'ANNIVERSARY')", name='ck_rule_event_trigger'),
    sa.ForeignKeyConstraint(['advocate_id'], ['advocate.id'], ),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rule_event', schema=None) as batch_op:
        batch_op.create_index('ix_rule_event_unprocessed', ['processed_at', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('rule_event', schema=None) as batch_op:
        batch_op.drop_index('ix_rule_event_unprocessed')

    op.drop_table('rule_event')
